// @ts-check
/**
 * Data-subject requests (admins): the register, due dates first; for a person, the access
 * export (JSON, or a page to hand over) and the erasure; closing a request as done or
 * refused. Everything here is audited by the server.
 */
import { ApiError, request } from '../app/api.js';
import { formatDate, formatDateTime, t } from '../app/i18n.js';
import { h, notice, show } from '../app/ui/dom.js';
import { dataTable, download, problem } from './common.js';

const KINDS = /** @type {Record<string, () => string>} */ ({
  access: () => t('Access (a copy of their data)'),
  rectification: () => t('Rectification'),
  erasure: () => t('Erasure'),
  restriction: () => t('Restriction'),
  objection: () => t('Objection'),
  portability: () => t('Portability'),
  withdrawal: () => t('Withdrawal of consent'),
});
const CHANNELS = /** @type {Record<string, () => string>} */ ({
  office: () => t('At the office'),
  mail: () => t('By post'),
  email: () => t('By e-mail'),
  phone: () => t('By phone'),
  agent: () => t('Through an agent'),
  self: () => t('Their own link'),
});
const STATUSES = /** @type {Record<string, () => string>} */ ({
  open: () => t('Open'),
  done: () => t('Done'),
  refused: () => t('Refused'),
});

/** @param {string} id @param {string} label @param {Record<string, () => string>} options */
function select(id, label, options) {
  return h(
    'p',
    { class: 'field' },
    h('label', { for: id }, label),
    h('select', { id, name: id }, Object.entries(options).map(([value, text]) => h('option', { value }, text()))),
  );
}

/** @param {HTMLElement} main @param {{isCurrent: () => boolean}} view */
export async function renderPrivacy(main, view) {
  const heading = h('h1', { tabindex: -1 }, t('Privacy requests'));
  document.title = [t('Privacy requests'), 'Terrain'].join(' – ');
  const said = h('div', { role: 'status' });
  const redraw = (/** @type {string} */ message) =>
    renderPrivacy(main, view).then(() => {
      const status = main.querySelector('.privacy-said');
      if (status) status.textContent = message;
    });
  let body;
  try {
    body = await request('GET', '/api/privacy/requests', { query: { limit: 200 } });
  } catch (error) {
    if (view.isCurrent()) show(main, heading, problem(error));
    return;
  }
  if (!view.isCurrent()) return;
  show(
    main,
    h(
      'section',
      { class: 'privacy-screen office-wide stack' },
      heading,
      h('p', { class: 'privacy-said', role: 'status' }),
      registerForm(redraw),
      said,
      body.items.length === 0
        ? h('p', { class: 'empty' }, t('No request yet.'))
        : dataTable(
            t('Requests, the most urgent first'),
            [t('Due'), t('Kind'), t('Status'), t('Received'), t('Channel'), t('Person'), t('Actions')],
            body.items.map((/** @type {any} */ r) => [
              formatDate(r.due_on),
              (KINDS[r.kind] ?? (() => r.kind))(),
              (STATUSES[r.status] ?? (() => r.status))(),
              formatDateTime(r.received_at),
              (CHANNELS[r.channel] ?? (() => r.channel))(),
              r.lead_id
                ? h('a', { href: `#/office/leads/${encodeURIComponent(r.lead_id)}` }, t('Lead'))
                : h('span', { class: 'muted' }, t('Erased')),
              actions(r, redraw),
            ]),
            { rowHeaders: false, className: 'data-table privacy-requests' },
          ),
    ),
  );
}

/** @param {(message: string) => void} redraw */
function registerForm(redraw) {
  const problems = h('div', { 'aria-live': 'polite' });
  return h(
    'form',
    {
      class: 'panel stack privacy-register',
      novalidate: true,
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        const data = new FormData(/** @type {HTMLFormElement} */ (e.target));
        const leadId = String(data.get('privacy-lead') || '').trim();
        try {
          await request('POST', '/api/privacy/requests', {
            json: { kind: data.get('privacy-kind'), lead_id: leadId, channel: data.get('privacy-channel') },
          });
          redraw(t('The request is registered.'));
        } catch (error) {
          show(problems, notice(error instanceof ApiError && error.status === 422 ? t('Check the lead id.') : String(error instanceof Error ? error.message : error)));
        }
      },
    },
    h('h2', null, t('Register a request')),
    select('privacy-kind', t('Kind'), KINDS),
    h(
      'p',
      { class: 'field' },
      h('label', { for: 'privacy-lead' }, t('Lead id (on the lead’s page address)')),
      h('input', { id: 'privacy-lead', name: 'privacy-lead', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false' }),
    ),
    select('privacy-channel', t('Channel'), CHANNELS),
    problems,
    h('button', { type: 'submit', class: 'button-primary' }, t('Register')),
  );
}

/** @param {any} r @param {(message: string) => void} redraw */
function actions(r, redraw) {
  const out = h('p', { role: 'status' });
  /** @param {string} label @param {() => Promise<string | void>} work */
  const button = (label, work, kind = 'button-quiet') =>
    h('button', {
      type: 'button',
      class: kind,
      onclick: async () => {
        try {
          const message = await work();
          if (message) redraw(message);
        } catch (error) {
          out.textContent = error instanceof Error ? error.message : String(error);
        }
      },
    }, label);
  const lead = r.lead_id ? encodeURIComponent(r.lead_id) : null;
  const items = [];
  if (lead) {
    items.push(button(t('Export (JSON)'), () => download(`/api/privacy/leads/${lead}/export`, new URLSearchParams())));
    items.push(button(t('Export (page)'), () => download(`/api/privacy/leads/${lead}/export.html`, new URLSearchParams())));
  }
  if (lead && r.status === 'open' && r.kind === 'erasure') {
    items.push(button(t('Erase the person'), async () => {
      if (!window.confirm(t('Erase this person everywhere? This cannot be undone.'))) return;
      await request('POST', `/api/privacy/leads/${lead}/erase`);
      await request('POST', `/api/privacy/requests/${r.id}/close`, { json: { status: 'done' } });
      return t('The person is erased; phones drop them at their next sync.');
    }, 'button-danger'));
  }
  if (r.status === 'open') {
    items.push(button(t('Done'), async () => {
      await request('POST', `/api/privacy/requests/${r.id}/close`, { json: { status: 'done' } });
      return t('The request is closed.');
    }));
    items.push(button(t('Refuse'), async () => {
      await request('POST', `/api/privacy/requests/${r.id}/close`, { json: { status: 'refused' } });
      return t('The request is closed.');
    }));
  }
  return h('div', { class: 'button-row' }, ...items, out);
}
