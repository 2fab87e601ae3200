// @ts-check
/**
 * The app's entry point: language, session, and hash routes
 *   #/leads        the leads list
 *   #/leads/<id>   one lead
 * Anything else goes to the list. Without a valid session every route shows the log-in screen.
 */
import { isLoggedIn, logOut, request, whenSignedOut } from './api.js';
import {
  DEFAULT_LANGUAGE,
  chosenLanguage,
  currentLanguage,
  isLanguage,
  rememberLanguage,
  setLanguage,
  t,
} from './i18n.js';
import { hideHeader, renderHeader } from './ui/header.js';
import { renderLeadDetail } from './ui/lead-detail.js';
import { renderLeadList, resetLeadSearch } from './ui/lead-list.js';
import { renderLogin } from './ui/login.js';

/** @typedef {import('./ui/header.js').Me} Me */

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const header = /** @type {HTMLElement} */ (document.getElementById('app-header'));

/** @type {Me | null} */
let me = null;
/** Why the log-in screen shows again (session expired, device revoked …). */
let signedOutMessage = /** @type {string | null} */ (null);
// Each drawing of a screen gets a number; an answer arriving for an older one is dropped.
let drawing = 0;
let firstDrawing = true;

/** @param {string} hash @returns {{name: 'leads'} | {name: 'lead', id: string} | null} */
function parseRoute(hash) {
  const path = hash.replace(/^#/, '');
  if (path === '/leads') return { name: 'leads' };
  const match = path.match(/^\/leads\/([0-9a-fA-F-]{36})$/);
  return match ? { name: 'lead', id: match[1].toLowerCase() } : null;
}

async function draw() {
  const number = ++drawing;
  const view = { me: /** @type {Me} */ (me), isCurrent: () => number === drawing };
  const focusHeading = !firstDrawing;
  firstDrawing = false;
  if (!isLoggedIn() || !me) {
    hideHeader(header);
    renderLogin(main, { message: signedOutMessage, onLanguage: changeLanguage, onLoggedIn });
    return;
  }
  const route = parseRoute(location.hash);
  if (!route) {
    // A bad or empty address: the list, without an extra history entry.
    location.replace('#/leads');
    return;
  }
  renderHeader(header, me, route.name, { onLanguage: changeLanguage, onLogOut });
  if (route.name === 'leads') await renderLeadList(main, view);
  else await renderLeadDetail(main, route.id, view);
  if (focusHeading && view.isCurrent()) {
    // Tell screen-reader users the screen changed; a success message takes the focus itself.
    if (!main.contains(document.activeElement) || document.activeElement === main) {
      main.querySelector('h1')?.focus();
    }
  }
}

/** @param {string} code */
async function changeLanguage(code) {
  if (!isLanguage(code) || code === currentLanguage()) return;
  rememberLanguage(code);
  await setLanguage(code);
  await draw();
}

async function loadMe() {
  me = await request('GET', '/api/me');
}

async function onLoggedIn() {
  signedOutMessage = null;
  await loadMe();
  // The profile's language, unless the person picked one in this browser.
  if (me && !chosenLanguage() && isLanguage(me.language) && me.language !== currentLanguage()) {
    await setLanguage(me.language);
  }
  if (!parseRoute(location.hash)) history.replaceState(null, '', '#/leads');
  await draw();
}

async function onLogOut() {
  await logOut();
  me = null;
  resetLeadSearch();
  signedOutMessage = t('You are logged out.');
  await draw();
}

async function start() {
  const chosen = chosenLanguage();
  await setLanguage(chosen || DEFAULT_LANGUAGE);
  if (isLoggedIn()) {
    try {
      await loadMe();
      if (!chosen && me && isLanguage(me.language) && me.language !== currentLanguage()) {
        await setLanguage(me.language);
      }
    } catch (error) {
      me = null;
      signedOutMessage = error instanceof Error ? error.message : null;
    }
  }
  whenSignedOut((detail) => {
    me = null;
    resetLeadSearch();
    signedOutMessage = detail;
    draw();
  });
  window.addEventListener('hashchange', () => draw());
  await draw();
}

start();
