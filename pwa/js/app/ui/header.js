// @ts-check
/** The bar above every office screen once logged in: menu, who is working, language, log out. */
import { t } from '../i18n.js';
import { roleLabel } from '../vocab.js';
import { h, show } from './dom.js';
import { languagePicker } from './language-picker.js';

/**
 * @typedef {{id: string, name: string, email: string, role: string, language: string,
 *   teams: {id: string, name: string}[]}} Me
 * @typedef {{href: string, label: string, matches: (route: string) => boolean}} NavItem
 */

/**
 * @param {HTMLElement} header
 * @param {Me} me
 * @param {{nav: NavItem[], route: string, home: string,
 *   onLanguage: (code: string) => void, onLogOut: () => void}} options
 */
export function renderHeader(header, me, options) {
  const logOut = h(
    'button',
    { type: 'button', class: 'button-quiet', onclick: options.onLogOut },
    t('Log out'),
  );
  show(
    header,
    h('a', { class: 'brand', href: options.home }, 'Terrain'),
    h(
      'nav',
      { class: 'app-nav', 'aria-label': t('Main menu') },
      options.nav.map((item) =>
        h(
          'a',
          { href: item.href, 'aria-current': item.matches(options.route) ? 'page' : null },
          item.label,
        ),
      ),
    ),
    h(
      'p',
      { class: 'who' },
      h('span', { class: 'who-name' }, me.name),
      h('span', { class: 'who-role' }, roleLabel(me.role)),
    ),
    languagePicker(options.onLanguage),
    logOut,
  );
  header.hidden = false;
}

/** @param {HTMLElement} header */
export function hideHeader(header) {
  header.hidden = true;
  header.replaceChildren();
}
