// @ts-check
/**
 * A lead's consent on the coordinator's page: record that the person takes back some of it
 * (the consent.withdraw mutator: markers erased at once, calls stopped for `contact`), and
 * the link to give the person so they can do it themselves, in their language.
 */
import { request } from '../app/api.js';
import { t } from '../app/i18n.js';
import { h, notice, show } from '../app/ui/dom.js';

const CHOICES = /** @type {Array<[string, () => string]>} */ ([
  ['contact', () => t('No more contact: stop calling them')],
  ['markers', () => t('Delete the optional information (gender, age, situation)')],
  ['sensitive_markers', () => t('Delete the answer about a migrant background')],
  ['newsletter', () => t('No more news')],
]);

/**
 * @param {{id: string}} lead
 * @param {(message: string) => void} reload
 */
export function consentPanel(lead, reload) {
  const problems = h('div', { 'aria-live': 'polite' });
  const linkOut = h('p', { class: 'consent-link', role: 'status' });
  const boxes = CHOICES.map(([purpose, label]) => {
    const input = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', name: 'purposes', value: purpose }));
    return { purpose, input, field: h('label', { class: 'check' }, input, ' ', label()) };
  });
  const form = h(
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
        try {
          await request('POST', `/api/leads/${encodeURIComponent(lead.id)}/consent/withdraw`, { json: { purposes } });
          reload(t('The withdrawal is recorded.'));
        } catch (error) {
          show(problems, notice(error instanceof Error ? error.message : String(error)));
        }
      },
    },
    h('fieldset', null, h('legend', null, t('The person takes back')), ...boxes.map((b) => b.field)),
    problems,
    h('button', { type: 'submit', class: 'button-secondary' }, t('Record the withdrawal')),
  );
  const link = h(
    'button',
    {
      type: 'button',
      class: 'button-quiet',
      onclick: async () => {
        try {
          const body = await request('GET', `/api/leads/${encodeURIComponent(lead.id)}/consent-link`);
          linkOut.textContent = body.url;
        } catch (error) {
          linkOut.textContent = error instanceof Error ? error.message : String(error);
        }
      },
    },
    t('Link for the person'),
  );
  return h(
    'section',
    { class: 'panel stack', 'aria-label': t('Consent') },
    h('h2', null, t('Consent')),
    form,
    h('p', { class: 'muted' }, t('The person can also take back their consent themselves with this link.')),
    link,
    linkOut,
  );
}
