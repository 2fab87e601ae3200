// @ts-check
/** The bar above every screen once logged in: who is working, language, log out. */
import { t } from '../i18n.js';
import { roleLabel } from '../vocab.js';
import { h, show } from './dom.js';
import { languagePicker } from './language-picker.js';

/**
 * @typedef {{id: string, name: string, email: string, role: string, language: string,
 *   teams: {id: string, name: string}[]}} Me
 */

/**
 * @param {HTMLElement} header
 * @param {Me} me
 * @param {string} routeName the screen shown below (its menu entry is marked current)
 * @param {{onLanguage: (code: string) => void, onLogOut: () => void}} actions
 */
export function renderHeader(header, me, routeName, actions) {
  const logOut = h(
    'button',
    { type: 'button', class: 'button-quiet', onclick: actions.onLogOut },
    t('Log out'),
  );
  show(
    header,
    h('a', { class: 'brand', href: '#/leads' }, 'Terrain'),
    h(
      'nav',
      { class: 'app-nav', 'aria-label': t('Main menu') },
      h(
        'a',
        { href: '#/leads', 'aria-current': routeName === 'leads' ? 'page' : null },
        t('Leads'),
      ),
    ),
    h(
      'p',
      { class: 'who' },
      h('span', { class: 'who-name' }, me.name),
      h('span', { class: 'who-role' }, roleLabel(me.role)),
    ),
    languagePicker(actions.onLanguage),
    logOut,
  );
  header.hidden = false;
}

/** @param {HTMLElement} header */
export function hideHeader(header) {
  header.hidden = true;
  header.replaceChildren();
}
