// @ts-check
/**
 * The intake queue: the leads I may see under the queue's filters (new and unassigned
 * first by default), 50 per page, with bulk selection to assign to an agent.
 *
 * The filters live in the address (#/office/leads?status=new&channel=…: bookmark, share,
 * and the funnel's numbers link here with theirs). The name search does not: a name typed
 * into the search box must not end up in the address or the browser history.
 */
import { request } from '../app/api.js';
import { formatDate, t, tn } from '../app/i18n.js';
import { STATUSES, channelLabel, languageName, statusLabel } from '../app/vocab.js';
import { announce, h, notice, show } from '../app/ui/dom.js';
import {
  cachedList,
  exportButtons,
  inputField,
  navigate,
  routeParams,
  selectField,
} from './common.js';
import { stageLabel } from './labels.js';

export const PAGE_SIZE = 50;
const CHANNELS = [
  'coffee_stand',
  'shop_visit',
  'community_meeting',
  'info_session',
  'partner_referral',
  'self_intake',
  'phone',
  'walk_in',
  'event',
  'other',
];
const REACHED = [
  'contacted',
  'qualified',
  'applied',
  'financed',
  'coached',
  'referred',
  'not_eligible',
  'unreachable',
  'withdrawn',
];
// Parameters the filter form edits; the others (cohort, from, to, attributed_agent …) come
// from a funnel link and stay until "Clear filters".
const FORM_FIELDS = [
  'status',
  'channel',
  'team_id',
  'agent',
  'partner_id',
  'commune',
  'language',
  'reached',
  'min_days_in_stage',
  'sent_back',
  'sort',
];

// The name search and the page, in memory only.
const search = { q: '', page: 0, route: '' };

// Filters in the "More filters" fold (their names in the address).
const MORE = ['team_id', 'partner_id', 'commune', 'language', 'reached', 'min_days_in_stage', 'sent_back'];

/** "More filters", with how many of them are set. @param {URLSearchParams} params */
function moreLabel(params) {
  const set = MORE.filter((name) => params.get(name)).length;
  return set ? t('More filters ({n} set)', { n: set }) : t('More filters');
}

/** Forget the search (on log out: it may hold a person's name). */
export function resetLeadSearch() {
  search.q = '';
  search.page = 0;
  search.route = '';
}

/**
 * @param {HTMLElement} main
 * @param {{me: {role: string}, isCurrent: () => boolean}} view
 * @param {string} [route]
 */
export async function renderLeadList(main, view, route = '/office/leads') {
  const params = routeParams(route);
  if (search.route !== route) search.page = 0;
  search.route = route;
  if (!params.has('sort')) params.set('sort', 'queue');
  const [teams, agents, partners] = await Promise.all([
    cachedList('teams'),
    cachedList('agents'),
    cachedList('partners'),
  ]);
  if (!view.isCurrent()) return;
  const heading = h('h1', { tabindex: -1 }, t('Leads'));
  const query = h('input', {
    id: 'lead-q',
    name: 'q',
    type: 'search',
    maxlength: 100,
    autocomplete: 'off',
    value: search.q,
  });
  const all = () => t('All');
  const form = h(
    'form',
    { class: 'filters', role: 'search', onsubmit: (/** @type {Event} */ e) => apply(e) },
    h(
      'div',
      { class: 'field field-grow' },
      h('label', { for: 'lead-q' }, t('Search by name, phone or e-mail')),
      query,
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'lead-status' }, t('Status')),
      h(
        'select',
        {
          id: 'lead-status',
          name: 'status',
          value: params.get('status') || '',
          // A status is the commonest filter: it applies at once, as before.
          onchange: () => /** @type {HTMLFormElement} */ (form).requestSubmit(),
        },
        h('option', { value: '' }, t('All statuses')),
        STATUSES.map((s) => h('option', { value: s }, statusLabel(s))),
      ),
    ),
    selectField(
      'f-channel',
      t('Channel'),
      [['', all()], ...CHANNELS.map((c) => /** @type {[string, string]} */ ([c, channelLabel(c)]))],
      params.get('channel') || '',
    ),
    selectField(
      'f-agent',
      t('Agent'),
      [['', all()], ...agents.map((x) => /** @type {[string, string]} */ ([x.id, x.name]))],
      params.get('agent') || '',
    ),
    // The filters used less often fold away, so that the queue starts on the first screen of a
    // tablet; they are open when one of them is set (a bookmark, a funnel link).
    h(
      'details',
      { class: 'more-filters', open: MORE.some((name) => params.get(name)) },
      h('summary', null, moreLabel(params)),
      h(
        'div',
        { class: 'filters-more' },
        selectField(
          'f-team_id',
          t('Team'),
          [['', all()], ...teams.map((x) => /** @type {[string, string]} */ ([x.id, x.name]))],
          params.get('team_id') || '',
        ),
        selectField(
          'f-partner_id',
          t('Partner'),
          [['', all()], ...partners.map((x) => /** @type {[string, string]} */ ([x.id, x.name]))],
          params.get('partner_id') || '',
        ),
        inputField('f-commune', t('Commune'), 'text', params.get('commune') || '', {
          maxlength: 80,
        }),
        selectField(
          'f-language',
          t('Language'),
          [
            ['', all()],
            ...['fr', 'nl', 'en', 'es', 'ar', 'it', 'de', 'pt', 'tr', 'ro'].map(
              (l) => /** @type {[string, string]} */ ([l, languageName(l)]),
            ),
          ],
          params.get('language') || '',
        ),
        selectField(
          'f-reached',
          t('Reached stage'),
          [['', all()], ...REACHED.map((s) => /** @type {[string, string]} */ ([s, stageLabel(s)]))],
          params.get('reached') || '',
        ),
        inputField('f-min_days_in_stage', t('At least … days in stage'), 'number', params.get('min_days_in_stage') || '', { min: 0, max: 3650 }),
        selectField(
          'f-sent_back',
          t('Sent back'),
          [
            ['', all()],
            ['waiting', t('No answer yet')],
            ['answered', t('Answer received')],
          ],
          params.get('sent_back') || '',
        ),
      ),
    ),
    checkbox('f-overdue', 'overdue', t('First contact overdue (none within 48 h)'), params),
    checkbox('f-unassigned', 'unassigned', t('Unassigned only'), params),
    selectField(
      'f-sort',
      t('Order'),
      [
        ['queue', t('New and unassigned first')],
        ['-created_at', t('Newest first')],
        ['status_changed_at', t('Longest in their stage first')],
        ['-last_touch_at', t('Last contact, latest first')],
        ['first_name', t('Name')],
      ],
      params.get('sort') || 'queue',
    ),
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'button-primary' }, t('Search')),
      h('a', { href: '#/office/leads', class: 'button-quiet' }, t('Clear filters')),
    ),
  );
  const results = h('div', { class: 'results' });
  const exportParams = new URLSearchParams(params);
  exportParams.delete('sort');
  show(
    main,
    h(
      'section',
      { class: 'lead-list-screen office-wide' },
      heading,
      form,
      exportButtons('leads', exportParams),
      results,
    ),
  );
  document.title = [t('Leads'), 'Terrain'].join(' – ');

  /** @param {Event} event */
  function apply(event) {
    event.preventDefault();
    search.q = /** @type {HTMLInputElement} */ (query).value.trim();
    search.page = 0;
    const next = new URLSearchParams(params);
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    for (const name of [...FORM_FIELDS, 'overdue', 'unassigned']) next.delete(name);
    for (const name of FORM_FIELDS) {
      const value = String(data.get(name) || '');
      if (value) next.set(name, value);
    }
    for (const name of ['overdue', 'unassigned']) if (data.get(name)) next.set(name, 'true');
    const target = `#/office/leads?${next}`;
    if (location.hash === target) load();
    else navigate('/office/leads', next);
  }

  let loads = 0;
  async function load() {
    const mine = ++loads;
    const stale = () => !view.isCurrent() || mine !== loads;
    results.setAttribute('aria-busy', 'true');
    try {
      /** @type {Record<string, string | string[]>} */
      const query = {};
      for (const name of new Set(params.keys())) query[name] = params.getAll(name);
      const page = await request('GET', '/api/leads', {
        query: { ...query, q: search.q, limit: PAGE_SIZE, offset: search.page * PAGE_SIZE },
      });
      if (stale()) return;
      show(results, ...resultsOf(page, goTo, agents, load));
      announce(tn('{n} lead', '{n} leads', page.total));
    } catch (error) {
      if (stale()) return;
      show(
        results,
        notice(error instanceof Error ? error.message : String(error)),
        h('button', { type: 'button', class: 'button-quiet', onclick: load }, t('Try again')),
      );
    } finally {
      if (mine === loads) results.removeAttribute('aria-busy');
    }
  }

  /** @param {number} page */
  async function goTo(page) {
    search.page = page;
    await load();
    heading.focus();
    window.scrollTo(0, 0);
  }

  await load();
}

/** @param {string} id @param {string} name @param {string} text @param {URLSearchParams} params */
function checkbox(id, name, text, params) {
  return h(
    'div',
    { class: 'field field-check' },
    h('input', { id, name, type: 'checkbox', value: 'true', checked: params.get(name) === 'true' }),
    h('label', { for: id }, text),
  );
}

/**
 * @typedef {{id: string, first_name: string, last_name: string | null, commune: string | null,
 *   channel: string, status: string, created_at: string, assigned_to: string | null,
 *   sent_back_at?: string | null, answered_at?: string | null}} LeadRow
 * @param {{items: LeadRow[], total: number}} page
 * @param {(page: number) => void} goTo
 * @param {{id: string, name: string}[]} agents
 * @param {() => void} reload
 */
function resultsOf(page, goTo, agents, reload) {
  const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
  const count = h('p', { class: 'result-count' }, tn('{n} lead', '{n} leads', page.total));
  if (page.items.length === 0) {
    return [count, h('p', { class: 'empty' }, t('No lead matches this search.'))];
  }
  const names = new Map(agents.map((a) => [a.id, a.name]));
  /** @type {HTMLInputElement[]} */
  const boxes = [];
  const list = h(
    'ul',
    { class: 'lead-list selectable' },
    page.items.map((lead) => {
      const box = /** @type {HTMLInputElement} */ (
        h('input', {
          type: 'checkbox',
          class: 'select-lead',
          value: lead.id,
          'aria-label': t('Select {name}', { name: fullName(lead) }),
        })
      );
      boxes.push(box);
      return h('li', null, box, leadRow(lead, names));
    }),
  );
  const bulk = bulkBar(boxes, agents, reload);
  const out = [count, bulk, list];
  if (pages === 1) return out;
  const previous = h(
    'button',
    {
      type: 'button',
      class: 'button-quiet',
      disabled: search.page === 0,
      onclick: () => goTo(search.page - 1),
    },
    t('Previous page'),
  );
  const next = h(
    'button',
    {
      type: 'button',
      class: 'button-quiet',
      disabled: search.page >= pages - 1,
      onclick: () => goTo(search.page + 1),
    },
    t('Next page'),
  );
  const where = h(
    'span',
    { class: 'pager-where' },
    t('Page {page} of {pages}', { page: search.page + 1, pages }),
  );
  return [...out, h('nav', { class: 'pager', 'aria-label': t('Pages') }, previous, where, next)];
}

/**
 * Select all on the page, pick an agent, assign the selected leads.
 * @param {HTMLInputElement[]} boxes
 * @param {{id: string, name: string}[]} agents
 * @param {() => void} reload
 */
function bulkBar(boxes, agents, reload) {
  const status = h('p', { class: 'bulk-status', role: 'status' });
  const all = /** @type {HTMLInputElement} */ (
    h('input', {
      id: 'select-all',
      type: 'checkbox',
      onchange: () => boxes.forEach((b) => (b.checked = all.checked)),
    })
  );
  const agent = h(
    'select',
    { id: 'bulk-agent', name: 'agent' },
    h('option', { value: '' }, t('Choose an agent')),
    agents.map((a) => h('option', { value: a.id }, a.name)),
  );
  const assign = async () => {
    const chosen = /** @type {HTMLSelectElement} */ (agent).value;
    const ids = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!chosen || ids.length === 0) {
      status.textContent = t('Select leads and an agent first.');
      return;
    }
    const failed = await assignMany(ids, chosen);
    status.textContent =
      failed === 0
        ? tn('{n} lead assigned.', '{n} leads assigned.', ids.length)
        : t('{done} assigned, {failed} refused.', { done: ids.length - failed, failed });
    if (failed === 0) setTimeout(reload, 800);
  };
  return h(
    'div',
    { class: 'bulk-bar' },
    h('div', { class: 'field field-check' }, all, h('label', { for: 'select-all' }, t('Select all on this page'))),
    h('div', { class: 'field' }, h('label', { for: 'bulk-agent' }, t('Assign to')), agent),
    h('button', { type: 'button', class: 'button-primary', onclick: assign }, t('Assign selected')),
    status,
  );
}

/**
 * Bulk assign: the assignment (POST /api/leads/{id}/assign, the lead.assign mutator on the
 * server) once per lead, so one refused lead does not hold back the others. Returns how
 * many failed.
 * @param {string[]} ids
 * @param {string} agentId
 */
async function assignMany(ids, agentId) {
  let failed = 0;
  for (const id of ids) {
    try {
      await request('POST', `/api/leads/${encodeURIComponent(id)}/assign`, {
        json: { agent_id: agentId },
      });
    } catch {
      failed += 1;
    }
  }
  return failed;
}

/** @param {LeadRow} lead @param {Map<string, string>} names */
function leadRow(lead, names) {
  return h(
    'a',
    { class: 'lead-row', href: `#/office/leads/${encodeURIComponent(lead.id)}` },
    h('span', { class: 'lead-name' }, fullName(lead), sentBackBadge(lead)),
    h('span', { class: 'lead-commune' }, lead.commune || ''),
    h('span', { class: 'lead-channel' }, channelLabel(lead.channel)),
    h('span', { class: `badge status-${lead.status}` }, statusLabel(lead.status)),
    h(
      'span',
      { class: 'lead-assignee' },
      lead.assigned_to ? names.get(lead.assigned_to) || '' : t('Unassigned'),
    ),
    h('time', { class: 'lead-created', datetime: lead.created_at }, formatDate(lead.created_at)),
  );
}

/** "Sent back" while the agent has not answered, then "Answered". @param {LeadRow} lead */
function sentBackBadge(lead) {
  if (!lead.sent_back_at) return null;
  return lead.answered_at
    ? h('span', { class: 'badge badge-answered' }, t('Answer received'))
    : h('span', { class: 'badge badge-warning' }, t('Sent back'));
}

/** @param {{first_name: string, last_name: string | null}} lead */
export function fullName(lead) {
  return lead.last_name ? `${lead.first_name} ${lead.last_name}` : lead.first_name;
}
