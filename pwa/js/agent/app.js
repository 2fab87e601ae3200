// @ts-check
/**
 * The agent app (contract B: the shell hands agents over here). States:
 *
 *   locked     the phone knows its agent (device.js) but holds no key: the PIN screen
 *   unlocked   an AgentSession: screens read and write the local store, sync runs
 *   hand-over  the prospect holds the phone: no menu; leaving it locks the app
 *
 * Hash routes (unlocked):
 *   #/today  #/stand  #/visit  #/sessions/<id>  #/leads  #/leads/new  #/leads/<id>
 *   #/leads/<id>/edit  #/outbox  #/fix/<seq>  #/settings  #/handover  #/handover/<lang>  #/relogin
 */
import { currentLanguage, t } from '../app/i18n.js';
import { announce, h, notice, show } from '../app/ui/dom.js';
import { deviceUser, settings, wipeDevice } from './device.js';
import { watchIdle } from './idle.js';
import { renderChoosePin, renderForgotPin, renderUnlock } from './lock.js';
import { hideChrome, renderChrome } from './ui/chrome.js';

/** @typedef {import('./session.js').AgentSession} AgentSession */
/** @typedef {import('../app/ui/header.js').Me} Me */
/** @typedef {import('../sync/client.js').Status} Status */
/**
 * @typedef {object} Shell  what the app shell (main.js) lends the agent app
 * @property {HTMLElement} main
 * @property {HTMLElement} header
 * @property {(code: string) => Promise<void>} setLanguage  switch the UI language
 * @property {(message: string | null) => void} signedOut  back to the log-in screen
 * @property {(email: string, password: string) => Promise<{me: Me, token: string}>} logIn
 */
/**
 * @typedef {object} Ctx  what every agent screen gets
 * @property {AgentSession} session
 * @property {import('./data.js').LocalData} data
 * @property {Me} me
 * @property {Status} status  the latest sync status
 * @property {(name: string, args: Record<string, any>) => Promise<any>} mutate
 * @property {(hash: string, flash?: string) => void} go
 * @property {() => boolean} isCurrent  false once another screen is drawn
 * @property {string | null} flash  what just succeeded (shown once)
 * @property {URLSearchParams} query
 * @property {Shell} shell
 * @property {(reason?: string | null) => void} lock  forget the key (the reason is shown)
 * @property {() => Promise<void>} logOut  the store deleted (unsent changes checked first)
 * @property {() => void} restartIdle  after the idle time changed
 * @property {(callback: (s: Status) => void) => () => boolean} watchStatus  every new status
 * @property {(lang: string) => void} startHandover
 * @property {() => void} endHandover
 * @property {() => void} redraw
 */

/** Screen modules, loaded on first use (precached by the service worker). */
const SCREENS = /** @type {const} */ ([
  [/^\/today$/, () => import('./screens/today.js'), 'renderToday'],
  [/^\/stand$/, () => import('./screens/stand.js'), 'renderStand'],
  [/^\/visit$/, () => import('./screens/visit.js'), 'renderVisit'],
  [/^\/sessions\/([0-9a-f-]{36})$/, () => import('./screens/summary.js'), 'renderSummary'],
  [/^\/leads$/, () => import('./screens/leads.js'), 'renderLeads'],
  [/^\/leads\/new$/, () => import('./screens/lead-form.js'), 'renderNewLead'],
  [/^\/leads\/([0-9a-f-]{36})$/, () => import('./screens/lead.js'), 'renderLead'],
  [/^\/leads\/([0-9a-f-]{36})\/edit$/, () => import('./screens/lead-form.js'), 'renderEditLead'],
  [/^\/outbox$/, () => import('./screens/outbox.js'), 'renderOutbox'],
  [/^\/fix\/([0-9]{1,9})$/, () => import('./screens/lead-form.js'), 'renderFix'],
  [/^\/settings$/, () => import('./screens/settings.js'), 'renderSettings'],
  [/^\/relogin$/, () => import('./screens/relogin.js'), 'renderRelogin'],
  [/^\/handover$/, () => import('./screens/handover-pick.js'), 'renderHandoverPick'],
]);

/** @type {Shell} */
let shell;
/** @type {AgentSession | null} */
let session = null;
/** @type {Status} */
let status = { pending: 0, oldestAgeS: 0, lastSyncAt: null, syncing: false, error: null };
/** @type {(() => void) | null} */
let stopIdle = null;
/** @type {string | null} the prospect's language while the phone is handed over */
let handoverLang = null;
/** @type {string | null} */
let flash = null;
let drawing = 0;
let started = false;
/** @type {((s: Status) => void) | null} */
let showStatus = null;
/** @type {Set<(s: Status) => void>} */
const statusWatchers = new Set();

/** The phone already belongs to an agent: show the PIN screen. @param {Shell} s */
export function resumeAgent(s) {
  shell = s;
  listenOnce();
  drawLocked(null);
}

/** Is there an agent on this phone (the PIN screen opens the app)? */
export function hasAgent() {
  return deviceUser() !== null;
}

/**
 * After the password log-in of an agent: choose a PIN on a new phone, or enter the PIN of
 * the store already here (the same agent logging in again).
 * @param {Shell} s
 * @param {Me} me
 * @param {string} token
 */
export async function agentLoggedIn(s, me, token) {
  shell = s;
  listenOnce();
  const { hasStore } = await import('./device.js');
  if (await hasStore(me.id)) {
    hideChrome();
    shell.header.hidden = true;
    renderUnlock(shell.main, {
      userId: me.id,
      fresh: { token, me },
      reason: t('This phone already holds your data: enter the PIN you chose for it.'),
      onUnlocked: unlocked,
      onWiped: wiped,
      onForgot: () => forgot(me.id),
    });
  } else {
    shell.header.hidden = true;
    renderChoosePin(shell.main, { me, token, onReady: unlocked });
  }
}

function listenOnce() {
  if (started) return;
  started = true;
  window.addEventListener('hashchange', () => draw());
  // Background Sync wakes the worker, which asks the open pages to sync (sw.js).
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.t === 'sync') session?.sync.syncNow();
  });
}

/** After hand-over the page speaks the agent's language again (lang, dir). */
function restoreDocumentLanguage() {
  document.documentElement.lang = currentLanguage();
  document.documentElement.dir = 'ltr';
}

/** @param {string | null} reason */
function drawLocked(reason) {
  restoreDocumentLanguage();
  const user = deviceUser();
  if (!user) {
    shell.signedOut(reason);
    return;
  }
  hideChrome();
  shell.header.hidden = true;
  renderUnlock(shell.main, {
    userId: user.userId,
    reason,
    onUnlocked: unlocked,
    onWiped: wiped,
    onForgot: () => forgot(user.userId),
  });
}

/** @param {string} userId */
function forgot(userId) {
  renderForgotPin(shell.main, {
    userId,
    onBack: () => drawLocked(null),
    onErased: wiped,
  });
}

/** @param {string} message */
function wiped(message) {
  session = null;
  hideChrome();
  shell.signedOut(message);
}

/** @param {AgentSession} opened */
async function unlocked(opened) {
  session = opened;
  handoverLang = null;
  const me = opened.me;
  if (me.language) await shell.setLanguage(me.language);
  opened.sync.onStatus((s) => {
    status = s;
    showStatus?.(s);
    for (const watcher of statusWatchers) watcher(s);
  });
  opened.sync.on('wiped', async () => {
    // A revoked device (AC-4): the sync client deleted the store; forget the agent too.
    const userId = opened.userId;
    session = null;
    stopIdle?.();
    await wipeDevice(userId);
    wiped(
      t('An administrator disconnected this phone. Its Terrain data was erased. Log in again if you should still have access.'),
    );
  });
  restartIdle();
  if (navigator.onLine !== false) {
    import('./screens/handover-pick.js').then((m) => m.warmForms()).catch(() => {});
  }
  if (!/^#\/(today|stand|visit|sessions|leads|outbox|fix|settings)/.test(location.hash)) {
    history.replaceState(null, '', '#/today');
  }
  await draw();
}

function restartIdle() {
  stopIdle?.();
  stopIdle = watchIdle(settings().idleMinutes, () => lock(t('Locked after a while without use.')));
}

/** Forget the key; the PIN opens the app again. @param {string | null} [reason] */
async function lock(reason = null) {
  stopIdle?.();
  stopIdle = null;
  const closing = session;
  session = null;
  handoverLang = null;
  // The PIN screen first: a sync pass under way may take a moment to end.
  drawLocked(reason);
  await closing?.close();
}

/** Log out completely: the store is deleted (the caller checked for unsent changes). */
async function logOutAgent() {
  const closing = session;
  if (!closing) return;
  const token = closing.token;
  stopIdle?.();
  session = null;
  await closing.close();
  if (token) {
    try {
      await fetch('/api/auth/logout', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        cache: 'no-store',
      });
    } catch {
      // Offline: the token is erased with the store; it expires on the server.
    }
  }
  await wipeDevice(closing.userId);
  hideChrome();
  shell.signedOut(t('You are logged out.'));
}

/** @param {(s: Status) => void} callback */
function watchStatus(callback) {
  statusWatchers.add(callback);
  return () => statusWatchers.delete(callback);
}

function parse() {
  const raw = location.hash.replace(/^#/, '');
  const [path, query = ''] = raw.split('?');
  return { path, query: new URLSearchParams(query) };
}

export async function draw() {
  if (!session) {
    if (deviceUser()) drawLocked(null);
    return;
  }
  const number = ++drawing;
  const { path, query } = parse();
  const handoverRoute = path.match(/^\/handover\/([a-z]{2})$/);
  if (handoverLang && !(handoverRoute && handoverRoute[1] === handoverLang)) {
    // The prospect left the form (back button, edited address): only the PIN goes on.
    await lock(t('The phone came back from hand-over: enter your PIN.'));
    return;
  }
  if (handoverRoute) {
    if (!handoverLang) {
      location.replace('#/handover');
      return;
    }
    hideChrome();
    shell.header.hidden = true;
    const { renderHandover } = await import('../handover/form.js');
    await renderHandover(shell.main, ctxFor(number, query), handoverLang);
    return;
  }
  const found = SCREENS.find(([pattern]) => pattern.test(path));
  if (!found) {
    location.replace('#/today');
    return;
  }
  restoreDocumentLanguage();
  const [pattern, load, name] = found;
  session.data.watch(null); // the screen drawn next subscribes again if it wants to
  const chrome = renderChrome(shell.header, { route: path, onLock: () => lock() });
  showStatus = chrome.status;
  chrome.status(status);
  const module = /** @type {any} */ (await load());
  if (number !== drawing) return;
  const ctx = ctxFor(number, query);
  const match = path.match(pattern);
  try {
    await module[name](shell.main, ctx, match?.[1]);
  } catch (error) {
    if (number !== drawing) return;
    show(
      shell.main,
      h('h1', { tabindex: -1 }, t('Something went wrong')),
      notice(error instanceof Error ? error.message : String(error)),
    );
    console.error(error);
  }
  if (number === drawing && !shell.main.contains(document.activeElement)) {
    /** @type {HTMLElement | null} */ (shell.main.querySelector('h1, [data-autofocus]'))?.focus();
  }
}

/** @param {number} number @param {URLSearchParams} query @returns {Ctx} */
function ctxFor(number, query) {
  const current = /** @type {AgentSession} */ (session);
  const message = flash;
  flash = null;
  return {
    session: current,
    data: current.data,
    me: current.me,
    status,
    mutate: (name, args) => current.mutate(name, args),
    go(hash, message) {
      flash = message ?? null;
      if (message) announce(message);
      if (location.hash === hash) draw();
      else location.hash = hash;
    },
    isCurrent: () => number === drawing,
    flash: message,
    query,
    shell,
    // The app's own functions, lent: a screen never imports this module (which imports
    // the screens), so the imports run one way.
    lock: (reason) => lock(reason ?? null),
    logOut: () => logOutAgent(),
    restartIdle: () => restartIdle(),
    watchStatus: (callback) => watchStatus(callback),
    startHandover(lang) {
      handoverLang = lang;
      location.hash = `#/handover/${lang}`;
    },
    endHandover() {
      lock(null);
    },
    redraw: () => draw(),
  };
}
