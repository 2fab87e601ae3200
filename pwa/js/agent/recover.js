// @ts-check
/**
 * Put saved unsent changes back into the outbox: a file made by "Export unsent changes"
 * (clear JSON) or by "Save the unsent changes" before a wipe (still sealed: it needs the PIN
 * it was made with). Replaying is safe: records carry their own ids, so a create the server
 * already has is an upsert and an interaction or tally already there is not added twice.
 */
import { openDataKey, unseal } from '../sync/index.js';
import { fromBase64 } from './device.js';

export class NeedsPinError extends Error {}

/**
 * @param {string} text  the file's content
 * @param {string | null} pin  for a sealed file
 * @returns {Promise<{name: string, args: any}[]>}
 */
export async function readSaved(text, pin) {
  const doc = JSON.parse(text);
  if (doc?.format === 'terrain-sealed-outbox') {
    if (!pin) throw new NeedsPinError('pin');
    const key = await openDataKey(pin, {
      salt: fromBase64(doc.salt),
      iterations: doc.iterations,
      wrapped: doc.wrapped ? { iv: fromBase64(doc.wrapped.iv), ct: fromBase64(doc.wrapped.ct).buffer } : null,
    });
    return Promise.all(
      doc.mutations.map(async (/** @type {any} */ m) => ({
        name: m.name,
        args: await unseal(key, { iv: fromBase64(m.iv), ct: fromBase64(m.ct).buffer }),
      })),
    );
  }
  if (Array.isArray(doc?.mutations)) {
    return doc.mutations.map((/** @type {any} */ m) => ({ name: String(m.name), args: m.args }));
  }
  throw new Error('not_a_terrain_file');
}
