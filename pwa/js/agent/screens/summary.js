// @ts-check
/** The end-of-session summary: where, how long, the tallies, the leads recorded. */
import { t, tn } from '../../app/i18n.js';
import { h, show } from '../../app/ui/dom.js';
import { channelLabel } from '../../app/vocab.js';
import { flashBox, leadName, section, statusBadge, titled } from '../ui/common.js';
import { clock } from '../ui/time.js';

/**
 * @param {HTMLElement} main
 * @param {import('../app.js').Ctx} ctx
 * @param {string} id
 */
export async function renderSummary(main, ctx, id) {
  const [session, totals, leads] = await Promise.all([
    ctx.data.get('outreach_session', id),
    ctx.data.tallies(id),
    ctx.data.leadsOfSession(id),
  ]);
  if (!ctx.isCurrent()) return;
  if (!session) {
    show(main, h('h1', { tabindex: -1 }, t('Session')), h('p', null, t('This session is not on this phone.')));
    return;
  }
  const minutes = session.ended_at
    ? Math.max(1, Math.round((Date.parse(session.ended_at) - Date.parse(session.started_at)) / 60000))
    : null;
  show(
    main,
    h(
      'div',
      { class: 'screen' },
      h('h1', { tabindex: -1 }, t('Session summary')),
      flashBox(ctx.flash),
      h(
        'p',
        { class: 'lead-meta' },
        [channelLabel(session.channel), session.title, session.commune].filter(Boolean).join(' · '),
      ),
      h(
        'p',
        null,
        session.ended_at
          ? t('From {start} to {end}', { start: clock(session.started_at), end: clock(session.ended_at) })
          : t('since {time}', { time: clock(session.started_at) }),
        minutes ? ` (${tn('{n} minute', '{n} minutes', minutes)})` : '',
      ),
      h(
        'dl',
        { class: 'summary-figures' },
        figure(t('Coffees'), totals.coffees),
        figure(t('Conversations'), totals.conversations),
        figure(t('Flyers'), totals.flyers),
        figure(t('Leads'), leads.length),
      ),
      section(
        tn('{n} lead recorded', '{n} leads recorded', leads.length),
        leads.length
          ? h(
              'ul',
              { class: 'row-list' },
              leads.map((l) =>
                h(
                  'li',
                  null,
                  h(
                    'a',
                    { class: 'row-link', href: `#/leads/${l.id}` },
                    h('span', { class: 'row-title' }, leadName(l)),
                    statusBadge(l.status || 'new'),
                  ),
                ),
              ),
            )
          : h('p', { class: 'muted' }, t('No lead this time.')),
      ),
      h('a', { class: 'button button-primary button-wide', href: '#/today' }, t('Back to today')),
    ),
  );
  titled(t('Session summary'));
}

/** @param {string} label @param {number} value */
function figure(label, value) {
  return h('div', { class: 'figure' }, h('dt', null, label), h('dd', null, String(value)));
}
