// @ts-check
/**
 * The app's entry point and shell (contract B): language, log-in, and the dispatch by role.
 *   agent                the agent app (pwa/js/agent/: PIN lock, local store, offline)
 *   coordinator / admin  the office screens (pwa/js/office/: online, REST), `#/office/...`
 * A phone that already belongs to an agent opens on the PIN screen, with or without a
 * network; otherwise, without a valid session every route shows the log-in screen.
 */
import { isLoggedIn, logIn, logOut, request, takeToken, whenSignedOut } from './api.js';
import {
  DEFAULT_LANGUAGE,
  chosenLanguage,
  currentLanguage,
  isLanguage,
  rememberLanguage,
  setLanguage,
  t,
} from './i18n.js';
import { watchForUpdates } from './pwa.js';
import { hideHeader, renderHeader } from './ui/header.js';
import { renderLogin } from './ui/login.js';

/** @typedef {import('./ui/header.js').Me} Me */

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const header = /** @type {HTMLElement} */ (document.getElementById('app-header'));
// The agent app's record of whose phone this is (pwa/js/agent/device.js), read here so
// that the first screen needs no extra module.
const AGENT_KEY = 'terrain.agent';

/** @type {Me | null} */
let me = null;
/** 'agent' once the agent app owns the screen (it draws its own routes). */
let mode = /** @type {'login' | 'office' | 'agent'} */ ('login');
/** Why the log-in screen shows again (session expired, device revoked …). */
let signedOutMessage = /** @type {string | null} */ (null);
// Each drawing of a screen gets a number; an answer arriving for an older one is dropped.
let drawing = 0;
let firstDrawing = true;

/** The office module, loaded on first use (agents never download it). */
function office() {
  return import('../office/index.js');
}

function agent() {
  return import('../agent/app.js');
}

/** @type {import('../agent/app.js').Shell} */
const shell = {
  main,
  header,
  async setLanguage(code) {
    if (!chosenLanguage() && isLanguage(code) && code !== currentLanguage()) await setLanguage(code);
  },
  signedOut(message) {
    me = null;
    mode = 'login';
    signedOutMessage = message;
    if (location.hash) history.replaceState(null, '', location.pathname);
    draw();
  },
  async logIn(email, password) {
    await logIn(email, password);
    const who = await request('GET', '/api/me');
    return { me: who, token: /** @type {string} */ (takeToken()) };
  },
};

async function draw() {
  if (mode === 'agent') return;
  const number = ++drawing;
  const view = { me: /** @type {Me} */ (me), isCurrent: () => number === drawing };
  const focusHeading = !firstDrawing;
  firstDrawing = false;
  if (!isLoggedIn() || !me) {
    hideHeader(header);
    renderLogin(main, {
      message: signedOutMessage,
      onLanguage: changeLanguage,
      onLoggedIn,
    });
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
  if (mode === 'agent') (await agent()).draw();
  else await draw();
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
  if (me?.role === 'agent') {
    mode = 'agent';
    (await agent()).agentLoggedIn(shell, me, /** @type {string} */ (takeToken()));
    return;
  }
  mode = 'office';
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

/**
 * What the PIN screen needs, fetched in parallel rather than import by import (the session
 * and the sync client come once the PIN screen is up: agent/lock.js).
 */
const AGENT_MODULES = [
  'agent/app.js',
  'agent/device.js',
  'agent/idle.js',
  'agent/lock.js',
  'agent/pin.js',
  'agent/ui/chrome.js',
  'agent/ui/forms.js',
  'agent/ui/time.js',
  'sync/store.js',
  'sync/crypto.js',
  'sync/hlc.js',
  'sync/mutators.js',
];

async function start() {
  // The worker and its precache start once the first screen is up: on a slow network
  // they would otherwise compete with it for the bandwidth.
  if (document.readyState === 'complete') setTimeout(watchForUpdates, 0);
  else addEventListener('load', () => setTimeout(watchForUpdates, 0), { once: true });
  const isAgentPhone = Boolean(localStorage.getItem(AGENT_KEY));
  const chosen = chosenLanguage();
  // The catalog is asked for first; the agent's modules load beside it.
  const languageLoading = setLanguage(chosen || DEFAULT_LANGUAGE);
  if (isAgentPhone) {
    for (const path of [...AGENT_MODULES.map((m) => `/js/${m}`), '/vendor/idb/idb.js']) {
      document.head.append(Object.assign(document.createElement('link'), { rel: 'modulepreload', href: path }));
    }
  }
  const agentLoading = isAgentPhone ? agent() : null;
  await languageLoading;
  whenSignedOut(async (detail) => {
    if (mode === 'agent') return;
    await forgetOffice();
    signedOutMessage = detail;
    draw();
  });
  window.addEventListener('hashchange', () => draw());
  if (agentLoading) {
    // An agent's phone: the PIN opens it, no network needed.
    mode = 'agent';
    (await agentLoading).resumeAgent(shell);
    return;
  }
  if (isLoggedIn()) {
    try {
      await loadMe();
      if (!chosen && me && isLanguage(me.language) && me.language !== currentLanguage()) {
        await setLanguage(me.language);
      }
      if (me?.role === 'agent') {
        // A token from before the agent app (an older tab): log in again to choose a PIN.
        await logOut();
        me = null;
      } else if (me) {
        mode = 'office';
      }
    } catch (error) {
      me = null;
      signedOutMessage = error instanceof Error ? error.message : null;
    }
  }
  await draw();
}

start();
