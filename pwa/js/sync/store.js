// @ts-check
/**
 * The phone's copy: one IndexedDB database per user ("terrain-<userId>").
 *
 *   meta       'key' (salt, PBKDF2 count, a sealed check value, and once the PIN changed the
 *              data key wrapped under the new PIN's key) and 'state' (client ids, next
 *              mutation id, HLC, pull cookie, last sync, `rev`)
 *   records    [type, id] → {version, s: sealed server value, o: sealed overlay, dirty?}
 *              (`dirty` is left out of clean records: the index on it holds only the few
 *              that are not, and a first sync writes one index entry per record, not three)
 *   outbox     mutation id → {name, v, hlc, type, rid, sealed args, createdAt}
 *   attention  rejected mutations and reported conflicts
 *
 * Personal data is only ever stored sealed (AES-GCM); ids, types, versions and mutation ids
 * stay in clear so they can be indexed. WebCrypto is asynchronous and an IndexedDB
 * transaction closes as soon as it waits on anything else, so every write encrypts first and
 * then commits in one short transaction that checks `state.rev` did not move meanwhile
 * (another tab, or the sync loop); if it did, the work is redone.
 */
import { openDB, unwrap } from '../../vendor/idb/idb.js';
import {
  PBKDF2_ITERATIONS,
  deriveKey,
  deriveRaw,
  importDataKey,
  newSalt,
  openDataKey,
  seal,
  unseal,
  unwrapRaw,
  wrapRaw,
} from './crypto.js';
import { receive, tick } from './hlc.js';
import { applyLocal, target } from './mutators.js';

/** @typedef {import('./crypto.js').Sealed} Sealed */
/** @typedef {import('../../vendor/idb/idb.js').IDBPDatabase} DB */
/**
 * @typedef {object} State
 * @property {string} clientGroupID  shared by the tabs of this browser profile
 * @property {string} clientID  writer of the outbox
 * @property {number} next  next mutation id
 * @property {number} rev  bumped by every write transaction
 * @property {import('./hlc.js').HlcState} hlc
 * @property {unknown} cookie  opaque pull cursor
 * @property {number | null} lastSyncAt  ms, end of the last complete pull
 */
/**
 * dirty: 0 = server value only, 1 = overlay of pending mutations, 2 = overlay to rebuild
 * (a mutation on it was acknowledged; the next complete pull settles it).
 * @typedef {object} Rec
 * @property {string} type
 * @property {string} id
 * @property {number} version
 * @property {Sealed | null} s  server value
 * @property {Sealed | null} o  overlay: the value with pending mutations applied
 * @property {0 | 1 | 2} [dirty]  absent: 0
 */
/**
 * @typedef {object} Entry  an outbox entry
 * @property {number} id  mutation id
 * @property {string} name
 * @property {number} v
 * @property {string} hlc
 * @property {string} type  record type and id, in clear
 * @property {string} rid
 * @property {Sealed} args
 * @property {number} createdAt  ms
 */
/** @typedef {{id: number, name: string, v: number, hlc: string, args: any}} Mutation */
/**
 * @typedef {object} Note  an attention entry as stored (data sealed)
 * @property {number} [seq]
 * @property {'rejected' | 'conflict'} kind
 * @property {number} mutationId
 * @property {string} name
 * @property {string} type
 * @property {string} rid  record id
 * @property {string | null} code
 * @property {string | null} [detail]  rejected: which fields the server refused, and why (codes)
 * @property {Sealed} data  rejected: the mutation's args; conflict: what the server reported
 * @property {number} at
 */
/** @typedef {{type: string, id: string, version: number, value: any}} PutOp */
/**
 * @typedef {object} PullPage
 * @property {boolean} [reset]
 * @property {Array<{op: string, type: string, id: string, version?: number, value?: any}>} [patch]
 * @property {unknown} [cookie]
 * @property {boolean} [more]
 * @property {string} [serverHLC]
 */

/** 2: no 'type' index (the key [type, id] ranges by type); 'dirty' only on dirty records. */
const DB_VERSION = 2;
const encoder = new TextEncoder();

export class WrongKeyError extends Error {
  constructor() {
    super('wrong_key');
    this.name = 'WrongKeyError';
  }
}

/** @param {string} userId */
export const databaseName = (userId) => `terrain-${userId}`;

/**
 * The user's database, opened (and created on first use) with the store's schema; for
 * what the app keeps beside the records in `meta` (its sealed device token, the PIN
 * failure count) and for reading counts before unlock.
 * @param {string} userId
 */
export function openDatabase(userId) {
  return openDB(databaseName(userId), DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore('meta');
        const records = db.createObjectStore('records', { keyPath: ['type', 'id'] });
        // Sparse: a clean record has no `dirty` and costs no index entry (first sync).
        records.createIndex('dirty', 'dirty');
        db.createObjectStore('outbox', { keyPath: 'id' });
        db.createObjectStore('attention', { keyPath: 'seq', autoIncrement: true });
      } else if (oldVersion < 2) {
        tx.objectStore('records').deleteIndex('type');
      }
    },
    blocking(_current, _next, event) {
      // A newer app version wants to upgrade the schema: let it.
      /** @type {IDBDatabase} */ (event.target).close();
    },
  });
}

/**
 * @typedef {object} KeyParams
 * @property {BufferSource} salt
 * @property {number} iterations
 * @property {Sealed | null} check  'terrain' sealed with the data key
 * @property {Sealed | null} [wrapped]  the data key under the PIN's key (absent: the
 *   PIN-derived key is the data key, as it is until the first PIN change)
 */

/**
 * The key parameters of a user's store, made on first use.
 * @param {DB} db
 * @returns {Promise<KeyParams>}
 */
async function keyParams(db) {
  const tx = db.transaction('meta', 'readwrite');
  let params = await tx.store.get('key');
  if (!params) {
    params = { salt: newSalt(), iterations: PBKDF2_ITERATIONS, check: null };
    await tx.store.put(params, 'key');
  }
  await tx.done;
  return params;
}

/**
 * The user's PBKDF2 salt (kept in `meta`, created on first use): `deriveKey(pin, salt)`.
 * @param {string} userId
 */
export async function loadSalt(userId) {
  const db = await openDatabase(userId);
  try {
    return (await keyParams(db)).salt;
  } finally {
    db.close();
  }
}

/**
 * PIN → the store key, with this store's salt and iteration count.
 * @param {string} userId
 * @param {string} pin
 */
export async function unlock(userId, pin) {
  const db = await openDatabase(userId);
  try {
    const params = await keyParams(db);
    return await openDataKey(pin, params).catch(() => {
      throw new WrongKeyError();
    });
  } finally {
    db.close();
  }
}

/** @param {BufferSource} a @param {BufferSource} b */
function sameBytes(a, b) {
  const view = (/** @type {BufferSource} */ x) =>
    ArrayBuffer.isView(x) ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : new Uint8Array(x);
  const [x, y] = [view(a), view(b)];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * Change the PIN: the data key (the same, so nothing stored is re-encrypted and open tabs
 * keep working) is wrapped under a key derived from the new PIN with a fresh salt. Works
 * offline. Throws WrongKeyError when `oldPin` is not the current PIN.
 * @param {string} userId
 * @param {string} oldPin
 * @param {string} newPin
 */
export async function changePin(userId, oldPin, newPin) {
  const db = await openDatabase(userId);
  try {
    const params = await keyParams(db);
    /** @type {ArrayBuffer} */
    let raw;
    try {
      raw = params.wrapped
        ? await unwrapRaw(await deriveKey(oldPin, params.salt, params.iterations), params.wrapped)
        : await deriveRaw(oldPin, params.salt, params.iterations);
      if (params.check) await unseal(await importDataKey(raw), params.check);
    } catch {
      throw new WrongKeyError();
    }
    const salt = newSalt();
    const wrapped = await wrapRaw(await deriveKey(newPin, salt, PBKDF2_ITERATIONS), raw);
    const tx = db.transaction('meta', 'readwrite');
    /** @type {KeyParams} */
    const now = await tx.store.get('key');
    if (!sameBytes(now.salt, params.salt)) {
      // Another tab changed the PIN meanwhile: the old PIN typed here is no longer it.
      tx.abort();
      await tx.done.catch(() => {});
      throw new WrongKeyError();
    }
    await tx.store.put({ ...now, salt, iterations: PBKDF2_ITERATIONS, wrapped }, 'key');
    await tx.done;
  } finally {
    db.close();
  }
}

/**
 * Open the user's store with the key the app derived after unlock. The first key used is
 * remembered as a sealed check value: a wrong PIN later throws WrongKeyError.
 * @param {string} userId
 * @param {CryptoKey} key
 * @returns {Promise<Store>}
 */
export async function openStore(userId, key) {
  const db = await openDatabase(userId);
  try {
    const params = await keyParams(db);
    if (params.check) {
      await unseal(key, params.check).catch(() => {
        throw new WrongKeyError();
      });
    }
    const check = params.check ?? (await seal(key, 'terrain'));
    /** @type {State} */
    const fresh = {
      clientGroupID: crypto.randomUUID(),
      clientID: crypto.randomUUID(),
      next: 1,
      rev: 0,
      hlc: { wall: 0, counter: 0 },
      cookie: null,
      lastSyncAt: null,
    };
    const tx = db.transaction('meta', 'readwrite');
    const firstRun = !(await tx.store.get('state'));
    if (firstRun) await tx.store.put(fresh, 'state');
    if (!params.check) await tx.store.put({ ...params, check }, 'key');
    await tx.done;
    return new Store(db, key, userId, firstRun);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** @param {string} type @param {string} id */
const keyOf = (type, id) => `${type}\u0000${id}`;

/**
 * Queue a page of writes on the raw object store, with no promise and no listener per
 * request: the transaction's end reports any failure (a failed request aborts it). Awaiting
 * 500 request promises cost more than the writes themselves (a task and a promise each).
 * @param {any} store  an idb-wrapped object store of a readwrite transaction
 * @param {Rec[]} puts
 * @param {Array<[string, string]>} dels
 */
function putAll(store, puts, dels) {
  const raw = /** @type {IDBObjectStore} */ (unwrap(store));
  for (const key of dels) raw.delete(key);
  for (const rec of puts) raw.put(rec);
}

/**
 * Replay pending mutations (in id order) over a value.
 * @param {Array<Entry & {plain: any}>} entries
 * @param {any} base
 */
function replay(entries, base) {
  let value = base;
  for (const e of entries) value = applyLocal(e.name, e.plain, value, e.hlc);
  return value;
}

export class Store {
  /**
   * @param {DB} db
   * @param {CryptoKey} key
   * @param {string} userId
   * @param {boolean} firstRun
   */
  constructor(db, key, userId, firstRun) {
    this.db = db;
    this.key = key;
    this.userId = userId;
    this.firstRun = firstRun;
  }

  close() {
    this.db.close();
  }

  /** @returns {Promise<State>} */
  state() {
    return this.db.get('meta', 'state');
  }

  /**
   * Compute outside any transaction (crypto may await), then commit in one transaction if
   * nothing was written in between; otherwise compute again.
   * @template P
   * @param {string[]} stores
   * @param {(state: State, peeked?: any) => Promise<P | null>} prepare  null: nothing to write
   * @param {(tx: any, state: State, plan: P) => Promise<State>} commit
   * @param {{stores: string[], read: (tx: any) => Promise<any>} | null} [peek]  reads made in
   *   the same transaction as the state's (one round trip instead of two)
   * @returns {Promise<P | null>}
   */
  async #write(stores, prepare, commit, peek = null) {
    for (let attempt = 0; attempt < 50; attempt++) {
      let seen, peeked;
      if (peek) {
        const tx = this.db.transaction(['meta', ...peek.stores]);
        [seen, peeked] = await Promise.all([tx.objectStore('meta').get('state'), peek.read(tx)]);
      } else {
        seen = await this.state();
      }
      const plan = await prepare(seen, peeked);
      if (plan === null) return null;
      const tx = this.db.transaction(['meta', ...stores], 'readwrite');
      const meta = tx.objectStore('meta');
      const now = /** @type {State} */ (await meta.get('state'));
      if (now.rev !== seen.rev) {
        tx.abort();
        await tx.done.catch(() => {});
        continue;
      }
      const next = await commit(tx, now, plan);
      meta.put({ ...next, rev: now.rev + 1 }, 'state'); // a failure fails tx.done
      await tx.done;
      return plan;
    }
    throw new Error('store_busy');
  }

  /**
   * Decrypted record values by IV (unique per ciphertext), so listing 2,000 leads decrypts
   * only what changed since the last list. Copies go out: callers may change them.
   * @type {Map<string, any>}
   */
  #plain = new Map();

  /** @param {Rec} rec @returns {Promise<any>} */
  async #visible(rec) {
    const sealed = rec.o ?? rec.s;
    if (!sealed) return null;
    const { iv } = sealed;
    const bytes = ArrayBuffer.isView(iv)
      ? new Uint8Array(iv.buffer, iv.byteOffset, iv.byteLength)
      : new Uint8Array(iv);
    const id = String.fromCharCode(...bytes);
    let value = this.#plain.get(id);
    if (value === undefined) {
      value = await unseal(this.key, sealed);
      if (this.#plain.size >= 20_000) this.#plain.clear();
      this.#plain.set(id, value);
    }
    return structuredClone(value);
  }

  /** @param {Rec} rec */
  async #reveal(rec) {
    const value = await this.#visible(rec);
    return value && rec.dirty ? { ...value, _pending: true } : value;
  }

  /**
   * @param {Entry[]} entries
   * @returns {Promise<Map<string, Array<Entry & {plain: any}>>>}  by record, in id order
   */
  async #pendingByRecord(entries) {
    const plain = await Promise.all(entries.map((e) => unseal(this.key, e.args)));
    const byRecord = new Map();
    entries.forEach((e, i) => {
      const k = keyOf(e.type, e.rid);
      if (!byRecord.has(k)) byRecord.set(k, []);
      byRecord.get(k).push({ ...e, plain: plain[i] });
    });
    return byRecord;
  }

  /**
   * A record as the UI should show it: server state with pending changes on top
   * (`_pending: true` until the server confirmed them).
   * @param {string} type
   * @param {string} id
   */
  async get(type, id) {
    const rec = await this.db.get('records', [type, id]);
    return rec ? this.#reveal(rec) : null;
  }

  /**
   * @param {string} type
   * @param {((value: any) => boolean) | Record<string, unknown>} [filter]  predicate or equalities
   * @param {{includeDeleted?: boolean}} [options]
   * @returns {Promise<any[]>}
   */
  async list(type, filter = {}, { includeDeleted = false } = {}) {
    const recs = await this.db.getAll('records', IDBKeyRange.bound([type], [type, []]));
    const values = await Promise.all(recs.map((rec) => this.#reveal(rec)));
    const test =
      typeof filter === 'function'
        ? filter
        : (/** @type {any} */ v) => Object.entries(filter).every(([k, x]) => v[k] === x);
    return values.filter((v) => v && (includeDeleted || !v.deleted_at) && test(v));
  }

  /**
   * A local write, in one transaction: allocate the mutation id, stamp the HLC, queue the
   * mutation, update the record's overlay.
   * @param {string} name  e.g. "lead.patch"
   * @param {Record<string, any>} args  e.g. {id, set, base}
   * @returns {Promise<{id: number, hlc: string}>}
   */
  async mutate(name, args) {
    const { type, id } = target(name, args);
    const sealedArgs = await seal(this.key, args);
    // An insert (tally.add, interaction.add) of a new record shows its args as they are:
    // the sealed args are its overlay, no second encryption (a stand-mode tap).
    const insert = name.endsWith('.add');
    if (insert) {
      const done = await this.#insert(name, type, id, sealedArgs);
      if (done) return done;
    }
    const plan = await this.#write(
      ['outbox', 'records'],
      async (state, /** @type {Rec | undefined} */ rec) => {
        const { state: hlc, stamp } = tick(state.hlc, state.clientID);
        if (insert && !rec) return { rec, hlc, stamp, o: sealedArgs, mid: 0 }; // it was deleted meanwhile
        const prev = rec ? await this.#visible(rec) : null;
        const value = applyLocal(name, args, prev, stamp);
        const o = value && value !== prev ? await seal(this.key, value) : null;
        return { rec, hlc, stamp, o, mid: 0 };
      },
      async (tx, state, p) => {
        p.mid = state.next;
        /** @type {Entry} */
        const entry = {
          id: p.mid,
          name,
          v: 1,
          hlc: p.stamp,
          type,
          rid: id,
          args: sealedArgs,
          createdAt: Date.now(),
        };
        // Queued, not awaited: the transaction's end reports a failure.
        unwrap(tx.objectStore('outbox')).add(entry);
        if (p.o) {
          const base = p.rec ?? { type, id, version: 0, s: null };
          unwrap(tx.objectStore('records')).put({ ...base, o: p.o, dirty: p.rec?.dirty === 2 ? 2 : 1 });
        }
        return { ...state, next: p.mid + 1, hlc: p.hlc };
      },
      { stores: ['records'], read: (tx) => tx.objectStore('records').get([type, id]) },
    );
    if (!plan) throw new Error('unreachable');
    return { id: plan.mid, hlc: plan.stamp };
  }

  /**
   * An insert of a new record with nothing left to encrypt: read, stamp and write in one
   * transaction (a stand-mode tap is one round trip to IndexedDB). null: the record
   * exists, the general path decides.
   * @param {string} name @param {string} type @param {string} id @param {Sealed} sealedArgs
   * @returns {Promise<{id: number, hlc: string} | null>}
   */
  async #insert(name, type, id, sealedArgs) {
    const tx = this.db.transaction(['meta', 'outbox', 'records'], 'readwrite');
    const meta = tx.objectStore('meta');
    const records = tx.objectStore('records');
    const [state, rec] = await Promise.all([meta.get('state'), records.get([type, id])]);
    if (rec) {
      tx.abort();
      await tx.done.catch(() => {});
      return null;
    }
    const { state: hlc, stamp } = tick(state.hlc, state.clientID);
    const mid = state.next;
    /** @type {Entry} */
    const entry = { id: mid, name, v: 1, hlc: stamp, type, rid: id, args: sealedArgs, createdAt: Date.now() };
    unwrap(tx.objectStore('outbox')).add(entry);
    unwrap(records).put({ type, id, version: 0, s: null, o: sealedArgs, dirty: 1 });
    unwrap(meta).put({ ...state, next: mid + 1, hlc, rev: state.rev + 1 }, 'state');
    await tx.done;
    return { id: mid, hlc: stamp };
  }

  /** Number and age of unsynced mutations (always visible in the app). */
  async pendingStats() {
    const tx = this.db.transaction('outbox');
    const [count, cursor] = await Promise.all([tx.store.count(), tx.store.openCursor()]);
    const oldest = cursor ? /** @type {Entry} */ (cursor.value).createdAt : Date.now();
    return { pending: count, oldestAgeS: Math.max(0, Math.round((Date.now() - oldest) / 1000)) };
  }

  /**
   * The oldest pending mutations, decrypted for sending: at most `max`, and within
   * `maxBytes` of JSON (always at least one).
   * @param {number} max
   * @param {number} maxBytes
   * @returns {Promise<Mutation[]>}
   */
  async takeBatch(max, maxBytes) {
    /** @type {Entry[]} */
    const entries = await this.db.getAll('outbox', null, max);
    const args = await Promise.all(entries.map((e) => unseal(this.key, e.args)));
    const batch = [];
    let bytes = 0;
    for (const [i, e] of entries.entries()) {
      const m = { id: e.id, name: e.name, v: e.v, hlc: e.hlc, args: args[i] };
      bytes += encoder.encode(JSON.stringify(m)).length + 1;
      if (batch.length && bytes > maxBytes) break;
      batch.push(m);
    }
    return batch;
  }

  /**
   * Apply a push answer: drop every mutation up to `lastMutationID` (acknowledged, applied
   * or rejected), file rejections and conflicts under attention, fold in the server's HLC.
   * @param {object} answer
   * @param {number} answer.lastMutationID
   * @param {Array<{id: number, status: string, code?: string, detail?: string | null, conflicts?: any}>} [answer.results]
   * @param {string} [answer.serverHLC]
   * @returns {Promise<Note[]>}  the new attention entries
   */
  async acknowledge(answer) {
    const results = new Map((answer.results ?? []).map((r) => [r.id, r]));
    const plan = await this.#write(
      ['outbox', 'records', 'attention'],
      async () => {
        /** @type {Entry[]} */
        const done = await this.db.getAll('outbox', IDBKeyRange.upperBound(answer.lastMutationID));
        /** @type {Note[]} */
        const notes = [];
        for (const e of done) {
          const r = results.get(e.id);
          const base = { mutationId: e.id, name: e.name, type: e.type, rid: e.rid, at: Date.now() };
          if (r?.status === 'rejected') {
            // detail names fields and codes only ("fields.email: invalid_email"), never values.
            notes.push({ ...base, kind: 'rejected', code: r.code ?? null, detail: r.detail ?? null, data: e.args });
          }
          if (r?.conflicts && (!Array.isArray(r.conflicts) || r.conflicts.length)) {
            // The server names the fields; the values this phone sent are kept beside
            // them, so the agent sees both (the other one is the record's current value).
            const args = await unseal(this.key, e.args);
            const mine = args?.set ?? args?.fields ?? {};
            notes.push({
              ...base,
              kind: 'conflict',
              code: null,
              data: await seal(this.key, { conflicts: r.conflicts, mine }),
            });
          }
        }
        return { done, notes };
      },
      async (tx, state, p) => {
        const records = tx.objectStore('records');
        const attention = tx.objectStore('attention');
        for (const e of p.done) {
          await tx.objectStore('outbox').delete(e.id);
          /** @type {Rec | undefined} */
          const rec = await records.get([e.type, e.rid]);
          if (rec?.dirty) await records.put({ ...rec, dirty: 2 });
        }
        for (const note of p.notes) note.seq = await attention.add(note);
        return { ...state, hlc: receive(state.hlc, answer.serverHLC) };
      },
    );
    return plan?.notes ?? [];
  }

  /**
   * Give the pending mutations new ids from `from` on (the server lost this client's state,
   * or expects an id we no longer hold), optionally under a new clientID.
   * @param {string | null} clientID
   * @param {number} from
   */
  async renumber(clientID, from) {
    await this.#write(
      ['outbox'],
      () => this.db.getAll('outbox'),
      async (tx, state, /** @type {Entry[]} */ entries) => {
        const outbox = tx.objectStore('outbox');
        await outbox.clear();
        for (const [i, e] of entries.entries()) await outbox.add({ ...e, id: from + i });
        return { ...state, clientID: clientID ?? state.clientID, next: from + entries.length };
      },
    );
  }

  /**
   * Write one pulled page in one transaction. `reset` clears the server copy (never the
   * outbox) and puts the overlay of every pending mutation back.
   * @param {PullPage} page
   */
  async applyPage(page) {
    await this.writePage(page, await this.sealPage(page));
  }

  /**
   * The encrypting half of applyPage (no database work): the pull loop seals the next
   * page while this one's transaction commits.
   * @param {PullPage} page
   */
  async sealPage(page) {
    // The server leaves out the id and null fields of a value; records carry their id.
    const ops = (page.patch ?? []).map((op) =>
      op.op === 'put' ? { ...op, value: { ...op.value, id: op.id } } : op,
    );
    const t0 = performance.now();
    const sealed = await Promise.all(
      ops.map((op) => (op.op === 'put' ? seal(this.key, op.value) : null)),
    );
    performance.measure('pull-seal', { start: t0 });
    return { ops, sealed };
  }

  /**
   * The writing half of applyPage: one transaction.
   * @param {PullPage} page
   * @param {{ops: Array<{op: string, type: string, id: string, version?: number, value?: any}>, sealed: Array<Sealed | null>}} prepared  from sealPage
   */
  async writePage(page, { ops, sealed }) {
    const t1 = performance.now();
    await this.#write(
      ['records', 'outbox'],
      async (_state, /** @type {Entry[]} */ entries) => {
        const touched = new Set(ops.map((op) => keyOf(op.type, op.id)));
        const mine = await this.#pendingByRecord(
          page.reset ? entries : entries.filter((e) => touched.has(keyOf(e.type, e.rid))),
        );
        /** @type {Rec[]} */
        const puts = [];
        /** @type {Array<[string, string]>} */
        const dels = [];
        /**
         * @param {string} type @param {string} id @param {number} version
         * @param {any} base @param {Sealed | null} s
         */
        const place = async (type, id, version, base, s) => {
          const pending = mine.get(keyOf(type, id));
          mine.delete(keyOf(type, id));
          const value = pending ? replay(pending, base) : null;
          if (value) puts.push({ type, id, version, s, o: await seal(this.key, value), dirty: 1 });
          else if (s) puts.push(pending ? { type, id, version, s, o: null, dirty: 1 } : { type, id, version, s, o: null });
          else dels.push([type, id]);
        };
        for (const [i, op] of ops.entries()) {
          if (op.op === 'put') await place(op.type, op.id, op.version ?? 0, op.value, sealed[i]);
          else await place(op.type, op.id, 0, null, null);
        }
        // After a reset, records that exist only through pending mutations come back too.
        for (const pending of [...mine.values()])
          await place(pending[0].type, pending[0].rid, 0, null, null);
        return { puts, dels };
      },
      async (tx, state, p) => {
        const records = tx.objectStore('records');
        if (page.reset) await records.clear();
        putAll(records, p.puts, p.dels);
        return {
          ...state,
          cookie: page.cookie ?? null,
          hlc: receive(state.hlc, page.serverHLC),
          lastSyncAt: page.more ? state.lastSyncAt : Date.now(),
        };
      },
      { stores: ['outbox'], read: (tx) => tx.objectStore('outbox').getAll() },
    );
    performance.measure('pull-store', { start: t1 });
  }

  /**
   * After a complete pull the server copy holds every acknowledged mutation's effect (I6):
   * drop overlays nothing is pending for, rebuild those marked for it.
   * @returns {Promise<boolean>}  whether a record changed
   */
  async reconcile() {
    const plan = await this.#write(
      ['records', 'outbox'],
      async () => {
        /** @type {Rec[]} */
        const dirty = await this.db.getAllFromIndex('records', 'dirty', IDBKeyRange.lowerBound(1));
        if (!dirty.length) return null;
        /** @type {Entry[]} */
        const entries = await this.db.getAll('outbox');
        const keys = new Set(dirty.filter((r) => r.dirty === 2).map((r) => keyOf(r.type, r.id)));
        const mine = await this.#pendingByRecord(
          entries.filter((e) => keys.has(keyOf(e.type, e.rid))),
        );
        const pendingKeys = new Set(entries.map((e) => keyOf(e.type, e.rid)));
        /** @type {Rec[]} */
        const puts = [];
        /** @type {Array<[string, string]>} */
        const dels = [];
        for (const rec of dirty) {
          const k = keyOf(rec.type, rec.id);
          if (!pendingKeys.has(k)) {
            const { dirty: _, ...clean } = rec;
            if (rec.s) puts.push({ ...clean, o: null });
            else dels.push([rec.type, rec.id]);
          } else if (rec.dirty === 2) {
            const value = replay(mine.get(k) ?? [], rec.s ? await unseal(this.key, rec.s) : null);
            if (value) puts.push({ ...rec, o: await seal(this.key, value), dirty: 1 });
            else if (rec.s) puts.push({ ...rec, o: null, dirty: 1 });
            else dels.push([rec.type, rec.id]);
          }
        }
        return { puts, dels };
      },
      async (tx, state, p) => {
        putAll(tx.objectStore('records'), p.puts, p.dels);
        return state;
      },
    );
    return Boolean(plan && (plan.puts.length || plan.dels.length));
  }

  /**
   * What needs the agent's attention, decrypted (`data`: the rejected mutation's args, or
   * the conflicts the server reported).
   * @param {Note[]} [notes]  these entries only (default: all)
   */
  async attention(notes) {
    /** @type {Note[]} */
    const stored = notes ?? (await this.db.getAll('attention'));
    return Promise.all(
      stored.map(async ({ data, rid, ...rest }) => ({
        ...rest,
        id: rid,
        data: await unseal(this.key, data),
      })),
    );
  }

  /** @param {number} seq */
  async dismiss(seq) {
    await this.db.delete('attention', seq);
  }

  /** "Export unsynced data": the pending mutations, decrypted, as a JSON file. */
  async exportUnsynced() {
    /** @type {Entry[]} */
    const entries = await this.db.getAll('outbox');
    const state = await this.state();
    const mutations = await Promise.all(
      entries.map(async (e) => ({
        id: e.id,
        name: e.name,
        v: e.v,
        hlc: e.hlc,
        createdAt: new Date(e.createdAt).toISOString(),
        args: await unseal(this.key, e.args),
      })),
    );
    const doc = {
      exportedAt: new Date().toISOString(),
      clientGroupID: state.clientGroupID,
      clientID: state.clientID,
      mutations,
    };
    return new Blob([JSON.stringify(doc, null, 1)], { type: 'application/json' });
  }
}
