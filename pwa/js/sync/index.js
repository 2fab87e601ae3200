// @ts-check
/**
 * The browser half of sync. Typical use, after the agent typed the PIN:
 *
 *   const key = await unlock(userId, pin);            // the data key (WrongKeyError: wrong PIN)
 *   const sync = await openSync({ userId, key, getToken });
 *   sync.onStatus(render);  sync.onAttention(show);
 *   await sync.mutate('lead.create', { id: newId(), fields });
 *   await sync.store.list('lead');
 */
import { Sync, lockName } from './client.js';
import { openStore } from './store.js';

export { PROTOCOL, SCHEMA_VERSION, SYNC_TAG, Sync } from './client.js';
export { PBKDF2_ITERATIONS, deriveKey, openDataKey } from './crypto.js';
export { formatHlc, parseHlc } from './hlc.js';
export { newId } from './ids.js';
export { baseOf } from './mutators.js';
export {
  Store,
  WrongKeyError,
  changePin,
  databaseName,
  loadSalt,
  openDatabase,
  openStore,
  unlock,
} from './store.js';
export { seal, unseal } from './crypto.js';

/**
 * Open the user's store and start syncing (this tab syncs if it gets the lock).
 * @param {{userId: string, key: CryptoKey} & import('./client.js').SyncOptions} options
 */
export async function openSync({ userId, key, ...options }) {
  const store = await openStore(userId, key);
  return new Sync(store, options).start();
}

/**
 * For the service worker's `sync` event (tag SYNC_TAG): one push + pull if no page is
 * syncing. The worker needs the key, which only an unlocked page can hand it (postMessage a
 * CryptoKey; it is never stored). Reject so the browser retries later:
 *   event.waitUntil(backgroundSync(opts).then((r) => { if (!r.ok) throw new Error(r.error); }))
 * @param {{userId: string, key: CryptoKey} & import('./client.js').SyncOptions} options
 * @returns {Promise<import('./client.js').Outcome>}
 */
export function backgroundSync({ userId, key, ...options }) {
  const run = navigator.locks.request(lockName(userId), { ifAvailable: true }, async (lock) => {
    if (!lock) return { ok: true, error: 'page_syncing' };
    const store = await openStore(userId, key);
    try {
      return await new Sync(store, options).syncOnce();
    } finally {
      store.close();
    }
  });
  return run.then((outcome) => outcome);
}
