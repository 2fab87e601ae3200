// @ts-check
/**
 * Stand mode: start a session (channel, commune or venue, partner), then big tally buttons,
 * the quick lead form, hand-over, and the end of the session (its summary).
 */
import { t, tn } from '../../app/i18n.js';
import { announce, h, notice, show } from '../../app/ui/dom.js';
import { channelLabel } from '../../app/vocab.js';
import { baseOf, newId } from '../../sync/index.js';
import { partners } from '../partners.js';
import { flashBox, leadName, titled } from '../ui/common.js';
import { chips, selectField, textField } from '../ui/forms.js';
import { clock } from '../ui/time.js';
import { SESSION_CHANNELS, TALLY_KINDS } from '../vocab.js';
import { quickLeadForm } from './quick-lead.js';

/** @type {Record<string, () => string>} */
const TALLY_LABELS = {
  coffees: () => t('Coffees'),
  conversations: () => t('Conversations'),
  flyers: () => t('Flyers'),
};

/** @param {HTMLElement} main @param {import('../app.js').Ctx} ctx */
export async function renderStand(main, ctx) {
  const current = await ctx.data.currentSession();
  if (!ctx.isCurrent()) return;
  if (current) await standMode(main, ctx, current);
  else await startForm(main, ctx);
}

/** Communes the agent has met people in, for the commune field's suggestions. */
async function knownCommunes(/** @type {import('../app.js').Ctx} */ ctx) {
  const [leads, venues] = await Promise.all([ctx.data.list('lead'), ctx.data.list('venue')]);
  const names = new Set();
  for (const r of [...venues, ...leads]) if (r.commune) names.add(r.commune);
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** @param {HTMLElement} main @param {import('../app.js').Ctx} ctx */
async function startForm(main, ctx) {
  const [communes, venues, partnerList] = await Promise.all([
    knownCommunes(ctx),
    ctx.data.venues(),
    partners(ctx.session),
  ]);
  if (!ctx.isCurrent()) return;
  const channel = chips({
    name: 'channel',
    legend: t('What kind of session?'),
    options: SESSION_CHANNELS.map((c) => ({ value: c, label: channelLabel(c) })),
    value: 'coffee_stand',
  });
  const commune = textField({ name: 'commune', label: t('Commune or neighbourhood'), maxlength: 80 });
  const listId = 'commune-suggestions';
  commune.input.setAttribute('list', listId);
  const suggestions = h('datalist', { id: listId }, communes.map((c) => h('option', { value: c })));
  const venue = selectField({
    name: 'venue',
    label: t('Place (optional)'),
    options: venues.map((v) => ({ value: v.id, label: [v.name, v.commune].filter(Boolean).join(' · ') })),
    empty: t('No particular place'),
  });
  const partner = selectField({
    name: 'partner',
    label: t('With a partner (optional)'),
    options: partnerList.map((p) => ({ value: p.id, label: p.name })),
    empty: t('No partner'),
  });
  const problems = h('div', { class: 'form-problems' });
  const start = h('button', { type: 'submit', class: 'button-primary button-wide' }, t('Start the session'));
  show(
    main,
    h(
      'div',
      { class: 'screen' },
      h('h1', { tabindex: -1 }, t('Start a session')),
      flashBox(ctx.flash),
      h(
        'form',
        { class: 'stack panel', novalidate: true, onsubmit: onSubmit },
        channel.field,
        commune.field,
        suggestions,
        venues.length ? venue.field : null,
        partnerList.length ? partner.field : null,
        problems,
        start,
      ),
      h(
        'p',
        { class: 'aside-links' },
        h('a', { href: '#/visit' }, t('A shop visit? Use the short form.')),
      ),
    ),
  );
  titled(t('Start a session'));

  /** @param {Event} event */
  async function onSubmit(event) {
    event.preventDefault();
    const venueId = venue.select.value || null;
    const place = venues.find((v) => v.id === venueId);
    const where = commune.input.value.trim() || place?.commune || null;
    if (!where && !venueId) {
      show(problems, notice(t('Say where: a commune, a neighbourhood or a place.')));
      commune.input.focus();
      return;
    }
    start.setAttribute('disabled', '');
    const id = newId();
    await ctx.mutate('session.create', {
      id,
      fields: {
        channel: channel.value() || 'coffee_stand',
        commune: where,
        venue_id: venueId,
        partner_id: partner.select.value || null,
        title: place?.name ?? null,
        started_at: new Date().toISOString(),
      },
    });
    ctx.go('#/stand', t('Session started.'));
  }
}

/**
 * @param {HTMLElement} main
 * @param {import('../app.js').Ctx} ctx
 * @param {any} session
 */
async function standMode(main, ctx, session) {
  const [totals, leads] = await Promise.all([
    ctx.data.tallies(session.id),
    ctx.data.leadsOfSession(session.id),
  ]);
  if (!ctx.isCurrent()) return;
  const counters = TALLY_KINDS.map((kind) => tallyControl(ctx, session, kind, totals[kind] ?? 0));
  const saved = h('ul', { class: 'saved-leads' });
  const savedHeading = h('h2', null);
  const drawSaved = () => {
    savedHeading.textContent = tn('{n} lead this session', '{n} leads this session', leads.length);
    show(
      saved,
      leads.map((l) => h('li', null, h('a', { href: `#/leads/${l.id}` }, leadName(l)))),
    );
  };
  drawSaved();
  const quick = quickLeadForm(ctx, session, (lead) => {
    leads.unshift(lead);
    drawSaved();
  });
  show(
    main,
    h(
      'div',
      { class: 'screen stand' },
      h('h1', { tabindex: -1 }, channelLabel(session.channel)),
      h(
        'p',
        { class: 'muted' },
        [session.title, session.commune].filter(Boolean).join(' · '),
        ' — ',
        t('since {time}', { time: clock(session.started_at) }),
      ),
      flashBox(ctx.flash),
      h('section', { class: 'tallies', 'aria-label': t('Tallies') }, counters),
      h('section', { class: 'panel' }, h('h2', null, t('Quick lead')), quick),
      h(
        'section',
        { class: 'panel' },
        h('h2', null, t('Let the person fill in the form')),
        h('p', null, t('Choose their language and hand them the phone; it comes back locked.')),
        h('a', { class: 'button button-secondary button-wide', href: '#/handover' }, t('Hand over the phone')),
      ),
      h('section', { class: 'panel' }, savedHeading, saved),
      h(
        'button',
        {
          type: 'button',
          class: 'button-danger button-wide',
          onclick: async () => {
            await ctx.mutate('session.patch', {
              id: session.id,
              set: { ended_at: new Date().toISOString() },
              base: baseOf(session, ['ended_at']),
            });
            ctx.go(`#/sessions/${session.id}`, t('Session ended.'));
          },
        },
        t('End the session'),
      ),
    ),
  );
  titled(t('Stand'));
}

/**
 * A big "+1" button with its count, and a small "−1" to undo a slip of the thumb.
 * Each tap is its own tally.add (own id): a replay never counts twice.
 * @param {import('../app.js').Ctx} ctx
 * @param {any} session
 * @param {string} kind
 * @param {number} start
 */
function tallyControl(ctx, session, kind, start) {
  let count = start;
  const label = TALLY_LABELS[kind]();
  const number = h('span', { class: 'tally-count' }, String(count));
  // The visible words are the button's name (WCAG 2.5.3); the rest is for screen readers.
  const plus = h(
    'button',
    { type: 'button', class: 'tally-plus', onclick: (/** @type {Event} */ e) => add(1, e.timeStamp) },
    number,
    ' ',
    h('span', { class: 'tally-label' }, label),
    h('span', { class: 'visually-hidden' }, ` (${t('add one')})`),
  );
  const minus = h(
    'button',
    {
      type: 'button',
      class: 'tally-minus',
      onclick: (/** @type {Event} */ e) => count > 0 && add(-1, e.timeStamp),
    },
    '−1',
    h('span', { class: 'visually-hidden' }, ` ${label}`),
  );
  return h('div', { class: `tally tally-${kind}` }, plus, minus);

  /** @param {number} delta @param {number} started  the tap's time */
  async function add(delta, started) {
    count += delta;
    number.textContent = String(count);
    await ctx.mutate('tally.add', {
      id: newId(),
      session_id: session.id,
      kind,
      delta,
      occurred_at: new Date().toISOString(),
    });
    // Read by bench/pwa.py: from the tap to the tally stored in IndexedDB.
    performance.measure('stand-tap-saved', { start: started });
    announce(`${label}: ${count}`);
  }
}
