// @ts-check
/**
 * QR codes and short links (#/office/codes): a coordinator makes a code for a coffee stand,
 * a shop, a partner, an agent or a campaign, prints its sheet (flyers or cup stickers) and
 * sees what it brought: scans, forms sent, and the leads it credited per status.
 * Writes are the existing API's (POST and DELETE /api/codes), one call site each.
 */
import { request } from '../app/api.js';
import { formatDate, formatDateTime, t } from '../app/i18n.js';
import { h, show } from '../app/ui/dom.js';
import { channelLabel, languageName, statusLabel } from '../app/vocab.js';
import { cachedList, count, inputField, navigate, problem, routeParams, selectField } from './common.js';

// The public form's ten languages, in the order the intake's picker shows them.
const FORM_LANGUAGES = ['fr', 'nl', 'en', 'es', 'ar', 'it', 'de', 'pt', 'tr', 'ro'];

/** What each kind of code credits: [kind, label]. */
const KINDS = () =>
  /** @type {[string, string][]} */ ([
    ['session', t('An outreach session (a coffee stand, a meeting)')],
    ['venue', t('A place (a shop, a community place)')],
    ['partner', t('A partner organisation')],
    ['agent', t('A community agent')],
    ['campaign', t('A campaign (a poster, a website)')],
  ]);

/**
 * @param {HTMLElement} main
 * @param {{isCurrent: () => boolean}} view
 * @param {string} route
 */
export async function renderCodes(main, view, route) {
  const made = routeParams(route).get('made');
  const heading = h('h1', { tabindex: -1 }, t('QR codes'));
  document.title = [t('QR codes'), 'Terrain'].join(' – ');
  let codes, sessions, venues, partners, agents;
  try {
    [codes, sessions, venues, partners, agents] = await Promise.all([
      request('GET', '/api/codes', { query: { limit: 200 } }),
      request('GET', '/api/sessions', { query: { limit: 100 } }).then((b) => b.items),
      request('GET', '/api/venues', { query: { limit: 200 } }).then((b) => b.items),
      cachedList('partners'),
      cachedList('agents'),
    ]);
  } catch (error) {
    if (view.isCurrent()) show(main, heading, problem(error));
    return;
  }
  if (!view.isCurrent()) return;
  /** @type {Record<string, [string, string][]>} */
  const choices = {
    session: sessions.map((/** @type {any} */ s) => [s.id, sessionName(s)]),
    venue: venues.map((/** @type {any} */ v) => [v.id, [v.name, v.commune].filter(Boolean).join(', ')]),
    partner: partners.map((/** @type {any} */ p) => [p.id, p.name]),
    agent: agents.map((/** @type {any} */ a) => [a.id, a.name || a.email]),
  };
  /** @type {Record<string, string>} */
  const names = Object.fromEntries(Object.values(choices).flat());
  show(
    main,
    h(
      'section',
      { class: 'codes-screen office-wide' },
      heading,
      h(
        'p',
        null,
        t('A code opens the public form and credits what the person fills in to a session, a place, a partner, an agent or a campaign. Print its sheet for a stand or a shop counter.'),
      ),
      newCode(choices),
      h('h2', null, t('Codes of my teams')),
      codes.items.length
        ? h('ul', { class: 'code-cards', 'aria-label': t('Codes, newest first') }, codes.items.map((/** @type {any} */ c) => codeCard(c, names, c.code === made)))
        : h('p', null, t('No code yet.')),
    ),
  );
  if (made) main.querySelector(`[data-code="${CSS.escape(made)}"]`)?.scrollIntoView({ block: 'center' });
}

/** @param {any} s an outreach session */
function sessionName(s) {
  return [s.title || channelLabel(s.channel), s.commune, formatDate(s.started_at)].filter(Boolean).join(' · ');
}

/**
 * One code: its label and state, what it credits, its address, counts and actions.
 * @param {any} c
 * @param {Record<string, string>} names
 * @param {boolean} isNew
 */
function codeCard(c, names, isNew) {
  const reference = c.kind === 'campaign' ? c.campaign : names[c.session_id || c.venue_id || c.partner_id || c.agent_id];
  const kindLabel = Object.fromEntries(KINDS())[c.kind] || c.kind;
  return h(
    'li',
    { class: isNew ? 'panel code-card code-new' : 'panel code-card', 'data-code': c.code },
    h(
      'h3',
      null,
      c.label || c.code,
      c.disabled_at ? h('span', { class: 'badge' }, t('Stopped')) : null,
      isNew ? h('span', { class: 'badge', role: 'status' }, t('New')) : null,
    ),
    h('p', null, h('span', { class: 'muted' }, t('Credits')), ' ', reference || t('(not visible to you)'), h('span', { class: 'muted' }, ` (${kindLabel})`)),
    h('p', null, h('a', { href: c.url, target: '_blank', rel: 'noopener' }, c.url.replace(/^https?:\/\//, ''))),
    h(
      'dl',
      { class: 'code-counts' },
      h('div', null, h('dt', null, t('Scans')), h('dd', { 'data-count': 'scans' }, count(c.scans))),
      h('div', null, h('dt', null, t('Forms sent')), h('dd', { 'data-count': 'submissions' }, count(c.submissions))),
      h('div', null, h('dt', null, t('Made')), h('dd', null, formatDateTime(c.created_at))),
    ),
    c.disabled_at ? null : printLinks(c),
    results(c),
    c.disabled_at ? null : stopButton(c),
  );
}

/** The printable sheets and the QR image, in the code's language (and Dutch or French). @param {any} c */
function printLinks(c) {
  const first = c.language || 'fr';
  const second = first === 'nl' ? 'fr' : 'nl';
  const base = `/q/${encodeURIComponent(c.code)}`;
  const query = (/** @type {string} */ layout) => new URLSearchParams({ layout, lang: first, lang2: second }).toString();
  return h(
    'div',
    { class: 'code-links' },
    h('a', { class: 'button', href: `${base}/sheet?${query('flyers')}`, target: '_blank', rel: 'noopener' }, t('Print flyers')),
    h('a', { class: 'button', href: `${base}/sheet?${query('stickers')}`, target: '_blank', rel: 'noopener' }, t('Print cup stickers')),
    h('a', { class: 'button', href: `${base}.png`, download: `terrain-${c.code}.png` }, t('QR image')),
  );
}

/** The leads the code brought, per status, loaded when opened. @param {any} c */
function results(c) {
  const body = h('div', { 'aria-live': 'polite' });
  const box = h(
    'details',
    {
      ontoggle: async () => {
        if (!(/** @type {HTMLDetailsElement} */ (box).open) || body.childElementCount) return;
        try {
          const detail = await request('GET', `/api/codes/${encodeURIComponent(c.id)}`);
          const rows = Object.entries(detail.funnel).filter(([, n]) => n);
          show(
            body,
            rows.length
              ? h('ul', null, rows.map(([status, n]) => h('li', null, t('{status}: {n}', { status: statusLabel(status), n: count(Number(n)) }))))
              : h('p', null, t('No lead from this code yet.')),
          );
        } catch (error) {
          show(body, problem(error));
        }
      },
    },
    h('summary', null, t('Leads it brought')),
    body,
  );
  return box;
}

/** Stop crediting the code (its scans still open the form). @param {any} c */
function stopButton(c) {
  return h(
    'button',
    {
      type: 'button',
      class: 'button',
      onclick: async () => {
        if (!confirm(t('Stop crediting this code? People who scan it still reach the form.'))) return;
        try {
          await request('DELETE', `/api/codes/${encodeURIComponent(c.id)}`);
          navigate('/office/codes', new URLSearchParams());
        } catch (error) {
          alert(error instanceof Error ? error.message : String(error));
        }
      },
    },
    t('Stop crediting'),
  );
}

/**
 * The form for a new code: what it credits (a kind, then one of its items or a campaign
 * name), a label for the list, and the form's language.
 * @param {Record<string, [string, string][]>} choices
 */
function newCode(choices) {
  const said = h('div', { 'aria-live': 'polite' });
  const kind = selectField('c-kind', t('What does this code credit?'), KINDS(), 'session');
  const reference = h('div', { class: 'code-reference' });
  const drawReference = (/** @type {string} */ k) => {
    if (k === 'campaign') {
      show(reference, inputField('c-campaign', t('Campaign name'), 'text', '', { maxlength: 80, required: true }));
      return;
    }
    const options = choices[k] || [];
    show(
      reference,
      options.length
        ? selectField('c-ref', t('Which one?'), options, options[0][0])
        : h('p', { class: 'notice' }, t('There is nothing of this kind in your teams yet.')),
    );
  };
  drawReference('session');
  kind.querySelector('select')?.addEventListener('change', (e) => drawReference(/** @type {HTMLSelectElement} */ (e.target).value));
  const form = h(
    'form',
    {
      class: 'panel stack new-code',
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        const data = new FormData(/** @type {HTMLFormElement} */ (form));
        const k = String(data.get('kind'));
        /** @type {Record<string, unknown>} */
        const json = { kind: k, label: String(data.get('label') || '') || null, language: data.get('language') || null };
        if (k === 'campaign') json.campaign = String(data.get('campaign') || '');
        else json[`${k}_id`] = data.get('ref') || null;
        try {
          const code = await request('POST', '/api/codes', { json });
          navigate('/office/codes', new URLSearchParams({ made: code.code }));
        } catch (error) {
          show(said, problem(error));
        }
      },
    },
    h('h2', null, t('New code')),
    kind,
    reference,
    inputField('c-label', t('Name in this list (optional)'), 'text', '', { maxlength: 120 }),
    selectField('c-language', t('The form opens in'), [['', t('The language of the phone that scans')], ...FORM_LANGUAGES.map((l) => /** @type {[string, string]} */ ([l, languageName(l)]))], ''),
    h('button', { type: 'submit', class: 'button-primary' }, t('Make the code')),
    said,
  );
  return form;
}
