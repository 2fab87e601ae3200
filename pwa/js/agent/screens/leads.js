// @ts-check
/**
 * Leads on this phone: mine by default, the team's on request; search, filter by status,
 * sort by next follow-up. All from the local store; 2,000 leads draw in pages of 60 rows.
 */
import { brusselsToday, currentLanguage, formatDay, t, tn } from '../../app/i18n.js';
import { announce, h, show } from '../../app/ui/dom.js';
import { STATUSES, statusLabel } from '../../app/vocab.js';
import { flashBox, leadName, pendingMark, statusBadge, titled } from '../ui/common.js';
import { chips, selectField } from '../ui/forms.js';

const PAGE = 60;

// Kept while the app is unlocked, only in memory (a typed name never goes into the address).
const state = { scope: 'mine', q: '', status: '', sort: 'followup' };

/** Forget the search (lock, log-out). */
export function resetLeadSearch() {
  Object.assign(state, { scope: 'mine', q: '', status: '', sort: 'followup' });
}

/** @param {string} text */
function fold(text) {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** @param {HTMLElement} main @param {import('../app.js').Ctx} ctx */
export async function renderLeads(main, ctx) {
  const started = performance.now();
  const [leads, followups] = await Promise.all([ctx.data.list('lead'), ctx.data.openFollowups()]);
  if (!ctx.isCurrent()) return;
  const scope = chips({
    name: 'scope',
    legend: t('Show'),
    options: [
      { value: 'mine', label: t('My leads') },
      { value: 'team', label: t('My team’s') },
    ],
    value: state.scope,
    compact: true,
    onchange: () => apply(),
  });
  const search = h('input', {
    id: 'lead-search',
    type: 'search',
    name: 'q',
    value: state.q,
    autocomplete: 'off',
    maxlength: 100,
    oninput: () => {
      clearTimeout(typing);
      typing = setTimeout(apply, 150);
    },
  });
  let typing = /** @type {any} */ (0);
  const status = selectField({
    name: 'status',
    label: t('Status'),
    options: STATUSES.map((s) => ({ value: s, label: statusLabel(s) })),
    value: state.status,
    empty: t('All statuses'),
    onchange: () => apply(),
  });
  const sort = selectField({
    name: 'sort',
    label: t('Sort by'),
    options: [
      { value: 'followup', label: t('Next follow-up') },
      { value: 'recent', label: t('Newest first') },
      { value: 'name', label: t('Name') },
    ],
    value: state.sort,
    onchange: () => apply(),
  });
  const count = h('p', { class: 'result-count', role: 'status' });
  const list = h('ul', { class: 'row-list lead-rows' });
  const more = h('button', { type: 'button', class: 'button-secondary button-wide', onclick: () => page() }, t('Show more'));
  show(
    main,
    h(
      'div',
      { class: 'screen leads' },
      h(
        'div',
        { class: 'screen-head' },
        h('h1', { tabindex: -1 }, t('Leads')),
        h('a', { class: 'button button-primary', href: '#/leads/new' }, t('New lead')),
      ),
      flashBox(ctx.flash),
      h(
        'form',
        { class: 'filters', role: 'search', onsubmit: (/** @type {Event} */ e) => (e.preventDefault(), apply()) },
        scope.field,
        h(
          'div',
          { class: 'field field-grow' },
          h('label', { for: 'lead-search' }, t('Search by name, phone or e-mail')),
          search,
        ),
        status.field,
        sort.field,
      ),
      count,
      list,
      more,
    ),
  );
  titled(t('Leads'));

  const today = brusselsToday();
  const collator = new Intl.Collator(`${currentLanguage()}-BE`);
  /** @type {any[]} */
  let shown = [];
  let drawn = 0;
  // More rows as the end of the list comes into view (the button stays for keyboards).
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && ctx.isCurrent()) page();
  });
  observer.observe(more);

  apply(true);
  performance.measure('leads-drawn', { start: started });
  ctx.data.watch(async () => {
    if (!ctx.isCurrent()) return;
    const fresh = await Promise.all([ctx.data.list('lead'), ctx.data.openFollowups()]);
    leads.splice(0, leads.length, ...fresh[0]);
    followups.clear();
    for (const [k, v] of fresh[1]) followups.set(k, v);
    apply(true);
  });

  /** @param {boolean} [quiet] */
  function apply(quiet = false) {
    state.scope = scope.value() || 'mine';
    state.q = /** @type {HTMLInputElement} */ (search).value.trim();
    state.status = status.select.value;
    state.sort = sort.select.value;
    const q = fold(state.q);
    const digits = state.q.replace(/[^0-9]/g, '');
    shown = leads.filter((l) => {
      if (state.scope === 'mine' && !ctx.data.isMine(l)) return false;
      if (state.status && (l.status || 'new') !== state.status) return false;
      if (!q) return true;
      const text = fold([l.first_name, l.last_name, l.email, l.commune].filter(Boolean).join(' '));
      return text.includes(q) || (digits.length >= 3 && (l.phone || '').includes(digits));
    });
    // Keys made once per lead, names compared with one collator: String.localeCompare in
    // the comparator built a collator per call (most of a 2,000-lead draw).
    const names = new Map(shown.map((l) => [l, leadName(l)]));
    const byName = (/** @type {any} */ a, /** @type {any} */ b) => collator.compare(names.get(a), names.get(b));
    if (state.sort === 'followup') {
      const due = new Map(shown.map((l) => [l, followups.get(l.id)?.[0]?.due_on ?? '9999-12-31']));
      shown.sort((a, b) => (due.get(a) < due.get(b) ? -1 : due.get(a) > due.get(b) ? 1 : byName(a, b)));
    } else if (state.sort === 'recent') {
      const recent = (/** @type {any} */ l) => l.created_at || '9999';
      shown.sort((a, b) => (recent(b) < recent(a) ? -1 : recent(b) > recent(a) ? 1 : 0));
    } else shown.sort(byName);
    list.replaceChildren();
    drawn = 0;
    count.textContent = tn('{n} lead', '{n} leads', shown.length);
    page();
    if (!quiet) announce(count.textContent);
  }

  function page() {
    const rows = shown.slice(drawn, drawn + PAGE);
    drawn += rows.length;
    list.append(...rows.map((l) => row(l, followups.get(l.id)?.[0], today)));
    more.hidden = drawn >= shown.length;
    if (!shown.length) list.append(h('li', { class: 'empty' }, t('No lead matches this search.')));
  }
}

/** @param {any} lead @param {any} followup @param {string} today */
function row(lead, followup, today) {
  return h(
    'li',
    null,
    h(
      'a',
      { class: 'row-link', href: `#/leads/${lead.id}` },
      h('span', { class: 'row-title' }, leadName(lead)),
      h(
        'span',
        { class: 'row-meta' },
        statusBadge(lead.status || 'new'),
        lead.commune ? ` ${lead.commune}` : '',
      ),
      followup
        ? h(
            'span',
            { class: followup.due_on < today ? 'row-due overdue' : 'row-due' },
            h('time', { datetime: followup.due_on }, formatDay(followup.due_on)),
          )
        : null,
      lead.sent_back_at && !lead.answered_at
        ? h('span', { class: 'badge badge-warning' }, t('Sent back'))
        : null,
      pendingMark(lead),
    ),
  );
}
