// @ts-check
/**
 * Test-only page module: lets tests/pwa drive pwa/js/sync in real Chromium through
 * `window.T`. Served by the test suite's own app, never by api/main.py.
 */
import { openDB } from '../vendor/idb/idb.js';
import { seal } from '../js/sync/crypto.js';
import { baseOf, databaseName, newId, openSync, unlock } from '../js/sync/index.js';

/** @type {import('../js/sync/client.js').Sync | null} */
let sync = null;
let token = '';
/** @type {{attention: any[], events: any[], statuses: any[]}} */
const seen = { attention: [], events: [], statuses: [] };

function current() {
  if (!sync) throw new Error('not open');
  return sync;
}

/** @param {string} firstName @param {string} phone */
function leadFields(firstName, phone) {
  return {
    first_name: firstName,
    last_name: 'Testperson',
    phone,
    channel: 'coffee_stand',
    language: 'fr',
    consent: {
      purposes: ['contact'],
      text_version: 'test-1',
      text_sha256: 'a'.repeat(64),
      language: 'fr',
    },
  };
}

/**
 * Any stored value as text; bytes are decoded so clear text inside them would show.
 * @param {unknown} value
 * @returns {unknown}
 */
function flatten(value) {
  if (value instanceof ArrayBuffer) return new TextDecoder().decode(value);
  if (ArrayBuffer.isView(value)) return new TextDecoder().decode(value);
  if (Array.isArray(value)) return value.map(flatten);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flatten(v)]));
  }
  return value;
}

const T = {
  /**
   * Unlock with the PIN, open and start syncing; true once this tab leads.
   * @param {string} userId @param {string} pin @param {string} deviceToken
   * @param {number} [waitMs]  how long to wait for the lead
   */
  async open(userId, pin, deviceToken, waitMs = 2000) {
    token = deviceToken;
    const key = await unlock(userId, pin);
    const s = await openSync({ userId, key, getToken: () => token, appVersion: 'test' });
    sync = s;
    s.onAttention((items) => seen.attention.push(...items));
    s.onStatus((status) => seen.statuses.push(status));
    for (const name of ['auth_required', 'update_required', 'wiped']) {
      s.on(name, (detail) => seen.events.push({ name, ...detail }));
    }
    for (let t = 0; t < waitMs && !s.isLeader; t += 10) await new Promise((r) => setTimeout(r, 10));
    return s.isLeader;
  },
  /** @param {string} value */
  setToken(value) {
    token = value;
  },
  newId,
  baseOf,
  leadFields,
  /** @param {string} name @param {Record<string, any>} args */
  mutate: (name, args) => current().mutate(name, args),
  /** @param {Array<[string, string]>} people  [first name, phone] */
  async createLeads(people) {
    const ids = [];
    for (const [firstName, phone] of people) {
      const id = newId();
      await current().mutate('lead.create', { id, fields: leadFields(firstName, phone) });
      ids.push(id);
    }
    return ids;
  },
  isLeader: () => current().isLeader,
  sync: () => current().syncNow(),
  pull: () => current().pull(),
  status: () => current().status(),
  /** @param {string} type */
  list: (type) => current().list(type),
  /** @param {string} type @param {string} id */
  get: (type, id) => current().get(type, id),
  attention: () => current().store.attention(),
  seen: () => seen,
  state: () => current().store.state(),
  outboxIds: () => current().store.db.getAllKeys('outbox'),
  recordCount: () => current().store.db.count('records'),
  exportUnsynced: async () => (await current().exportUnsynced()).text(),
  /**
   * A record as if an earlier pull had brought it (sealed with the store key).
   * @param {string} type @param {string} id @param {Record<string, any>} value
   */
  async putServerRecord(type, id, value) {
    const store = current().store;
    const s = await seal(store.key, value);
    await store.db.put('records', { type, id, version: 1, s, o: null, dirty: 0 });
  },
  /** Forget the pull cookie: the next pull is a reset. */
  async forgetCookie() {
    const tx = current().store.db.transaction('meta', 'readwrite');
    const state = await tx.store.get('state');
    await tx.store.put({ ...state, cookie: null, rev: state.rev + 1 }, 'state');
    await tx.done;
  },
  /** Every stored value of the user's database, bytes decoded as text. @param {string} userId */
  async rawDump(userId) {
    const db = await openDB(databaseName(userId));
    try {
      /** @type {Record<string, unknown>} */
      const dump = {};
      for (const name of db.objectStoreNames) dump[name] = flatten(await db.getAll(name));
      return JSON.stringify(dump);
    } finally {
      db.close();
    }
  },
  async close() {
    const s = current();
    sync = null;
    await s.stop();
    s.store.close();
  },
};

/** @type {any} */ (window).T = T;
