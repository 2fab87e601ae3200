// @ts-check
/**
 * The office screens (coordinators and admins: online, REST API), mounted by the shell
 * (pwa/js/app/main.js) through these two functions only (contract B in CONTRACTS.md).
 * Hash routes are `#/office/...`; a screen added here adds its route below and, if it
 * belongs in the menu, an entry in officeNav().
 *
 *   #/office/leads        the leads list
 *   #/office/leads/<id>   one lead
 */
import { t } from '../app/i18n.js';
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

/**
 * Draw the office screen for `route` (the hash without '#', e.g. "/office/leads/…").
 * Returns false for a route that is not an office screen (the shell then goes home).
 * @param {HTMLElement} main
 * @param {string} route
 * @param {View} view
 * @returns {Promise<boolean>}
 */
export async function renderOffice(main, route, view) {
  if (route === '/office/leads') {
    await renderLeadList(main, view);
    return true;
  }
  const lead = route.match(/^\/office\/leads\/([0-9a-fA-F-]{36})$/);
  if (lead) {
    await renderLeadDetail(main, lead[1].toLowerCase(), view);
    return true;
  }
  return false;
}

/**
 * The office menu for this person: [{href, label, current(route)}].
 * @param {Me} _me
 * @returns {{href: string, label: string, matches: (route: string) => boolean}[]}
 */
export function officeNav(_me) {
  return [
    {
      href: '#/office/leads',
      label: t('Leads'),
      matches: (route) => route.startsWith('/office/leads'),
    },
  ];
}

/** Forget what office screens keep in memory (a typed search may hold a name): on log-out. */
export function resetOffice() {
  resetLeadSearch();
}
