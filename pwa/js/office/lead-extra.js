// @ts-check
/**
 * Coordinators' extras on a lead's page: jobs planned (captured when the lead is financed,
 * for the impact report; the existing lead patch) and links to refer the lead out or
 * record a referral in, and to the possible duplicates.
 */
import { request } from '../app/api.js';
import { t } from '../app/i18n.js';
import { h } from '../app/ui/dom.js';

/**
 * @param {{id: string, status: string, jobs_planned?: number | null}} lead
 * @param {(message: string) => void} reload
 */
export function leadExtras(lead, reload) {
  const said = h('p', { role: 'status' });
  const financing = ['applied', 'financed', 'coached'].includes(lead.status)
    ? h(
        'form',
        {
          class: 'stack',
          onsubmit: async (/** @type {Event} */ e) => {
            e.preventDefault();
            const value = String(new FormData(/** @type {HTMLFormElement} */ (e.target)).get('jobs_planned'));
            try {
              await request('PATCH', `/api/leads/${encodeURIComponent(lead.id)}`, {
                json: { jobs_planned: value === '' ? null : Number(value) },
              });
              reload(t('Jobs planned saved.'));
            } catch (error) {
              said.textContent = error instanceof Error ? error.message : String(error);
            }
          },
        },
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'jobs-planned' }, t('Jobs the project plans to create (at financing)')),
          h('input', {
            id: 'jobs-planned',
            name: 'jobs_planned',
            type: 'number',
            min: 0,
            max: 999,
            value: lead.jobs_planned ?? '',
          }),
        ),
        h('button', { type: 'submit', class: 'button-quiet' }, t('Save jobs planned')),
        said,
      )
    : null;
  return h(
    'section',
    { class: 'panel stack', 'aria-labelledby': 'lead-extra-title' },
    h('h2', { id: 'lead-extra-title' }, t('Coordination')),
    financing,
    h(
      'p',
      { class: 'button-row' },
      h('a', { href: `#/office/referrals?lead=${encodeURIComponent(lead.id)}` }, t('Refer out or record a referral')),
      h('a', { href: '#/office/duplicates' }, t('Possible duplicates')),
    ),
  );
}
