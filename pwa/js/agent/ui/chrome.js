// @ts-check
/**
 * The agent app's frame: a compact top bar (name of the app, the sync state, lock) and a
 * bottom tab bar within the thumb's reach on phones (at the top on wide screens, by css).
 */
import { t, tn } from '../../app/i18n.js';
import { h, show } from '../../app/ui/dom.js';
import { ago } from './time.js';

/** @typedef {import('../../sync/client.js').Status} Status */

/** @type {HTMLElement | null} */
let nav = null;

/** @returns {{href: string, label: string, icon: string, matches: (r: string) => boolean}[]} */
function tabs() {
  return [
    { href: '#/today', label: t('Today'), icon: 'today', matches: (r) => r === '/today' },
    {
      href: '#/stand',
      label: t('Stand'),
      icon: 'stand',
      matches: (r) => r.startsWith('/stand') || r.startsWith('/visit') || r.startsWith('/sessions'),
    },
    { href: '#/leads', label: t('Leads'), icon: 'leads', matches: (r) => r.startsWith('/leads') },
    { href: '#/outbox', label: t('Outbox'), icon: 'outbox', matches: (r) => r === '/outbox' },
    { href: '#/settings', label: t('Settings'), icon: 'settings', matches: (r) => r === '/settings' },
  ];
}

/**
 * @param {HTMLElement} header
 * @param {{route: string, onLock: () => void}} options
 * @returns {{status: (s: Status) => void}}
 */
export function renderChrome(header, options) {
  const pill = h('a', { class: 'sync-pill', href: '#/outbox' }, '…');
  show(
    header,
    h('a', { class: 'brand brand-small', href: '#/today' }, 'Terrain'),
    pill,
    h('button', { type: 'button', class: 'button-quiet lock-button', onclick: options.onLock }, t('Lock')),
  );
  header.hidden = false;
  header.classList.add('agent-header');
  if (!nav) {
    nav = h('nav', { class: 'tab-bar', id: 'tab-bar' });
    // Right under the top bar: fixed at the bottom on phones (css), a menu row on wide screens.
    header.after(nav);
  }
  nav.setAttribute('aria-label', t('Main menu'));
  nav.hidden = false;
  show(
    nav,
    tabs().map((tab) =>
      h(
        'a',
        {
          href: tab.href,
          class: `tab tab-${tab.icon}`,
          'aria-current': tab.matches(options.route) ? 'page' : null,
        },
        h('span', { class: 'tab-icon', 'aria-hidden': 'true' }),
        h('span', { class: 'tab-label' }, tab.label),
        tab.icon === 'outbox' ? h('span', { class: 'tab-badge', hidden: true }) : null,
      ),
    ),
  );
  document.body.classList.add('agent');
  return {
    status(s) {
      const { state, waiting } = pillParts(s);
      // "Hors ligne · 3 en attente" is wider than the pill's room at 390 px: beside a state
      // the count is a number in a bubble (the words are read out, not shown); alone, the
      // words fit.
      show(
        pill,
        state ? h('span', { class: 'sync-pill-text' }, state) : null,
        waiting && state
          ? h(
              'span',
              { class: 'sync-pill-count' },
              h('span', { class: 'visually-hidden' }, ` · ${waiting}`),
              h('span', { 'aria-hidden': 'true' }, String(s.pending)),
            )
          : null,
        waiting && !state ? h('span', { class: 'sync-pill-text' }, waiting) : null,
      );
      pill.className = `sync-pill sync-${pillState(s)}`;
      const badge = nav?.querySelector('.tab-badge');
      if (badge) {
        badge.textContent = s.pending ? String(s.pending) : '';
        /** @type {HTMLElement} */ (badge).hidden = !s.pending;
      }
    },
  };
}

export function hideChrome() {
  if (nav) nav.hidden = true;
  document.body.classList.remove('agent');
}

/** @param {Status} s */
function pillState(s) {
  if (s.error === 'auth_required') return 'blocked';
  if (s.syncing) return 'busy';
  if (s.error === 'offline' || s.error === 'network') return 'offline';
  if (s.error) return 'problem';
  // "Synced" only once a pull has completed on this phone.
  return s.pending || !s.lastSyncAt ? 'waiting' : 'ok';
}

/**
 * The pill's words: the state, and how many changes wait (either may be absent).
 * @param {Status} s
 * @returns {{state: string | null, waiting: string | null}}
 */
export function pillParts(s) {
  const waiting = s.pending ? tn('{n} waiting', '{n} waiting', s.pending) : null;
  switch (pillState(s)) {
    case 'blocked':
      return { state: t('Log in to sync'), waiting: null };
    case 'busy':
      return { state: t('Syncing…'), waiting: null };
    case 'offline':
      return { state: t('Offline'), waiting };
    case 'problem':
      return { state: t('Not synced'), waiting };
    case 'waiting':
      return waiting ? { state: null, waiting } : { state: t('Not synced'), waiting: null };
    default:
      return { state: t('Synced'), waiting: null };
  }
}

/** The sentence the Today and Outbox screens show. @param {Status} s */
export function syncSentence(s) {
  const parts = [];
  parts.push(
    s.pending
      ? tn('{n} change waiting to be sent.', '{n} changes waiting to be sent.', s.pending)
      : t('Everything is sent.'),
  );
  if (s.pending) parts.push(t('Oldest: {age}.', { age: ago(s.oldestAgeS) }));
  parts.push(
    s.lastSyncAt
      ? t('Last sync: {age}.', { age: ago(Math.max(0, (Date.now() - s.lastSyncAt) / 1000)) })
      : t('Never synced yet.'),
  );
  return parts.join(' ');
}

/** Why the last sync did not happen, for people. @param {string | null} code */
export function syncProblem(code) {
  switch (code) {
    case null:
      return null;
    case 'offline':
    case 'network':
      return t('No connection: changes are kept on this phone and sent later.');
    case 'auth_required':
      return t('Your session has ended. Log in again to send your changes; they are kept.');
    case 'update_required':
      return t('This app must be updated before it can sync. Reload it when online.');
    case 'busy':
      return t('The server is busy; it will be tried again shortly.');
    default:
      return t('Sync failed; it will be tried again shortly.');
  }
}
