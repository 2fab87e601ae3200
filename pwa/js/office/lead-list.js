// @ts-check
/** The leads I may see: search, status filter, 50 per page, newest first. */
import { request } from '../app/api.js';
import { formatDate, t, tn } from '../app/i18n.js';
import { STATUSES, channelLabel, statusLabel } from '../app/vocab.js';
import { announce, h, notice, show } from '../app/ui/dom.js';

export const PAGE_SIZE = 50;

// The search survives opening a lead and coming back, but only in memory: a name typed
// into the search box must not end up in the URL or the browser history.
const search = { q: '', status: '', page: 0 };

/** Forget the search (on log out: it may hold a person's name). */
export function resetLeadSearch() {
  search.q = '';
  search.status = '';
  search.page = 0;
}

/**
 * @param {HTMLElement} main
 * @param {{isCurrent: () => boolean}} view
 */
export async function renderLeadList(main, view) {
  const heading = h('h1', { tabindex: -1 }, t('Leads'));
  const query = h('input', {
    id: 'lead-q',
    name: 'q',
    type: 'search',
    maxlength: 100,
    autocomplete: 'off',
    value: search.q,
  });
  const status = h(
    'select',
    { id: 'lead-status', name: 'status', value: search.status, onchange: () => apply() },
    h('option', { value: '' }, t('All statuses')),
    STATUSES.map((s) => h('option', { value: s }, statusLabel(s))),
  );
  const results = h('div', { class: 'results' });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (/** @type {Event} */ e) => (e.preventDefault(), apply()),
    },
    h(
      'div',
      { class: 'field field-grow' },
      h('label', { for: 'lead-q' }, t('Search by name, phone or e-mail')),
      query,
    ),
    h('div', { class: 'field' }, h('label', { for: 'lead-status' }, t('Status')), status),
    h('button', { type: 'submit', class: 'button-primary' }, t('Search')),
  );
  show(main, h('section', { class: 'lead-list-screen' }, heading, form, results));
  document.title = [t('Leads'), 'Terrain'].join(' – ');

  function apply() {
    search.q = /** @type {HTMLInputElement} */ (query).value.trim();
    search.status = /** @type {HTMLSelectElement} */ (status).value;
    search.page = 0;
    return load();
  }

  // Only the answer to the latest search may draw (an earlier one can arrive after it).
  let loads = 0;
  async function load() {
    const mine = ++loads;
    const stale = () => !view.isCurrent() || mine !== loads;
    results.setAttribute('aria-busy', 'true');
    try {
      const page = await request('GET', '/api/leads', {
        query: {
          q: search.q,
          status: search.status,
          limit: PAGE_SIZE,
          offset: search.page * PAGE_SIZE,
        },
      });
      if (stale()) return;
      show(results, ...resultsOf(page, goTo));
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

/**
 * @typedef {{id: string, first_name: string, last_name: string | null, commune: string | null,
 *   channel: string, status: string, created_at: string}} LeadRow
 * @param {{items: LeadRow[], total: number}} page
 * @param {(page: number) => void} goTo
 */
function resultsOf(page, goTo) {
  const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
  const count = h('p', { class: 'result-count' }, tn('{n} lead', '{n} leads', page.total));
  if (page.items.length === 0) {
    return [count, h('p', { class: 'empty' }, t('No lead matches this search.'))];
  }
  const list = h(
    'ul',
    { class: 'lead-list' },
    page.items.map((lead) => h('li', null, leadRow(lead))),
  );
  if (pages === 1) return [count, list];
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
  return [
    count,
    list,
    h('nav', { class: 'pager', 'aria-label': t('Pages') }, previous, where, next),
  ];
}

/** @param {LeadRow} lead */
function leadRow(lead) {
  return h(
    'a',
    { class: 'lead-row', href: `#/office/leads/${encodeURIComponent(lead.id)}` },
    h('span', { class: 'lead-name' }, fullName(lead)),
    h('span', { class: 'lead-commune' }, lead.commune || ''),
    h('span', { class: 'lead-channel' }, channelLabel(lead.channel)),
    h('span', { class: `badge status-${lead.status}` }, statusLabel(lead.status)),
    h('time', { class: 'lead-created', datetime: lead.created_at }, formatDate(lead.created_at)),
  );
}

/** @param {{first_name: string, last_name: string | null}} lead */
export function fullName(lead) {
  return lead.last_name ? `${lead.first_name} ${lead.last_name}` : lead.first_name;
}
