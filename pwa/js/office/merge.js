// @ts-check
/**
 * Merge two records of one person (#/office/merge?a=<id>&b=<id>, from the duplicates list):
 * both side by side, the coordinator picks the one to keep, confirms, and the server's
 * lead.merge moves everything of the other to it (interactions, follow-ups, consents,
 * referrals; the first touch's attribution) and removes the other from every phone.
 */
import { request } from '../app/api.js';
import { formatDate, formatDateTime, t, tn } from '../app/i18n.js';
import { channelLabel, languageName, statusLabel } from '../app/vocab.js';
import { h, notice, show } from '../app/ui/dom.js';
import { problem, routeParams } from './common.js';
import { fullName } from './lead-list.js';

/** @param {HTMLElement} main @param {{isCurrent: () => boolean}} view @param {string} route */
export async function renderMerge(main, view, route) {
  const params = routeParams(route);
  const ids = [params.get('a') || '', params.get('b') || ''];
  const back = h('a', { class: 'back-link', href: '#/office/duplicates' }, t('Possible duplicates'));
  const heading = h('h1', { tabindex: -1 }, t('Merge two records of one person'));
  document.title = [t('Merge two records of one person'), 'Terrain'].join(' – ');
  show(main, back, heading, h('p', { class: 'loading', role: 'status' }, t('Loading…')));
  /** @type {any[]} */
  let leads;
  try {
    leads = await Promise.all(ids.map((id) => request('GET', `/api/leads/${encodeURIComponent(id)}`)));
  } catch (error) {
    if (view.isCurrent()) show(main, back, heading, problem(error));
    return;
  }
  if (!view.isCurrent()) return;
  const status = h('div', { class: 'merge-status', role: 'status' });
  const confirm = h('div', { class: 'merge-confirm' });
  const choice = h(
    'fieldset',
    { class: 'merge-choice' },
    h('legend', { class: 'merge-legend' }, t('Which record do you keep?')),
    leads.map((lead, i) => side(lead, leads[1 - i])),
  );
  const go = h('button', { type: 'submit', class: 'button-primary' }, t('Merge…'));
  const form = h(
    'form',
    { class: 'merge-form', novalidate: true, onsubmit: ask },
    choice,
    h(
      'p',
      null,
      t(
        'The other record’s interactions, follow-ups, consents and referrals move to the one you keep. If the other was met first, its channel and attribution are kept. Empty details are filled from it; details that differ are kept as a note. The other record then disappears, also from the agents’ phones.',
      ),
    ),
    status,
    go,
    confirm,
  );
  show(main, h('section', { class: 'merge-screen office-wide' }, back, heading, form));

  /** @param {Event} event */
  function ask(event) {
    event.preventDefault();
    const picked = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="survivor"]:checked'));
    if (!picked) {
      show(status, notice(t('Choose the record to keep.')));
      return;
    }
    status.replaceChildren();
    const survivor = leads.find((l) => l.id === picked.value);
    const other = leads.find((l) => l.id !== picked.value);
    const yes = h('button', { type: 'button', class: 'button-primary', onclick: () => merge(survivor, other, yes) }, t('Yes, merge'));
    show(
      confirm,
      h(
        'div',
        { class: 'notice notice-warning', role: 'alert' },
        h(
          'p',
          null,
          t('Merge “{other}” into “{survivor}”? This cannot be undone.', {
            other: fullName(other),
            survivor: fullName(survivor),
          }),
        ),
        h(
          'div',
          { class: 'button-row' },
          yes,
          h('button', { type: 'button', class: 'button-quiet', onclick: () => confirm.replaceChildren() }, t('Cancel')),
        ),
      ),
    );
    yes.focus();
  }

  /** @param {any} survivor @param {any} other @param {HTMLElement} button */
  async function merge(survivor, other, button) {
    button.setAttribute('disabled', '');
    try {
      await request('POST', `/api/leads/${encodeURIComponent(survivor.id)}/merge`, {
        json: { other_id: other.id },
      });
    } catch (error) {
      button.removeAttribute('disabled');
      show(status, notice(error instanceof Error ? error.message : String(error)));
      return;
    }
    if (!view.isCurrent()) return;
    const done = h(
      'p',
      { class: 'notice notice-info', role: 'status', tabindex: -1 },
      t('Merged. “{name}” now holds both records.', { name: fullName(survivor) }),
    );
    show(
      main,
      h(
        'section',
        { class: 'merge-screen office-wide' },
        back,
        heading,
        done,
        h(
          'p',
          { class: 'button-row' },
          h('a', { class: 'button button-primary', href: `#/office/leads/${encodeURIComponent(survivor.id)}` }, t('Open the lead')),
          h('a', { class: 'button button-secondary', href: '#/office/duplicates' }, t('Back to the duplicates')),
        ),
      ),
    );
    done.focus();
  }
}

/**
 * One record as a choice: a radio button and what tells the two apart (differences bold).
 * @param {any} lead @param {any} twin the other record
 */
function side(lead, twin) {
  /** @type {[string, string, (l: any) => string][]} */
  const rows = [
    ['phone', t('Phone'), (l) => l.phone || '—'],
    ['email', t('E-mail'), (l) => l.email || '—'],
    ['commune', t('Commune'), (l) => [l.postcode, l.commune].filter(Boolean).join(' ') || '—'],
    ['language', t('Language'), (l) => languageName(l.language)],
    ['channel', t('Channel'), (l) => channelLabel(l.channel)],
    ['first', t('First contact'), (l) => formatDate(l.first_touch_at)],
    ['status', t('Status'), (l) => statusLabel(l.status)],
    ['last', t('Last contact'), (l) => formatDateTime(l.last_touch_at)],
  ];
  const id = `keep-${lead.id}`;
  return h(
    'label',
    { class: 'merge-side', for: id },
    h(
      'span',
      { class: 'merge-pick' },
      h('input', { type: 'radio', id, name: 'survivor', value: lead.id }),
      t('Keep this one'),
    ),
    h('strong', { class: 'merge-name' }, fullName(lead)),
    h(
      'dl',
      { class: 'fields' },
      rows.map(([key, label, value]) =>
        h(
          'div',
          { class: value(lead) === value(twin) ? 'field-row' : 'field-row differs', 'data-field': key },
          h('dt', null, label),
          h('dd', null, value(lead)),
        ),
      ),
      h(
        'div',
        { class: 'field-row' },
        h('dt', null, t('Timeline')),
        h('dd', null, tn('{n} entry', '{n} entries', lead.timeline.length)),
      ),
    ),
  );
}
