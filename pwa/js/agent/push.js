// @ts-check
/**
 * Web Push on this phone: is it possible here, subscribe (after the agent's tap), keep the
 * server's copy current, unsubscribe, and the agent's push preferences (server side, the
 * same on every device). The settings section (settings-extra.js) is the only caller.
 */

/** @typedef {import('./session.js').AgentSession} AgentSession */
/**
 * @typedef {object} Preferences  GET/PUT /api/push/preferences
 * @property {boolean} assigned
 * @property {boolean} intake
 * @property {boolean} sent_back
 * @property {boolean} digest
 * @property {string | null} quiet_start  "HH:MM", Europe/Brussels
 * @property {string | null} quiet_end
 * @property {string} digest_time
 */

/** iPhone or iPad (iPadOS says "Macintosh" but has a touch screen). */
export function isIos() {
  return /iPad|iPhone|iPod/.test(navigator.userAgent) || (/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 1);
}

/** Started from the home screen (the only way iOS allows push, from iOS 16.4). */
export function isStandalone() {
  return (
    window.matchMedia('(display-mode: standalone)').matches ||
    /** @type {any} */ (navigator).standalone === true
  );
}

/** 'unsupported' | 'default' | 'granted' | 'denied' */
export function permission() {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return 'unsupported';
  }
  return Notification.permission;
}

/** @param {string} text base64url */
function bytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** @param {ArrayBuffer | null | undefined} a @param {Uint8Array} b */
function sameKey(a, b) {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

/**
 * @param {AgentSession} session
 * @param {string} method
 * @param {string} path
 * @param {unknown} [json]
 */
async function api(session, method, path, json) {
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${session.token}`, Accept: 'application/json' };
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
    cache: 'no-store',
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

/** This phone's subscription, if any. */
async function current() {
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.getSubscription();
}

/**
 * Is this phone subscribed? Also keeps the server's copy current: it is sent again (the
 * server may have dropped it: a 410, a log-out), and a subscription made for an older
 * server key (after `terrain vapid rotate`) is replaced.
 * @param {AgentSession} session
 */
export async function refresh(session) {
  if (permission() !== 'granted') return false;
  const found = await current();
  if (!found) return false;
  const { public_key: key } = await api(session, 'GET', '/api/push/key');
  if (!sameKey(found.options.applicationServerKey, bytes(key))) {
    await found.unsubscribe();
    return subscribe(session);
  }
  await api(session, 'POST', '/api/push/subscriptions', found.toJSON());
  return true;
}

/**
 * Ask the browser (call only from the agent's tap: browsers refuse otherwise) and subscribe.
 * @param {AgentSession} session
 * @returns {Promise<boolean>} false when the agent said no
 */
export async function subscribe(session) {
  const answer = await Notification.requestPermission();
  if (answer !== 'granted') return false;
  const { public_key: key } = await api(session, 'GET', '/api/push/key');
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: bytes(key),
  });
  await api(session, 'POST', '/api/push/subscriptions', subscription.toJSON());
  return true;
}

/** @param {AgentSession} session */
export async function unsubscribe(session) {
  await api(session, 'DELETE', '/api/push/subscriptions');
  const found = await current();
  if (found) await found.unsubscribe();
}

/** @param {AgentSession} session @returns {Promise<Preferences>} */
export function loadPreferences(session) {
  return api(session, 'GET', '/api/push/preferences');
}

/** @param {AgentSession} session @param {Preferences} preferences */
export function savePreferences(session, preferences) {
  return api(session, 'PUT', '/api/push/preferences', preferences);
}
