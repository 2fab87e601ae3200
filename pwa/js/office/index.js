// @ts-check
/**
 * The office screens (coordinators and admins: online, REST API), mounted by the shell
 * (pwa/js/app/main.js) through these two functions only (contract B in CONTRACTS.md).
 * Hash routes are `#/office/...`; filters ride in the route's query (never a name):
 *
 *   #/office/leads[?filters]     the intake queue        #/office/leads/<id>   one lead
 *   #/office/duplicates          possible duplicates     #/office/funnel       the dashboard
 *   #/office/merge?a=<id>&b=<id> merge two of them
 *   #/office/impact[?from&to]    the impact report       #/office/outreach     outreach overview
 *   #/office/referrals           referrals               #/office/conflicts    sync conflicts
 *   #/office/admin/<tab>         users, teams, devices, partners, venues
 *   #/office/codes[?made=<code>] QR codes and links
 *   #/office/privacy             data-subject requests   #/office/audit[?filters] the audit trail
 *   #/office/notifications       this browser's push notifications and my preferences
 */
import { t } from '../app/i18n.js';
import { forgetLists, routePath } from './common.js';
import { renderLeadDetail } from './lead-detail.js';
import { renderLeadList, resetLeadSearch } from './lead-list.js';

/** @typedef {import('../app/ui/header.js').Me} Me */
/**
 * @typedef {object} View  what the shell hands every screen
 * @property {Me} me  the logged-in person
 * @property {() => boolean} isCurrent  false once another screen was drawn (drop late answers)
 */

/** Where the shell sends an office user who opens the app. */
export const OFFICE_HOME = '#/office/leads';

// The office stylesheet, added once (the agent app never loads it).
function ensureStyles() {
  if (document.getElementById('office-css')) return;
  const link = document.createElement('link');
  link.id = 'office-css';
  link.rel = 'stylesheet';
  link.href = '/css/office.css';
  document.head.append(link);
}

/** Screens loaded on first use, each its own module. */
const SCREENS = /** @type {Record<string, () => Promise<(main: HTMLElement, view: View, route: string) => Promise<void>>>} */ ({
  '/office/funnel': async () => (await import('./funnel.js')).renderFunnel,
  '/office/impact': async () => (await import('./impact.js')).renderImpact,
  '/office/duplicates': async () => (await import('./duplicates.js')).renderDuplicates,
  '/office/merge': async () => (await import('./merge.js')).renderMerge,
  '/office/outreach': async () => (await import('./outreach.js')).renderOutreach,
  '/office/referrals': async () => (await import('./referrals.js')).renderReferrals,
  '/office/conflicts': async () => (await import('./conflicts.js')).renderConflicts,
  '/office/privacy': async () => (await import('./privacy.js')).renderPrivacy,
  '/office/audit': async () => (await import('./audit.js')).renderAudit,
  '/office/codes': async () => (await import('./codes.js')).renderCodes,
  '/office/notifications': async () => (await import('./notifications.js')).renderNotifications,
});

/**
 * Draw the office screen for `route` (the hash without '#', e.g. "/office/leads/…").
 * Returns false for a route that is not an office screen (the shell then goes home).
 * @param {HTMLElement} main
 * @param {string} route
 * @param {View} view
 * @returns {Promise<boolean>}
 */
export async function renderOffice(main, route, view) {
  ensureStyles();
  const path = routePath(route);
  if (path === '/office/leads') {
    await renderLeadList(main, view, route);
    return true;
  }
  const lead = path.match(/^\/office\/leads\/([0-9a-fA-F-]{36})$/);
  if (lead) {
    await renderLeadDetail(main, lead[1].toLowerCase(), view);
    return true;
  }
  const admin = path.match(/^\/office\/admin(?:\/([a-z]+))?$/);
  if (admin) {
    const { renderAdmin } = await import('./admin.js');
    await renderAdmin(main, view, admin[1] || 'users');
    return true;
  }
  const screen = SCREENS[path];
  if (!screen) return false;
  await (await screen())(main, view, route);
  return true;
}

/**
 * The office menu for this person: [{href, label, current(route)}].
 * @param {Me} me
 * @returns {{href: string, label: string, matches: (route: string) => boolean}[]}
 */
export function officeNav(me) {
  /** @type {[string, string][]} */
  const items = [
    ['/office/leads', t('Leads')],
    ['/office/duplicates', t('Duplicates')],
    ['/office/funnel', t('Funnel')],
    ['/office/impact', t('Impact')],
    ['/office/outreach', t('Outreach')],
    ['/office/referrals', t('Referrals')],
    ['/office/codes', t('QR codes')],
    ['/office/conflicts', t('Conflicts')],
    ['/office/admin', t('Administration')],
    ['/office/notifications', t('Notifications')],
  ];
  if (me.role === 'admin') {
    // Data-subject requests and the audit trail (the API refuses them to anyone else).
    items.push(['/office/privacy', t('Privacy requests')], ['/office/audit', t('Audit trail')]);
  }
  return items.map(([path, label]) => ({
    href: `#${path}`,
    label,
    matches: (/** @type {string} */ route) =>
      routePath(route) === path || routePath(route).startsWith(`${path}/`),
  }));
}

/** Forget what office screens keep in memory (a typed search may hold a name): on log-out. */
export function resetOffice() {
  resetLeadSearch();
  forgetLists();
  forgetPushSubscription();
}

/**
 * The browser's push subscription goes with the person who turned it on (the server drops
 * its copy at log-out): whoever logs in here next subscribes for themself, after a tap.
 */
async function forgetPushSubscription() {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    const subscription = await registration?.pushManager?.getSubscription();
    await subscription?.unsubscribe();
  } catch {
    // No worker or no push in this browser: nothing to forget.
  }
}
