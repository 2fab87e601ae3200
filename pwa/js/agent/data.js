// @ts-check
/**
 * What the agent screens read: the local store's records (decrypted by the sync client),
 * kept in memory per type until a write or a pull changes that type. Nothing here goes to
 * the network; the screens never call the REST API for agent data.
 */
import { brusselsToday } from '../app/i18n.js';

/** Mutation prefix → record type (as in sync/mutators.js). */
const TYPE_OF = /** @type {Record<string, string>} */ ({
  session: 'outreach_session',
});
/** Record types a server-side effect of a mutation also touches (seen after the next pull). */
const ALSO = /** @type {Record<string, string[]>} */ ({ lead: ['interaction', 'followup'] });

/**
 * @typedef {Record<string, any> & {id: string}} Rec
 */

export class LocalData {
  /** @type {Map<string, Promise<Rec[]>>} */
  #lists = new Map();
  /** @type {(() => void) | null} the screen on show, if it wants to hear of pulls */
  #watcher = null;
  /** @type {(() => void) | null} */
  #off = null;

  /**
   * @param {import('../sync/client.js').Sync} sync
   * @param {{id: string}} me
   */
  constructor(sync, me) {
    this.sync = sync;
    this.me = me;
    this.#off = sync.on('change', () => {
      this.#lists.clear();
      this.#watcher?.();
      this.warm();
    });
  }

  /**
   * Call `callback` after each pull (one screen at a time: the next call replaces it).
   * @param {(() => void) | null} callback
   */
  watch(callback) {
    this.#watcher = callback;
  }

  /** A local write of `name` happened: its record type is read again. @param {string} name */
  changed(name) {
    const prefix = name.split('.', 1)[0];
    this.#lists.delete(TYPE_OF[prefix] ?? prefix);
  }

  forget() {
    this.#off?.();
    this.#lists.clear();
    this.#watcher = null;
  }

  /** @param {string} type @returns {Promise<Rec[]>} */
  list(type) {
    let found = this.#lists.get(type);
    if (!found) {
      found = this.sync.list(type);
      this.#lists.set(type, found);
      found.catch(() => this.#lists.delete(type));
    }
    return found;
  }

  /** Decrypt the lists the screens need most while the agent looks at Today. */
  warm() {
    const idle = /** @type {any} */ (globalThis).requestIdleCallback ?? ((/** @type {any} */ f) => setTimeout(f, 200));
    idle(() => {
      this.list('lead');
      this.openFollowups();
    });
  }

  /** @param {string} type @param {string} id @returns {Promise<Rec | null>} */
  get(type, id) {
    return this.sync.get(type, id);
  }

  /** Is this lead the agent's own: got by them or assigned to them? @param {Rec} lead */
  isMine(lead) {
    if (lead.assigned_to === this.me.id || lead.agent_id === this.me.id) return true;
    // Made on this phone and not yet back from the server.
    return Boolean(lead._pending && !lead.created_at);
  }

  /** Leads a coordinator sent back to this agent, not answered yet; oldest question first. */
  async sentBack() {
    const leads = await this.list('lead');
    return leads
      .filter((l) => l.sent_back_at && !l.answered_at && !l.deleted_at && this.isMine(l))
      .sort((a, b) => (a.sent_back_at < b.sent_back_at ? -1 : 1));
  }

  /** Open follow-ups by lead id, earliest first. */
  async openFollowups() {
    const all = await this.list('followup');
    /** @type {Map<string, Rec[]>} */
    const byLead = new Map();
    for (const f of all) {
      if (f.done_at) continue;
      if (!byLead.has(f.lead_id)) byLead.set(f.lead_id, []);
      byLead.get(f.lead_id)?.push(f);
    }
    for (const list of byLead.values()) list.sort((a, b) => (a.due_on < b.due_on ? -1 : 1));
    return byLead;
  }

  /**
   * The agent's follow-ups due today or earlier, with their lead, oldest first.
   * @returns {Promise<{followup: Rec, lead: Rec, overdue: boolean}[]>}
   */
  async dueFollowups() {
    const today = brusselsToday();
    const due = (await this.list('followup')).filter((f) => !f.done_at && f.due_on <= today);
    // Only the leads with something due are read (not all 2,000: Today shows right after
    // unlock, before the rest of the phone's data is decrypted).
    const ids = [...new Set(due.map((f) => f.lead_id))];
    const leads = await Promise.all(ids.map((id) => this.get('lead', id)));
    const byId = new Map(leads.filter(Boolean).map((l) => [l.id, l]));
    return due
      .map((f) => ({ followup: f, lead: byId.get(f.lead_id), overdue: f.due_on < today }))
      .filter(
        (x) =>
          x.lead &&
          (x.followup.assigned_to === this.me.id ||
            (!x.followup.assigned_to && this.isMine(/** @type {Rec} */ (x.lead)))),
      )
      .sort((a, b) => (a.followup.due_on < b.followup.due_on ? -1 : 1))
      .map((x) => ({ ...x, lead: /** @type {Rec} */ (x.lead) }));
  }

  /** @param {string} leadId  newest first */
  async interactionsOf(leadId) {
    const all = await this.list('interaction');
    return all
      .filter((i) => i.lead_id === leadId)
      .sort((a, b) => (a.occurred_at < b.occurred_at ? 1 : -1));
  }

  /** The agent's session in progress (started, not ended), if any. */
  async currentSession() {
    const sessions = await this.list('outreach_session');
    const mine = sessions.filter(
      (s) => !s.ended_at && (s.agent_id === this.me.id || (s._pending && !s.agent_id)),
    );
    mine.sort((a, b) => (a.started_at < b.started_at ? 1 : -1));
    return mine[0] ?? null;
  }

  /** Totals per tally kind of one session. @param {string} sessionId */
  async tallies(sessionId) {
    const all = await this.list('tally');
    /** @type {Record<string, number>} */
    const totals = { coffees: 0, conversations: 0, flyers: 0 };
    for (const t of all) {
      if (t.session_id === sessionId) totals[t.kind] = (totals[t.kind] ?? 0) + t.delta;
    }
    return totals;
  }

  /** @param {string} sessionId */
  async leadsOfSession(sessionId) {
    return (await this.list('lead')).filter((l) => l.session_id === sessionId);
  }

  /** Venues, the one to visit soonest first (never visited ones last). */
  async venues() {
    const all = await this.list('venue');
    const key = (/** @type {Rec} */ v) => v.next_visit_on || '9999';
    return [...all].sort((a, b) => key(a).localeCompare(key(b)) || a.name.localeCompare(b.name));
  }
}
