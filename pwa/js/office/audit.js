// @ts-check
/**
 * The audit trail (admins): who viewed, exported, changed or erased what, newest first,
 * filtered in the address (action, person's lead id, dates), and its CSV export. People are
 * named by pseudonym in it; a lead id finds the rows about that person.
 */
import { request } from '../app/api.js';
import { formatDateTime, t, tn } from '../app/i18n.js';
import { h, show } from '../app/ui/dom.js';
import { dataTable, download, inputField, navigate, problem, routeParams } from './common.js';

const FILTERS = ['action', 'lead_id', 'since', 'until'];

/** @param {HTMLElement} main @param {{isCurrent: () => boolean}} view @param {string} route */
export async function renderAudit(main, view, route) {
  const params = routeParams(route);
  const heading = h('h1', { tabindex: -1 }, t('Audit trail'));
  document.title = [t('Audit trail'), 'Terrain'].join(' – ');
  // Dates are whole days, in UTC as the server stores the trail.
  const day = (/** @type {string | null} */ d) => (d ? `${d}T00:00:00Z` : null);
  const query = {
    action: params.get('action'),
    lead_id: params.get('lead_id'),
    since: day(params.get('since')),
    until: day(params.get('until')),
  };
  let body;
  try {
    body = await request('GET', '/api/audit', { query: { ...query, limit: 200 } });
  } catch (error) {
    if (view.isCurrent()) show(main, heading, filters(params), problem(error));
    return;
  }
  if (!view.isCurrent()) return;
  const status = h('span', { class: 'export-status', role: 'status' });
  const csv = h('button', {
    type: 'button',
    class: 'button-quiet',
    onclick: async () => {
      try {
        const out = new URLSearchParams();
        if (query.action) out.set('action', query.action);
        if (query.since) out.set('since', query.since);
        if (query.until) out.set('until', query.until);
        await download('/api/audit/export.csv', out);
      } catch (error) {
        status.textContent = error instanceof Error ? error.message : String(error);
      }
    },
  }, t('Export (CSV)'));
  show(
    main,
    h(
      'section',
      { class: 'audit-screen office-wide stack' },
      heading,
      filters(params),
      h('p', { class: 'result-count' }, tn('{n} row', '{n} rows', body.total), ' ', csv, status),
      dataTable(
        t('Audit trail'),
        [t('When'), t('Action'), t('Who'), t('What'), t('Rows')],
        body.items.map((/** @type {any} */ e) => [
          formatDateTime(e.at),
          e.action,
          e.actor_id ? e.actor_id.slice(0, 8) : t('Terrain'),
          e.object_type ? `${e.object_type} ${String(e.object_ref || '').slice(0, 12)}` : '',
          e.row_count ?? '',
        ]),
        { rowHeaders: false },
      ),
    ),
  );
}

/** @param {URLSearchParams} params */
function filters(params) {
  return h(
    'form',
    {
      class: 'filters panel',
      role: 'search',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        const data = new FormData(/** @type {HTMLFormElement} */ (e.target));
        const next = new URLSearchParams();
        for (const name of FILTERS) {
          const value = String(data.get(name) || '').trim();
          if (value) next.set(name, value);
        }
        navigate('/office/audit', next);
      },
    },
    inputField('audit-action', t('Action'), 'text', params.get('action') || ''),
    inputField('audit-lead_id', t('Lead id'), 'text', params.get('lead_id') || ''),
    inputField('audit-since', t('From'), 'date', params.get('since') || ''),
    inputField('audit-until', t('Until'), 'date', params.get('until') || ''),
    h('button', { type: 'submit', class: 'button-primary' }, t('Filter')),
  );
}
