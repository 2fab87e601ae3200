// @ts-check
/**
 * What the office screens share: filters kept in the address (bookmark, share), tables,
 * files fetched with the bearer token, the small lists (teams, agents, partners) filters
 * offer. Never a name or a search text in the address: only ids and vocabulary.
 */
import { ApiError, request, authorizedFetch } from '../app/api.js';
import { formatNumber, t } from '../app/i18n.js';
import { h, notice } from '../app/ui/dom.js';

/** @param {string} route "/office/funnel?group_by=channel" @returns {URLSearchParams} */
export function routeParams(route) {
  const at = route.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : route.slice(at + 1));
}

/** The path part of a route. @param {string} route */
export function routePath(route) {
  const at = route.indexOf('?');
  return at < 0 ? route : route.slice(0, at);
}

/**
 * A hash link to an office screen with these parameters (empty ones left out).
 * @param {string} path "/office/leads"
 * @param {Record<string, string | string[] | null | undefined> | URLSearchParams} params
 */
export function officeLink(path, params) {
  const query = new URLSearchParams();
  const entries = params instanceof URLSearchParams ? [...params] : Object.entries(params);
  for (const [name, value] of entries) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== null && one !== undefined && one !== '') query.append(name, one);
    }
  }
  const text = query.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

/** Go to the same screen with new parameters (one history entry per change). */
export function navigate(/** @type {string} */ path, /** @type {URLSearchParams} */ params) {
  location.hash = officeLink(path, params).slice(1);
}

/** @param {unknown} error */
export function problem(error) {
  return notice(error instanceof Error ? error.message : String(error));
}

/** A percentage for a share 0..1, or an empty cell. @param {number | null | undefined} x */
export function percent(x) {
  if (x === null || x === undefined) return '–';
  return `${formatNumber(Math.round(x * 1000) / 10)} %`;
}

/** A count or a dash (suppressed or not applicable). @param {number | null | undefined} n */
export function count(n) {
  return n === null || n === undefined ? '–' : formatNumber(n);
}

/**
 * A word that stands where a figure would (e.g. "Tally incomplete" for a conversion): its
 * column keeps the figures' alignment. @param {string} text
 */
export function inPlaceOfFigure(text) {
  return h('span', { 'data-figure': true }, text);
}

/**
 * Whether a cell holds a figure (a number, or a count or share as formatted here: digits,
 * separators, "%", a dash for a suppressed cell; or a word in place of one). @param {unknown} cell
 */
function isFigure(cell) {
  if (cell === null || cell === undefined || typeof cell === 'number') return true;
  if (cell instanceof HTMLElement && cell.dataset.figure !== undefined) return true;
  const text = typeof cell === 'string' ? cell : cell instanceof Node ? cell.textContent || '' : '';
  return /^[\d\s\u00a0\u202f.,%()–+-]*$/.test(text.trim());
}

/**
 * A data table: caption, header row, rows of cells (a cell is text or a node).
 * @param {string} caption
 * @param {string[]} headers
 * @param {(Node | string | number | null)[][]} rows
 * @param {{rowHeaders?: boolean, className?: string}} [options]
 */
export function dataTable(caption, headers, rows, options = {}) {
  // Figures line up on the end edge under their headings, words on the start edge.
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((cells) => isFigure(cells[i])));
  const cls = (/** @type {number} */ i) => (numeric[i] ? 'num' : undefined);
  // Focusable and named: a wide table scrolls sideways on a tablet, by keyboard too.
  return h(
    'div',
    { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption },
    h(
      'table',
      { class: options.className || 'data-table' },
      h('caption', null, caption),
      h('thead', null, h('tr', null, headers.map((x, i) => h('th', { scope: 'col', class: cls(i) }, x)))),
      h(
        'tbody',
        null,
        rows.map((cells) =>
          h(
            'tr',
            null,
            cells.map((cell, i) =>
              i === 0 && options.rowHeaders !== false
                ? h('th', { scope: 'row', class: cls(i) }, cell === null ? '' : cell)
                : h('td', { class: cls(i) }, cell === null ? '' : cell),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * Download a file of the API (exports carry the token in a header, so no plain link).
 * @param {string} path
 * @param {URLSearchParams} params
 */
export async function download(path, params) {
  const url = new URL(path, location.origin);
  params.forEach((value, name) => url.searchParams.append(name, value));
  const response = await authorizedFetch(url);
  if (!response.ok) throw new ApiError(response.status, 'http_error', t('The export failed.'));
  const name =
    (response.headers.get('Content-Disposition') || '').match(/filename="([^"]+)"/)?.[1] ||
    'terrain-export';
  const blob = await response.blob();
  const link = h('a', { href: URL.createObjectURL(blob), download: name, hidden: true });
  document.body.append(link);
  /** @type {HTMLAnchorElement} */ (link).click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(/** @type {HTMLAnchorElement} */ (link).href), 10000);
}

/**
 * Export buttons (CSV for Belgian Excel, XLSX) for `kind` with these parameters.
 * @param {'leads' | 'funnel' | 'impact'} kind
 * @param {URLSearchParams} params
 */
export function exportButtons(kind, params) {
  const status = h('span', { class: 'export-status', role: 'status' });
  /** @param {string} fmt */
  const button = (fmt, label) =>
    h(
      'button',
      {
        type: 'button',
        class: 'button-quiet',
        onclick: async () => {
          status.textContent = '';
          try {
            await download(`/api/exports/${kind}.${fmt}`, params);
          } catch (error) {
            status.textContent = error instanceof Error ? error.message : String(error);
          }
        },
      },
      label,
    );
  return h(
    'div',
    { class: 'export-buttons' },
    button('csv', t('Export CSV')),
    button('xlsx', t('Export XLSX')),
    status,
  );
}

/** @type {Map<string, Promise<any>>} */
const lists = new Map();

/** Teams, agents and partners for the filters, fetched once per page load. @param {string} key */
export function cachedList(key) {
  const paths = {
    teams: '/api/admin/teams',
    agents: '/api/admin/users?role=agent&limit=200',
    partners: '/api/partners?limit=200',
  };
  if (!lists.has(key)) {
    const path = /** @type {Record<string, string>} */ (paths)[key];
    const url = new URL(path, location.origin);
    lists.set(
      key,
      request('GET', url.pathname, { query: Object.fromEntries(url.searchParams) })
        .then((body) => body.items)
        .catch(() => []),
    );
  }
  return /** @type {Promise<any[]>} */ (lists.get(key));
}

/** Forget the cached lists (log out, or an admin changed one). */
export function forgetLists() {
  lists.clear();
}

/**
 * A labelled <select> bound to a parameter.
 * @param {string} id
 * @param {string} label
 * @param {[string, string][]} options [value, label]; the first is "all"
 * @param {string} value
 */
export function selectField(id, label, options, value) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, name: id.replace(/^[a-z]+-/, ''), value },
      options.map(([v, text]) => h('option', { value: v }, text)),
    ),
  );
}

/** @param {string} id @param {string} label @param {string} type @param {string} value */
export function inputField(id, label, type, value, extra = {}) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name: id.replace(/^[a-z]+-/, ''), type, value, ...extra }),
  );
}
