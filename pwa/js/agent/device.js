// @ts-check
/**
 * What this phone remembers about its agent between visits, and how it forgets.
 *
 *   localStorage 'terrain.agent'   {userId}: whose store the PIN screen opens (no name, no
 *                                  token: nothing personal in clear)
 *   meta 'device' (user's IndexedDB)  {token, me}, sealed with the PIN-derived key: after the
 *                                  one log-in the PIN alone opens the app, in a new tab or
 *                                  after a restart
 *   meta 'lock'                    {failures}: wrong PINs in a row, in clear (no secret)
 *   localStorage 'terrain.settings'  {idleMinutes}: this phone's preferences
 */
// Not sync/index.js: the PIN screen needs this module, and not the sync client.
import { seal, unseal } from '../sync/crypto.js';
import { databaseName, openDatabase } from '../sync/store.js';

const DEVICE_KEY = 'terrain.agent';
const SETTINGS_KEY = 'terrain.settings';
export const DEFAULT_IDLE_MINUTES = 15;
export const IDLE_CHOICES = Object.freeze([1, 5, 15, 30]);

/** @returns {{userId: string} | null} */
export function deviceUser() {
  try {
    const value = JSON.parse(localStorage.getItem(DEVICE_KEY) || 'null');
    return value && typeof value.userId === 'string' ? { userId: value.userId } : null;
  } catch {
    return null;
  }
}

/** @param {string} userId */
export function rememberDeviceUser(userId) {
  localStorage.setItem(DEVICE_KEY, JSON.stringify({ userId }));
}

export function forgetDeviceUser() {
  localStorage.removeItem(DEVICE_KEY);
}

/** @returns {{idleMinutes: number}} */
export function settings() {
  try {
    const value = JSON.parse(localStorage.getItem(SETTINGS_KEY) || '{}');
    const idle = Number(value.idleMinutes);
    return { idleMinutes: IDLE_CHOICES.includes(idle) ? idle : DEFAULT_IDLE_MINUTES };
  } catch {
    return { idleMinutes: DEFAULT_IDLE_MINUTES };
  }
}

/** @param {{idleMinutes: number}} value */
export function saveSettings(value) {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(value));
}

/**
 * @template T
 * @param {string} userId
 * @param {(db: any) => Promise<T>} work
 * @returns {Promise<T>}
 */
async function withDb(userId, work) {
  const db = await openDatabase(userId);
  try {
    return await work(db);
  } finally {
    db.close();
  }
}

/** Does this user have a store on this phone? (Without creating one.) @param {string} userId */
export async function hasStore(userId) {
  const all = await indexedDB.databases();
  return all.some((d) => d.name === databaseName(userId));
}

/** @param {string} userId @returns {Promise<number>} */
export function failures(userId) {
  return withDb(userId, async (db) => (await db.get('meta', 'lock'))?.failures ?? 0);
}

/** @param {string} userId @param {number} count */
export function setFailures(userId, count) {
  return withDb(userId, (db) => db.put('meta', { failures: count }, 'lock'));
}

/** Unsynced changes, counted without the key (outbox keys are in clear). @param {string} userId */
export function pendingCount(userId) {
  return withDb(userId, (db) => db.count('outbox'));
}

/**
 * @param {import('../sync/store.js').Store} store
 * @param {{token: string, me: any}} device
 */
export async function sealDevice(store, device) {
  const sealed = await seal(store.key, device);
  await store.db.put('meta', sealed, 'device');
}

/**
 * @param {import('../sync/store.js').Store} store
 * @returns {Promise<{token: string | null, me: any} | null>}
 */
export async function openDevice(store) {
  const sealed = await store.db.get('meta', 'device');
  return sealed ? unseal(store.key, sealed) : null;
}

/** @param {BufferSource} bytes */
function base64(bytes) {
  const u8 = ArrayBuffer.isView(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes);
  let text = '';
  for (const b of u8) text += String.fromCharCode(b);
  return btoa(text);
}

/** @param {string} text */
export function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * The outbox as stored (still sealed) with what is needed to open it later with the same
 * PIN: offered before a wipe, when the PIN is not at hand to decrypt it.
 * @param {string} userId
 */
export function sealedOutbox(userId) {
  return withDb(userId, async (db) => {
    const params = await db.get('meta', 'key');
    const entries = await db.getAll('outbox');
    const doc = {
      format: 'terrain-sealed-outbox',
      version: 1,
      exportedAt: new Date().toISOString(),
      salt: base64(params.salt),
      iterations: params.iterations,
      // After a PIN change the data key is wrapped under the PIN's key.
      wrapped: params.wrapped ? { iv: base64(params.wrapped.iv), ct: base64(params.wrapped.ct) } : null,
      mutations: entries.map((/** @type {any} */ e) => ({
        name: e.name,
        v: e.v,
        createdAt: new Date(e.createdAt).toISOString(),
        iv: base64(e.args.iv),
        ct: base64(e.args.ct),
      })),
    };
    return new Blob([JSON.stringify(doc)], { type: 'application/json' });
  });
}

/**
 * Delete this user's store (records, outbox, sealed token) and forget the phone's user.
 * Pages of other tabs close their connection on `versionchange` (see store.js).
 * @param {string} userId
 */
export async function wipeDevice(userId) {
  forgetDeviceUser();
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(databaseName(userId));
    request.onsuccess = request.onerror = request.onblocked = resolve;
  });
  await forgetFormsCache();
  await forgetPushSubscription();
}

/**
 * The browser's push subscription goes with the agent (log-out, revocation, the PIN wipe):
 * whoever uses this phone next subscribes for themself. The server drops its copy on
 * log-out and revocation; this covers a log-out made offline.
 */
export async function forgetPushSubscription() {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    const subscription = await registration?.pushManager?.getSubscription();
    await subscription?.unsubscribe();
  } catch {
    // No worker or no push in this browser: nothing to forget.
  }
}

/** The intake forms the worker cached (public, but they go with the agent). */
export async function forgetFormsCache() {
  if ('caches' in self) await caches.delete('terrain-forms');
}

/** Save a Blob as a file the person can hand over. @param {Blob} blob @param {string} name */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
