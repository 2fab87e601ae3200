// @ts-check
/** Sync conflicts: values that lost a same-field race; keep the current one or pick it. */
import { request } from '../app/api.js';
import { formatDateTime, t, tn } from '../app/i18n.js';
import { fieldLabel } from '../app/vocab.js';
import { h, show } from '../app/ui/dom.js';
import { problem } from './common.js';
import { fullName } from './lead-list.js';

/** @param {unknown} value */
function shown(value) {
  if (value === null || value === undefined || value === '') return t('(empty)');
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** @param {HTMLElement} main @param {{isCurrent: () => boolean}} view */
export async function renderConflicts(main, view) {
  const heading = h('h1', { tabindex: -1 }, t('Sync conflicts'));
  document.title = [t('Sync conflicts'), 'Terrain'].join(' – ');
  let body;
  try {
    body = await request('GET', '/api/sync/conflicts', { query: { limit: 200 } });
  } catch (error) {
    if (view.isCurrent()) show(main, heading, problem(error));
    return;
  }
  if (!view.isCurrent()) return;
  const resolve = async (/** @type {any} */ c, /** @type {boolean} */ pick, /** @type {HTMLElement} */ said) => {
    try {
      await request('POST', `/api/sync/conflicts/${c.id}/resolve`, { json: { pick } });
      said.textContent = pick ? t('The other value is now kept.') : t('The current value stays.');
    } catch (error) {
      said.textContent = error instanceof Error ? error.message : String(error);
    }
  };
  show(
    main,
    h(
      'section',
      { class: 'conflicts-screen office-wide' },
      heading,
      h('p', { class: 'result-count' }, tn('{n} open conflict', '{n} open conflicts', body.total)),
      body.items.length === 0
        ? h('p', { class: 'empty' }, t('No open conflict.'))
        : h(
            'ul',
            { class: 'conflict-list' },
            body.items.map((/** @type {any} */ c) => {
              const said = h('p', { role: 'status' });
              return h(
                'li',
                { class: 'panel stack' },
                h('h2', null, h('a', { href: `#/office/leads/${encodeURIComponent(c.entity_id)}` }, fullName({ first_name: c.lead_first_name, last_name: c.lead_last_name })), ` · ${fieldLabel(c.field)}`),
                h('p', null, t('Current value: {value}', { value: shown(c.current_value) })),
                h('p', null, t('Other value: {value}', { value: shown(c.losing_value) })),
                h('p', { class: 'muted' }, formatDateTime(c.created_at)),
                h(
                  'div',
                  { class: 'button-row' },
                  h('button', { type: 'button', class: 'button-quiet', onclick: () => resolve(c, false, said) }, t('Keep the current value')),
                  h('button', { type: 'button', class: 'button-primary', onclick: () => resolve(c, true, said) }, t('Use the other value')),
                ),
                said,
              );
            }),
          ),
    ),
  );
}
