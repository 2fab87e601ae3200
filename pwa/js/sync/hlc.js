// @ts-check
/**
 * Hybrid logical clock, same text form as the server's sync/hlc.py:
 * "{wall_ms:013d}-{counter:04x}-{node}", compared as strings. The state lives in IndexedDB
 * so a reload (or a clock set backwards) never issues a smaller stamp.
 */

/** @typedef {{wall: number, counter: number}} HlcState */

const MAX_COUNTER = 0xffff;

/**
 * @param {number} wall
 * @param {number} counter
 * @param {string} node
 */
export function formatHlc(wall, counter, node) {
  return `${String(wall).padStart(13, '0')}-${counter.toString(16).padStart(4, '0')}-${node}`;
}

/**
 * @param {string} stamp
 * @returns {HlcState}
 */
export function parseHlc(stamp) {
  const wall = Number(stamp.slice(0, 13));
  const counter = parseInt(stamp.slice(14, 18), 16);
  if (
    stamp[13] !== '-' ||
    stamp[18] !== '-' ||
    !Number.isSafeInteger(wall) ||
    Number.isNaN(counter)
  ) {
    throw new Error('malformed hlc');
  }
  return { wall, counter };
}

/**
 * Next stamp for a local event.
 * @param {HlcState} last
 * @param {string} node
 * @param {number} [now]
 * @returns {{state: HlcState, stamp: string}}
 */
export function tick(last, node, now = Date.now()) {
  /** @type {HlcState} */
  let state;
  if (now > last.wall) state = { wall: now, counter: 0 };
  else if (last.counter < MAX_COUNTER) state = { wall: last.wall, counter: last.counter + 1 };
  else state = { wall: last.wall + 1, counter: 0 };
  return { state, stamp: formatHlc(state.wall, state.counter, node) };
}

/**
 * Fold in a remote stamp (the server's `serverHLC`): later local stamps sort after it.
 * @param {HlcState} last
 * @param {string | null | undefined} remote
 * @returns {HlcState}
 */
export function receive(last, remote) {
  if (!remote) return last;
  const seen = parseHlc(remote);
  if (seen.wall > last.wall || (seen.wall === last.wall && seen.counter > last.counter)) {
    return seen;
  }
  return last;
}
