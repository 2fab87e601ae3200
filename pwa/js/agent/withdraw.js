// @ts-check
/**
 * Consent withdrawal on the agent's phone: the person says they take back (part of) their
 * consent, the agent records it as one `consent.withdraw` mutation (offline like any other
 * change). The server erases the markers, stops the calls for `contact`, and every phone
 * holding the lead pulls it again (privacy-security.md, PD-1).
 */
import { t } from '../app/i18n.js';
import { h, notice, show } from '../app/ui/dom.js';
import { section } from './ui/common.js';

/** What the person can take back, in the words the agent reads out. */
const CHOICES = /** @type {Array<[string, () => string]>} */ ([
  ['contact', () => t('No more contact: stop calling them')],
  ['markers', () => t('Delete the optional information (gender, age, situation)')],
  ['sensitive_markers', () => t('Delete the answer about a migrant background')],
  ['newsletter', () => t('No more news')],
]);

/**
 * @param {import('./app.js').Ctx} ctx
 * @param {any} lead
 * @param {(message: string) => void} redraw
 */
export function withdrawSection(ctx, lead, redraw) {
  const problems = h('div', { 'aria-live': 'polite' });
  const boxes = CHOICES.map(([purpose, label]) => {
    const input = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', name: 'purposes', value: purpose }));
    return { purpose, input, field: h('label', { class: 'check' }, input, ' ', label()) };
  });
  return section(
    t('Consent'),
    h('p', { class: 'muted' }, t('If the person takes back their consent, record it here. It cannot be undone from the phone.')),
    h(
      'form',
      {
        class: 'stack withdraw-consent',
        novalidate: true,
        onsubmit: async (/** @type {Event} */ e) => {
          e.preventDefault();
          const purposes = boxes.filter((b) => b.input.checked).map((b) => b.purpose);
          if (!purposes.length) {
            show(problems, notice(t('Tick what the person takes back.')));
            return;
          }
          if (!window.confirm(t('Record that the person takes this back?'))) return;
          await ctx.mutate('consent.withdraw', { id: lead.id, purposes });
          redraw(t('The withdrawal is recorded.'));
        },
      },
      h('fieldset', null, h('legend', null, t('The person takes back')), ...boxes.map((b) => b.field)),
      problems,
      h('button', { type: 'submit', class: 'button-secondary' }, t('Record the withdrawal')),
    ),
  );
}
