// @ts-check
/**
 * The app's entry point and shell (contract B): language, log-in, and the dispatch by role.
 *   agent                the agent app (pwa/js/agent/: PIN lock, local store, offline)
 *   coordinator / admin  the office screens (pwa/js/office/: online, REST), `#/office/...`
 * Without a valid session every route shows the log-in screen.
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

/** The office module, loaded on first use (agents never download it). */
function office() {
  return import('../office/index.js');
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
  const { OFFICE_HOME, officeNav, renderOffice } = await office();
  if (!view.isCurrent()) return;
  const route = location.hash.replace(/^#/, '');
  renderHeader(header, me, {
    nav: officeNav(me),
    route,
    home: OFFICE_HOME,
    onLanguage: changeLanguage,
    onLogOut,
  });
  if (!(await renderOffice(main, route, view))) {
    // A bad or empty address: home, without an extra history entry.
    if (view.isCurrent()) location.replace(OFFICE_HOME);
    return;
  }
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
  if (!location.hash.startsWith('#/office/')) history.replaceState(null, '', '#/office/leads');
  await draw();
}

async function forgetOffice() {
  if (me) (await office()).resetOffice();
  me = null;
}

async function onLogOut() {
  await logOut();
  await forgetOffice();
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
  whenSignedOut(async (detail) => {
    await forgetOffice();
    signedOutMessage = detail;
    draw();
  });
  window.addEventListener('hashchange', () => draw());
  await draw();
}

start();
