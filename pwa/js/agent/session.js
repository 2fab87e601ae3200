// @ts-check
/**
 * An unlocked agent session: the PIN-derived key (in memory only), the user's store, the
 * sync loop, the sealed device token and profile. Locking ends it: the key, the store and
 * every decrypted value in memory go; the outbox waits in IndexedDB.
 */
import { Sync, openStore, unlock } from '../sync/index.js';
import { LocalData } from './data.js';
import { openDevice, rememberDeviceUser, sealDevice, setFailures } from './device.js';

/** @typedef {import('../app/ui/header.js').Me} Me */

export const APP_VERSION = '1';

export class AgentSession {
  /**
   * @param {import('../sync/store.js').Store} store
   * @param {{token: string | null, me: Me}} device
   */
  constructor(store, device) {
    this.store = store;
    this.userId = store.userId;
    /** @type {Me} */
    this.me = device.me;
    /** @type {string | null} */
    this.token = device.token;
    this.sync = new Sync(store, {
      getToken: () => this.token,
      appVersion: APP_VERSION,
    });
    this.data = new LocalData(this.sync, this.me);
  }

  start() {
    this.sync.start();
    return this;
  }

  /**
   * A local write (one IndexedDB transaction); the screens' only way to change data.
   * @param {string} name
   * @param {Record<string, any>} args
   */
  async mutate(name, args) {
    const result = await this.sync.mutate(name, args);
    this.data.changed(name);
    return result;
  }

  /** A new log-in on this phone (the old token had expired): keep it sealed, sync now. */
  async replaceToken(/** @type {string} */ token, /** @type {Me} */ me) {
    this.token = token;
    this.me = me;
    await sealDevice(this.store, { token, me });
    this.sync.syncNow();
  }

  /** Stop syncing and forget the key (idle lock, hand-over, log-out). */
  async close() {
    await this.sync.stop();
    this.store.close();
    this.data.forget();
    this.token = null;
  }
}

/**
 * Open the user's store with a PIN. Throws WrongKeyError for a wrong PIN.
 * @param {string} userId
 * @param {string} pin
 * @param {{token: string, me: Me}} [fresh]  after a log-in: the new token and profile
 */
export async function openSession(userId, pin, fresh) {
  const key = await unlock(userId, pin);
  const store = await openStore(userId, key);
  try {
    await setFailures(userId, 0);
    if (fresh) await sealDevice(store, fresh);
    const device = fresh ?? (await openDevice(store));
    if (!device) throw new Error('no_device');
    rememberDeviceUser(userId);
    return new AgentSession(store, device).start();
  } catch (error) {
    store.close();
    throw error;
  }
}
