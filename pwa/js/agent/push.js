// @ts-check
/**
 * Web Push on this phone: is it possible here, subscribe (after the agent's tap), keep the
 * server's copy current, unsubscribe, and the agent's push preferences (server side, the
 * same on every device). The settings section (settings-extra.js) is the only caller; it
 * is drawn by the agent's settings screen and the office's notifications screen, each
 * handing over its own way to call the API (an `Api`).
 */

/** @typedef {import('./session.js').AgentSession} AgentSession */
/**
 * @typedef {(method: string, path: string, json?: unknown) => Promise<any>} Api
 *   a JSON call with this person's token; the body, or null for 204; throws if not ok
 */
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
 * The agent app's API calls (its token is in the unlocked session).
 * @param {AgentSession} session
 * @returns {Api}
 */
export function agentApi(session) {
  return async (method, path, json) => {
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
  };
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
 * @param {Api} api
 */
export async function refresh(api) {
  if (permission() !== 'granted') return false;
  const found = await current();
  if (!found) return false;
  const { public_key: key } = await api('GET', '/api/push/key');
  if (!sameKey(found.options.applicationServerKey, bytes(key))) {
    await found.unsubscribe();
    return subscribe(api);
  }
  await api('POST', '/api/push/subscriptions', found.toJSON());
  return true;
}

/**
 * Ask the browser (call only from the agent's tap: browsers refuse otherwise) and subscribe.
 * @param {Api} api
 * @returns {Promise<boolean>} false when the person said no
 */
export async function subscribe(api) {
  const answer = await Notification.requestPermission();
  if (answer !== 'granted') return false;
  const { public_key: key } = await api('GET', '/api/push/key');
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: bytes(key),
  });
  await api('POST', '/api/push/subscriptions', subscription.toJSON());
  return true;
}

/** @param {Api} api */
export async function unsubscribe(api) {
  await api('DELETE', '/api/push/subscriptions');
  const found = await current();
  if (found) await found.unsubscribe();
}

/** @param {Api} api @returns {Promise<Preferences>} */
export function loadPreferences(api) {
  return api('GET', '/api/push/preferences');
}

/** @param {Api} api @param {Preferences} preferences */
export function savePreferences(api, preferences) {
  return api('PUT', '/api/push/preferences', preferences);
}
