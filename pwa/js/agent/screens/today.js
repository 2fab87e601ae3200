// @ts-check
/** Today: follow-ups due and overdue, the session in progress, sync state, what needs attention. */
import { formatDay, formatFullDay, t, tn } from '../../app/i18n.js';
import { h, notice, show } from '../../app/ui/dom.js';
import { channelLabel, followupLabel } from '../../app/vocab.js';
import { installHelp, installState } from '../../app/pwa.js';
import { syncProblem, syncSentence } from '../ui/chrome.js';
import { flashBox, leadName, section, titled } from '../ui/common.js';
import { clock } from '../ui/time.js';
import { sentBackPanel } from '../sentback.js';

/**
 * @param {HTMLElement} main
 * @param {import('../app.js').Ctx} ctx
 */
export async function renderToday(main, ctx) {
  const [due, current, attention] = await Promise.all([
    ctx.data.dueFollowups(),
    ctx.data.currentSession(),
    ctx.session.store.attention(),
  ]);
  if (!ctx.isCurrent()) return;
  const syncPanel = h('div', { class: 'sync-panel' });
  const drawSync = (/** @type {import('../../sync/client.js').Status} */ s) => {
    const problem = syncProblem(s.error);
    show(
      syncPanel,
      h('p', { class: 'sync-sentence' }, syncSentence(s)),
      problem ? notice(problem, s.error === 'auth_required' ? 'error' : 'info') : null,
      s.error === 'auth_required'
        ? h('a', { class: 'button button-primary', href: '#/relogin' }, t('Log in again'))
        : h(
            'button',
            {
              type: 'button',
              class: 'button-secondary',
              disabled: s.syncing || null,
              onclick: () => ctx.session.sync.syncNow(),
            },
            s.syncing ? t('Syncing…') : t('Sync now'),
          ),
    );
  };
  drawSync(ctx.status);
  const off = ctx.watchStatus((s) => (ctx.isCurrent() ? drawSync(s) : off()));
  show(
    main,
    h(
      'div',
      { class: 'screen today' },
      h('h1', { tabindex: -1 }, t('Today')),
      h('p', { class: 'muted today-date' }, formatFullDay(new Date())),
      flashBox(ctx.flash),
      sessionPanel(current),
      attentionPanel(attention, ctx),
      sentBackPanel(ctx),
      followupsPanel(due),
      section(t('Sync'), syncPanel),
      installPanel(),
    ),
  );
  titled(t('Today'));
  performance.mark('today-drawn');
  ctx.data.warm();
  ctx.data.watch(() => ctx.isCurrent() && ctx.redraw());
}

/** @param {any} current */
function sessionPanel(current) {
  if (current) {
    return h(
      'section',
      { class: 'panel panel-accent' },
      h('h2', null, t('Session in progress')),
      h(
        'p',
        null,
        [channelLabel(current.channel), current.commune || current.title]
          .filter(Boolean)
          .join(' · '),
        ' — ',
        t('since {time}', { time: clock(current.started_at) }),
      ),
      h('a', { class: 'button button-primary button-wide', href: '#/stand' }, t('Back to the stand')),
    );
  }
  return h(
    'section',
    { class: 'panel' },
    h('h2', null, t('Go out')),
    h(
      'div',
      { class: 'button-row' },
      h('a', { class: 'button button-primary', href: '#/stand' }, t('Start a session')),
      h('a', { class: 'button button-secondary', href: '#/visit' }, t('Shop visit')),
      h('a', { class: 'button button-secondary', href: '#/handover' }, t('Hand over the phone')),
    ),
  );
}

/**
 * @param {any[]} items  attention entries (rejections, conflicts)
 * @param {import('../app.js').Ctx} ctx
 */
function attentionPanel(items, ctx) {
  const rejected = items.filter((n) => n.kind === 'rejected').length;
  const conflicts = items.filter((n) => n.kind === 'conflict').length;
  const problem = ctx.status.error === 'update_required' ? syncProblem('update_required') : null;
  if (!rejected && !conflicts && !problem) return null;
  return h(
    'section',
    { class: 'panel panel-warning' },
    h('h2', null, t('Needs your attention')),
    h(
      'ul',
      { class: 'plain-list' },
      rejected
        ? h('li', null, tn('{n} change refused by the server', '{n} changes refused by the server', rejected))
        : null,
      conflicts
        ? h(
            'li',
            null,
            tn('{n} edit made at the same time as someone else', '{n} edits made at the same time as someone else', conflicts),
          )
        : null,
      problem ? h('li', null, problem) : null,
    ),
    h('a', { class: 'button button-secondary', href: '#/outbox' }, t('See what happened')),
  );
}

/** @param {{followup: any, lead: any, overdue: boolean}[]} due */
function followupsPanel(due) {
  if (!due.length) {
    return section(t('Follow-ups due'), h('p', { class: 'muted' }, t('Nothing due today.')));
  }
  const FIRST = 8;
  const list = h('ul', { class: 'row-list' });
  const more = h(
    'button',
    {
      type: 'button',
      class: 'button-secondary button-wide',
      hidden: due.length <= FIRST || null,
      onclick: () => {
        list.append(...rows(due.slice(FIRST)));
        more.hidden = true;
      },
    },
    t('Show all'),
  );
  list.append(...rows(due.slice(0, FIRST)));
  return section(tn('{n} follow-up due', '{n} follow-ups due', due.length), list, more);
}

/** @param {{followup: any, lead: any, overdue: boolean}[]} due */
function rows(due) {
  return due.map(({ followup, lead, overdue }) =>
        h(
          'li',
          null,
          h(
            'a',
            { class: 'row-link', href: `#/leads/${lead.id}` },
            h('span', { class: 'row-title' }, leadName(lead)),
            h(
              'span',
              { class: 'row-meta' },
              followupLabel(followup.kind),
              ' · ',
              h('time', { datetime: followup.due_on }, formatDay(followup.due_on)),
            ),
            overdue ? h('span', { class: 'badge badge-warning' }, t('Overdue')) : null,
          ),
        ),
  );
}

function installPanel() {
  if (installState() === 'installed' || localStorage.getItem('terrain.installHint') === 'no') {
    return null;
  }
  const panel = h(
    'section',
    { class: 'panel' },
    h('h2', null, t('Install Terrain')),
    h('p', null, t('Installed, Terrain opens from the home screen like any app, also without a connection.')),
    installHelp(() => panel.remove()),
    h(
      'button',
      {
        type: 'button',
        class: 'button-quiet',
        onclick: () => {
          localStorage.setItem('terrain.installHint', 'no');
          panel.remove();
        },
      },
      t('Not now'),
    ),
  );
  return panel;
}
