// @ts-check
/** Possible duplicates among the leads I may see, each pair with why it was flagged. */
import { request } from '../app/api.js';
import { formatDate, t, tn } from '../app/i18n.js';
import { channelLabel, statusLabel } from '../app/vocab.js';
import { h, show } from '../app/ui/dom.js';
import { problem } from './common.js';
import { reasonLabel } from './labels.js';
import { fullName } from './lead-list.js';

/** @param {HTMLElement} main @param {{isCurrent: () => boolean}} view */
export async function renderDuplicates(main, view) {
  const heading = h('h1', { tabindex: -1 }, t('Possible duplicates'));
  document.title = [t('Possible duplicates'), 'Terrain'].join(' – ');
  let body;
  try {
    body = await request('GET', '/api/leads/duplicates');
  } catch (error) {
    if (view.isCurrent()) show(main, heading, problem(error));
    return;
  }
  if (!view.isCurrent()) return;
  const side = (/** @type {any} */ lead) =>
    h(
      'div',
      { class: 'dup-side' },
      h('a', { href: `#/office/leads/${encodeURIComponent(lead.id)}` }, fullName(lead)),
      h('span', null, [lead.commune, channelLabel(lead.channel)].filter(Boolean).join(' · ')),
      h('span', { class: `badge status-${lead.status}` }, statusLabel(lead.status)),
      h('time', { datetime: lead.created_at }, formatDate(lead.created_at)),
    );
  show(
    main,
    h(
      'section',
      { class: 'duplicates-screen office-wide' },
      heading,
      h('p', { class: 'result-count' }, tn('{n} pair', '{n} pairs', body.total)),
      body.items.length === 0
        ? h('p', { class: 'empty' }, t('No possible duplicates.'))
        : h(
            'ul',
            { class: 'dup-list' },
            body.items.map((/** @type {any} */ pair) =>
              h(
                'li',
                { class: 'dup-pair' },
                h('p', { class: 'dup-reasons' }, pair.reasons.map(reasonLabel).join(' · ')),
                side(pair.a),
                side(pair.b),
                h(
                  'a',
                  {
                    class: 'button button-secondary dup-merge',
                    href: `#/office/merge?${new URLSearchParams({ a: pair.a.id, b: pair.b.id })}`,
                  },
                  t('Compare and merge'),
                ),
              ),
            ),
          ),
    ),
  );
}
