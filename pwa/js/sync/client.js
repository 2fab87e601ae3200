// @ts-check
/**
 * The sync loop (sync-protocol.md, "The browser client"): push the outbox in chunks, then
 * pull until `more` is false. One tab per user leads (navigator.locks) and does all network
 * work; the other tabs write to the shared store and nudge the leader over a
 * BroadcastChannel.
 */
import { listen } from './events.js';
import { databaseName } from './store.js';

/** @typedef {import('./store.js').Store} Store */
/**
 * @typedef {object} Status  what the app always shows about unsynced work
 * @property {number} pending  mutations not yet acknowledged
 * @property {number} oldestAgeS  age of the oldest one
 * @property {number | null} lastSyncAt  ms, end of the last complete pull
 * @property {boolean} syncing
 * @property {string | null} error  e.g. 'offline', 'auth_required', 'update_required', 'wiped'
 */
/** @typedef {{ok: boolean, error: string | null}} Outcome */
/**
 * @typedef {object} SyncOptions
 * @property {() => Promise<string | null> | string | null} getToken  the device's bearer token
 * @property {string} [baseUrl]  '' = same origin
 * @property {string} [appVersion]
 */

export const PROTOCOL = 1;
export const SCHEMA_VERSION = 1;
/** Background Sync tag the service worker listens for. */
export const SYNC_TAG = 'terrain-sync';

/**
 * Where the browser has Background Sync, it syncs when the connection is back, also after
 * the tab is gone. Asked only when a change could not be sent: registered while online,
 * the sync event fires at once and each write (a stand-mode tap) set off a whole sync.
 */
function askBackgroundSync() {
  /** @type {any} */
  const sw = navigator.serviceWorker;
  if (sw?.controller) sw.ready.then((/** @type {any} */ r) => r.sync?.register(SYNC_TAG)).catch(() => {});
}
const MAX_BATCH = 100;
const MAX_BATCH_BYTES = 512 * 1024;
const PULL_LIMIT = 500;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 300_000;
const WRITE_DELAY_MS = 1000;
const INTERVAL_MS = 60_000;

/** @param {string} userId */
export const lockName = (userId) => `terrain-sync-${userId}`;

class SyncError extends Error {
  /**
   * @param {string} code
   * @param {{blocked?: boolean, retryAfterMs?: number}} [more]
   *   blocked: retrying cannot help (log in again, update the app) until syncNow()
   */
  constructor(code, { blocked = false, retryAfterMs = 0 } = {}) {
    super(code);
    this.code = code;
    this.blocked = blocked;
    this.retryAfterMs = retryAfterMs;
  }
}

/** @param {Response} response */
function retryAfterMs(response) {
  const header = response.headers.get('Retry-After');
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  return Math.max(0, Date.parse(header) - Date.now()) || 0;
}

/** @param {Response} response @returns {Promise<string | null>} */
async function errorCode(response) {
  try {
    return (await response.clone().json()).error ?? null;
  } catch {
    return null;
  }
}

export class Sync {
  /** @type {Map<string, Set<(detail: any) => void>>} */
  #listeners = new Map();
  /** @type {Promise<Outcome> | null} */
  #running = null;
  #again = false;
  #failures = 0;
  #retryAfter = 0;
  #leader = false;
  #syncing = false;
  /** @type {string | null} */
  #error = null;
  /** @type {string | null} */
  #blocked = null;
  #events = false;
  #abort = new AbortController();
  /** @type {BroadcastChannel | null} */
  #channel = null;
  /** @type {Record<string, ReturnType<typeof setTimeout> | undefined>} */
  #timers = {};

  /**
   * @param {Store} store
   * @param {SyncOptions} options
   */
  constructor(store, { getToken, baseUrl = '', appVersion = '0' }) {
    this.store = store;
    this.getToken = getToken;
    this.baseUrl = baseUrl;
    this.appVersion = appVersion;
  }

  /** Join the tabs of this user; the first one to get the lock syncs. */
  start() {
    const name = lockName(this.store.userId);
    this.#channel = new BroadcastChannel(name);
    this.#channel.onmessage = (event) => this.#onMessage(event.data);
    if (this.store.firstRun) navigator.storage?.persist?.().catch(() => false);
    navigator.locks
      .request(name, { signal: this.#abort.signal }, () => this.#lead())
      .catch(() => {});
    this.#emitStatus();
    return this;
  }

  /**
   * Leave: stop timers and streams, hand the lock to another tab. Resolves once a pass
   * under way has ended.
   */
  async stop() {
    this.#abort.abort();
    this.#channel?.close();
    for (const timer of Object.values(this.#timers)) clearTimeout(timer);
    await this.#running;
  }

  /** Delete this user's whole database; other tabs are closed by `versionchange`. */
  async #wipe() {
    this.#abort.abort();
    for (const timer of Object.values(this.#timers)) clearTimeout(timer);
    this.store.close();
    // Announced first: the deletion may wait for transactions still open in this tab.
    this.#announce('wiped', {});
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(databaseName(this.store.userId));
      request.onsuccess = request.onerror = request.onblocked = resolve;
    });
  }

  get isLeader() {
    return this.#leader;
  }

  async #lead() {
    this.#leader = true;
    const signal = this.#abort.signal;
    const visible = () => document.visibilityState === 'visible';
    const onOnline = () => this.#trigger();
    const onVisibility = () => visible() && this.#trigger();
    addEventListener('online', onOnline);
    document.addEventListener('visibilitychange', onVisibility);
    const interval = setInterval(() => visible() && this.#trigger(), INTERVAL_MS);
    this.#listenForPokes();
    this.#trigger();
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    removeEventListener('online', onOnline);
    document.removeEventListener('visibilitychange', onVisibility);
    clearInterval(interval);
    this.#leader = false;
  }

  #listenForPokes() {
    if (this.#events || this.#abort.signal.aborted) return;
    this.#events = true;
    listen({
      url: `${this.baseUrl}/api/sync/events`,
      getToken: this.getToken,
      onPoke: () => this.#trigger(),
      signal: this.#abort.signal,
    }).finally(() => {
      this.#events = false;
    });
  }

  /** @param {any} message */
  #onMessage(message) {
    if (message?.t === 'kick' && this.#leader) this.#soon();
    if (message?.t === 'now' && this.#leader) this.syncNow();
    if (message?.t === 'status') {
      this.#syncing = message.syncing;
      this.#error = message.error;
      this.#emitStatus();
    }
    if (message?.t === 'change') this.#emit('change', null);
    if (message?.t === 'event') this.#emit(message.name, message.detail);
    if (message?.t === 'attention') {
      this.store.attention().then(
        (all) => {
          const fresh = all.filter((n) => message.seqs.includes(n.seq));
          if (fresh.length) this.#emit('attention', fresh);
        },
        () => {},
      );
    }
  }

  /**
   * Subscribe to 'status', 'attention', 'change', 'auth_required', 'update_required', 'wiped'.
   * @param {string} name
   * @param {(detail: any) => void} callback
   * @returns {() => void} unsubscribe
   */
  on(name, callback) {
    if (!this.#listeners.has(name)) this.#listeners.set(name, new Set());
    this.#listeners.get(name)?.add(callback);
    return () => this.#listeners.get(name)?.delete(callback);
  }

  /** @param {(status: Status) => void} callback  called now and on every change */
  onStatus(callback) {
    const off = this.on('status', callback);
    this.status().then(callback, () => {});
    return off;
  }

  /** @param {(items: any[]) => void} callback  new rejections and conflicts, decrypted */
  onAttention(callback) {
    return this.on('attention', callback);
  }

  /** @param {string} name @param {any} detail */
  #emit(name, detail) {
    for (const callback of this.#listeners.get(name) ?? []) callback(detail);
  }

  /** @param {object} message */
  #broadcast(message) {
    this.#channel?.postMessage(message);
  }

  /**
   * An event every tab of the user should show (log in again, update the app).
   * @param {string} name
   * @param {any} detail
   */
  #announce(name, detail) {
    this.#emit(name, detail);
    this.#broadcast({ t: 'event', name, detail });
  }

  /** @returns {Promise<Status>} */
  async status() {
    const [stats, state] = await Promise.all([this.store.pendingStats(), this.store.state()]);
    return { ...stats, lastSyncAt: state.lastSyncAt, syncing: this.#syncing, error: this.#error };
  }

  #emitStatus() {
    if (!this.#listeners.get('status')?.size) return;
    this.status().then(
      (s) => this.#emit('status', s),
      () => {},
    );
  }

  /** @param {boolean} syncing @param {string | null} error */
  #setState(syncing, error) {
    this.#syncing = syncing;
    this.#error = error;
    this.#broadcast({ t: 'status', syncing, error });
    this.#emitStatus();
  }

  /**
   * A local write (see Store.mutate); syncs about a second later.
   * @param {string} name
   * @param {Record<string, any>} args
   */
  async mutate(name, args) {
    const result = await this.store.mutate(name, args);
    this.#emitStatus();
    if (this.#leader) this.#soon();
    else this.#broadcast({ t: 'kick' });
    if (navigator.onLine === false) askBackgroundSync();
    return result;
  }

  /** @param {string} type @param {string} id */
  get(type, id) {
    return this.store.get(type, id);
  }

  /** @param {Parameters<Store['list']>} args */
  list(...args) {
    return this.store.list(...args);
  }

  exportUnsynced() {
    return this.store.exportUnsynced();
  }

  #soon() {
    clearTimeout(this.#timers.write);
    this.#timers.write = setTimeout(() => this.#trigger(), WRITE_DELAY_MS);
  }

  /** Automatic triggers: only the leader, not while blocked (auth, update), not offline. */
  #trigger() {
    if (!this.#leader || this.#blocked || this.#abort.signal.aborted) return;
    if (navigator.onLine === false) {
      if (this.#error !== 'offline') this.#setState(false, 'offline');
      return;
    }
    this.#run();
  }

  /**
   * "Sync now": clears a blocked state (after a new login) and syncs. In a tab that is not
   * the leader it asks the leader to, and resolves at once with {ok: true, error: 'delegated'}.
   * @returns {Promise<Outcome>}
   */
  syncNow() {
    this.#blocked = null;
    if (!this.#leader) {
      this.#broadcast({ t: 'now' });
      return Promise.resolve({ ok: true, error: 'delegated' });
    }
    return this.#run();
  }

  /** One pass at a time; a request during a pass runs another pass after it. */
  #run() {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      let outcome;
      do {
        this.#again = false;
        outcome = await this.#cycle();
      } while (this.#again && !this.#blocked && navigator.onLine !== false);
      this.#running = null;
      return outcome;
    })();
    return this.#running;
  }

  /** @returns {Promise<Outcome>} */
  async #cycle() {
    clearTimeout(this.#timers.retry);
    this.#setState(true, null);
    const outcome = await this.syncOnce();
    if (outcome.ok) {
      this.#failures = 0;
      this.#listenForPokes();
    } else if (!this.#blocked && !this.#abort.signal.aborted) {
      // Full jitter between half and all of 1 s, 2 s, 4 s … 5 min; Retry-After wins if longer.
      this.#failures += 1;
      const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.#failures - 1));
      const delay = Math.max(this.#retryAfter, ceiling / 2 + (Math.random() * ceiling) / 2);
      this.#timers.retry = setTimeout(() => this.#trigger(), delay);
    }
    this.#setState(false, outcome.error);
    return outcome;
  }

  /**
   * Push, then pull, once; no retry scheduling (the service worker's Background Sync uses
   * this directly and lets the browser retry).
   * @returns {Promise<Outcome>}
   */
  async syncOnce() {
    this.#retryAfter = 0;
    try {
      await this.push();
      await this.pull();
      return { ok: true, error: null };
    } catch (error) {
      if (!(error instanceof SyncError)) return { ok: false, error: 'internal' };
      if (error.code === 'offline' || error.code === 'network') askBackgroundSync();
      if (error.blocked) this.#blocked = error.code;
      this.#retryAfter = error.retryAfterMs;
      return { ok: false, error: error.code };
    }
  }

  /**
   * @param {string} path
   * @param {object} body
   * @param {number[]} [passOn]  statuses the caller handles itself
   */
  async #post(path, body, passOn = []) {
    const token = await this.getToken();
    if (!token) {
      this.#announce('auth_required', { code: null });
      throw new SyncError('auth_required', { blocked: true });
    }
    let response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new SyncError(navigator.onLine === false ? 'offline' : 'network');
    }
    if (response.ok || passOn.includes(response.status)) return response;
    const code = await errorCode(response);
    switch (response.status) {
      case 401:
        if (code === 'wipe_requested') {
          // An admin revoked this device (a lost phone): nothing of it may stay here,
          // unsynced changes included (AC-4).
          await this.#wipe();
          throw new SyncError('wiped', { blocked: true });
        }
        // The outbox stays; after a new login the app calls syncNow().
        this.#announce('auth_required', { code });
        throw new SyncError('auth_required', { blocked: true });
      case 403:
        throw new SyncError('forbidden', { blocked: true });
      case 426:
        this.#announce('update_required', { code });
        throw new SyncError('update_required', { blocked: true });
      case 429:
      case 503:
        throw new SyncError('busy', { retryAfterMs: retryAfterMs(response) });
      default:
        throw new SyncError(response.status >= 500 ? 'server' : 'bad_request');
    }
  }

  /** Send the outbox, oldest first, ≤ 100 mutations and ≤ 512 KB a request. */
  async push() {
    let max = MAX_BATCH;
    let renumbered = 0;
    for (;;) {
      const batch = await this.store.takeBatch(max, MAX_BATCH_BYTES);
      if (!batch.length) return;
      const [state, pending] = await Promise.all([this.store.state(), this.store.pendingStats()]);
      const response = await this.#post(
        '/api/sync/push',
        {
          protocol: PROTOCOL,
          clientGroupID: state.clientGroupID,
          clientID: state.clientID,
          schemaVersion: SCHEMA_VERSION,
          appVersion: this.appVersion,
          pending: { count: pending.pending, oldestAgeS: pending.oldestAgeS },
          mutations: batch,
        },
        [409, 413],
      );
      if (response.status === 413) {
        if (batch.length === 1) throw new SyncError('payload_too_large');
        max = Math.ceil(batch.length / 2);
        continue;
      }
      if (response.status === 409) {
        // ClientStateNotFound: the server lost this client; its pending mutations are new
        // to it under a new clientID.
        if ((await errorCode(response)) !== 'ClientStateNotFound') throw new SyncError('conflict');
        if (++renumbered > 3) throw new SyncError('client_state');
        await this.store.renumber(crypto.randomUUID(), 1);
        continue;
      }
      const answer = await response.json();
      if (typeof answer.lastMutationID !== 'number') throw new SyncError('protocol');
      const notes = await this.store.acknowledge(answer);
      if (notes.length) {
        this.#emit('attention', await this.store.attention(notes));
        this.#broadcast({ t: 'attention', seqs: notes.map((n) => n.seq) });
      }
      this.#emitStatus();
      if (answer.gap) {
        // The server expects an id we no longer hold: number the rest from there.
        if (++renumbered > 3) throw new SyncError('gap');
        await this.store.renumber(null, answer.gap.expected);
      } else if (answer.lastMutationID < batch[0].id) {
        throw new SyncError('protocol');
      }
    }
  }

  /**
   * Pull pages until `more` is false, each written in one transaction. The next page is
   * asked for while this one is being stored (its cookie is in the page): the server's
   * share and the storing overlap. The cookie the store keeps is always that of the last
   * page stored, so an interrupted pull starts again from there. 'change' is announced when
   * a record changed.
   */
  async pull() {
    const state = await this.store.state();
    const ask = (/** @type {unknown} */ cookie) =>
      this.#post('/api/sync/pull', {
        protocol: PROTOCOL,
        clientGroupID: state.clientGroupID,
        schemaVersion: SCHEMA_VERSION,
        cookie,
        limit: PULL_LIMIT,
      }).then((response) => response.json());
    /** @param {Promise<any>} asked */
    const receive = async (asked) => {
      const t0 = performance.now();
      const page = await asked;
      performance.measure('pull-fetch', { start: t0 });
      /** @type {Promise<any> | null} */
      let next = null;
      if (page.more) {
        next = ask(page.cookie);
        next.catch(() => {}); // awaited on the next turn; storing this page may fail first
      }
      const sealing = this.store.sealPage(page);
      sealing.catch(() => {}); // the same
      return { page, sealing, next };
    };
    let current = await receive(ask(state.cookie));
    let changed = false;
    for (;;) {
      changed ||= Boolean(current.page.reset || current.page.patch?.length);
      const writing = this.store.writePage(current.page, await current.sealing);
      // While this page commits, the next one arrives and is encrypted.
      const following = current.next ? receive(current.next) : null;
      following?.catch(() => {});
      await writing;
      if (!following) break;
      current = await following;
    }
    const t1 = performance.now();
    changed = (await this.store.reconcile()) || changed;
    performance.measure('pull-reconcile', { start: t1 });
    // Only when something changed: screens redraw and the decrypted lists are read again.
    if (!changed) return;
    this.#emit('change', null);
    this.#broadcast({ t: 'change' });
  }
}
