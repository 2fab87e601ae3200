// @ts-check
/**
 * Referrals: counts per partner, the referrals of the leads I may see with the partner's
 * echoed status (changed here when the partner tells us), and referring a lead out or
 * recording one in (from the lead's page: #/office/referrals?lead=<id>).
 */
import { request } from '../app/api.js';
import { formatDate, t, tn } from '../app/i18n.js';
import { h, show } from '../app/ui/dom.js';
import { cachedList, count, dataTable, navigate, problem, routeParams, selectField } from './common.js';
import { REFERRAL_STATUS_KEYS, referralStatusLabel } from './labels.js';
import { fullName } from './lead-list.js';

/**
 * @param {HTMLElement} main
 * @param {{isCurrent: () => boolean}} view
 * @param {string} route
 */
export async function renderReferrals(main, view, route) {
  const params = routeParams(route);
  const heading = h('h1', { tabindex: -1 }, t('Referrals'));
  document.title = [t('Referrals'), 'Terrain'].join(' – ');
  const direction = params.get('direction') || '';
  const status = params.get('status') || '';
  let rows, counts, partners;
  try {
    [rows, counts, partners] = await Promise.all([
      request('GET', '/api/referrals', { query: { direction, status, limit: 100 } }),
      request('GET', '/api/referrals/partners'),
      cachedList('partners'),
    ]);
  } catch (error) {
    if (view.isCurrent()) show(main, heading, problem(error));
    return;
  }
  if (!view.isCurrent()) return;
  const lead = params.get('lead');
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        const data = new FormData(/** @type {HTMLFormElement} */ (form));
        const next = new URLSearchParams();
        for (const name of ['direction', 'status']) if (data.get(name)) next.set(name, String(data.get(name)));
        navigate('/office/referrals', next);
      },
    },
    selectField('f-direction', t('Direction'), [['', t('All')], ['out', t('Out (to a partner)')], ['in', t('In (from a partner)')]], direction),
    selectField('f-status', t('Status'), [['', t('All')], ...REFERRAL_STATUS_KEYS.map((s) => /** @type {[string, string]} */ ([s, referralStatusLabel(s)]))], status),
    h('button', { type: 'submit', class: 'button-primary' }, t('Show')),
  );
  show(
    main,
    h(
      'section',
      { class: 'referrals-screen office-wide' },
      heading,
      lead ? newReferral(lead, partners) : null,
      dataTable(
        t('Referrals per partner'),
        [t('Partner'), t('In'), t('Out'), ...REFERRAL_STATUS_KEYS.map(referralStatusLabel)],
        counts.items.map((/** @type {any} */ p) => [
          p.name,
          count(p.incoming),
          count(p.outgoing),
          ...REFERRAL_STATUS_KEYS.map((s) => count(p.by_status[s] || 0)),
        ]),
      ),
      form,
      h('p', { class: 'result-count' }, tn('{n} referral', '{n} referrals', rows.total)),
      dataTable(
        t('Referrals, latest change first'),
        [t('Lead'), t('Partner'), t('Direction'), t('Note'), t('Changed'), t('Status')],
        rows.items.map((/** @type {any} */ r) => [
          h('a', { href: `#/office/leads/${encodeURIComponent(r.lead_id)}` }, fullName({ first_name: r.lead_first_name, last_name: r.lead_last_name })),
          r.partner_name,
          r.direction === 'out' ? t('Out') : t('In'),
          r.note || '',
          formatDate(r.updated_at),
          statusEcho(r),
        ]),
      ),
    ),
  );
}

/**
 * The partner's echoed status, changed in place (PATCH /api/referrals/{id}: the existing
 * write, one call site).
 * @param {any} referral
 */
function statusEcho(referral) {
  const id = `echo-${referral.id}`;
  const said = h('span', { class: 'echo-status', role: 'status' });
  const select = h(
    'select',
    {
      id,
      value: referral.status,
      onchange: async (/** @type {Event} */ e) => {
        const value = /** @type {HTMLSelectElement} */ (e.target).value;
        try {
          await request('PATCH', `/api/referrals/${encodeURIComponent(referral.id)}`, { json: { status: value } });
          said.textContent = t('Saved.');
        } catch (error) {
          said.textContent = error instanceof Error ? error.message : String(error);
        }
      },
    },
    REFERRAL_STATUS_KEYS.map((s) => h('option', { value: s }, referralStatusLabel(s))),
  );
  return h('span', null, h('label', { for: id, class: 'visually-hidden' }, t('Status')), select, said);
}

/**
 * Refer a lead out to a partner, or record that a partner sent them (POST, existing write).
 * @param {string} leadId
 * @param {{id: string, name: string}[]} partners
 */
function newReferral(leadId, partners) {
  const said = h('p', { role: 'status' });
  const form = h(
    'form',
    {
      class: 'panel stack',
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        const data = new FormData(/** @type {HTMLFormElement} */ (form));
        try {
          await request('POST', `/api/leads/${encodeURIComponent(leadId)}/referrals`, {
            json: {
              partner_id: data.get('partner'),
              direction: data.get('direction'),
              status: data.get('direction') === 'in' ? 'accepted' : 'sent',
              note: String(data.get('note') || '') || null,
            },
          });
          navigate('/office/referrals', new URLSearchParams());
        } catch (error) {
          said.textContent = error instanceof Error ? error.message : String(error);
        }
      },
    },
    h('h2', null, t('New referral')),
    selectField('r-direction', t('Direction'), [['out', t('Out (to a partner)')], ['in', t('In (from a partner)')]], 'out'),
    selectField('r-partner', t('Partner'), partners.map((p) => /** @type {[string, string]} */ ([p.id, p.name])), partners[0]?.id || ''),
    h('div', { class: 'field' }, h('label', { for: 'r-note' }, t('Reason and contact person')), h('textarea', { id: 'r-note', name: 'note', maxlength: 1000, rows: 3 })),
    h('button', { type: 'submit', class: 'button-primary' }, t('Save the referral')),
    said,
  );
  // The form fields' names (selectField names them after the id without "f-").
  form.querySelector('#r-direction')?.setAttribute('name', 'direction');
  form.querySelector('#r-partner')?.setAttribute('name', 'partner');
  return form;
}
