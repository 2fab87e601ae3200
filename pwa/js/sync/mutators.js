// @ts-check
/**
 * What a mutation does to the local copy while it waits in the outbox (the "overlay").
 * The server stays the judge: after a pull the overlay is rebuilt from server state plus
 * whatever is still pending, so these only need to be a good guess of the outcome.
 */

/** Mutator prefix → record type used by pull (`patch[].type`). */
const TYPES = /** @type {Record<string, string>} */ ({ session: 'outreach_session' });

/**
 * The record a mutation touches.
 * @param {string} name e.g. "lead.patch"
 * @param {{id?: unknown}} args
 * @returns {{type: string, id: string}}
 */
export function target(name, args) {
  const prefix = name.split('.', 1)[0];
  if (typeof args?.id !== 'string' || !args.id) throw new TypeError('mutation args need an id');
  return { type: TYPES[prefix] ?? prefix, id: args.id };
}

/**
 * The field stamps the UI saw, for lead.patch's `base` (the server sends the stamp most
 * fields share under "*").
 * @param {{_hlc?: Record<string, string>} | null} value  as read with get()/list()
 * @param {string[]} fields
 * @returns {Record<string, string | null>}
 */
export function baseOf(value, fields) {
  const stamps = value?._hlc ?? {};
  return Object.fromEntries(fields.map((f) => [f, stamps[f] ?? stamps['*'] ?? null]));
}

/**
 * Field stamps after writing `fields` at `hlc`.
 * @param {Record<string, any> | null} prev
 * @param {Record<string, unknown>} fields
 * @param {string} hlc
 */
function stamped(prev, fields, hlc) {
  const stamps = { ...(prev?._hlc ?? {}) };
  for (const name of Object.keys(fields)) stamps[name] = hlc;
  return stamps;
}

/**
 * Apply one mutation to the visible value of its record.
 * @param {string} name
 * @param {Record<string, any>} args
 * @param {Record<string, any> | null} prev  current visible value (null: none)
 * @param {string} hlc  the mutation's stamp
 * @returns {Record<string, any> | null}  the new visible value (null: none)
 */
export function applyLocal(name, args, prev, hlc) {
  const verb = name.slice(name.indexOf('.') + 1);
  const at = new Date(Number(hlc.slice(0, 13))).toISOString();
  switch (verb) {
    case 'create': {
      // Most creates wrap their fields ({id, fields}); followup.create's are flat
      // ({id, lead_id, due_on, …}), as the server takes them.
      const { id: _id, fields: wrapped, ...flat } = args;
      const fields = wrapped ?? flat;
      return { ...prev, ...fields, id: args.id, _hlc: stamped(prev, fields, hlc) };
    }
    case 'patch':
    case 'update':
      if (!prev) return prev;
      return { ...prev, ...args.set, _hlc: stamped(prev, args.set ?? {}, hlc) };
    case 'delete':
      return prev && { ...prev, deleted_at: at };
    case 'restore':
      return prev && { ...prev, deleted_at: null };
    case 'add':
      // Immutable inserts (interaction.add, tally.add): the first write wins.
      return prev ?? { ...args };
    case 'answer':
      // lead.answer: the send-back is answered (the server ignores an answer older than it).
      return prev && { ...prev, answered_at: at, answer_note: args.note ?? null };
    case 'void':
      return prev && { ...prev, voided_at: at, void_reason: args.reason ?? null };
    default:
      return prev;
  }
}
