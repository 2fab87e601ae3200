// @ts-check
/**
 * The phone's data key. Derived from the agent's PIN with PBKDF2 and never stored: a lost
 * phone's browser files hold only AES-GCM ciphertext of names and numbers (privacy-security.md).
 */

/** Raise it over time; the count used for a store is kept beside its salt. */
export const PBKDF2_ITERATIONS = 310_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** @typedef {{iv: BufferSource, ct: ArrayBuffer}} Sealed  a value encrypted with AES-GCM */

export function newSalt() {
  return crypto.getRandomValues(new Uint8Array(16));
}

/**
 * PIN + salt → non-extractable AES-GCM-256 key.
 * @param {string} pin
 * @param {BufferSource} salt
 * @param {number} [iterations]
 * @returns {Promise<CryptoKey>}
 */
export async function deriveKey(pin, salt, iterations = PBKDF2_ITERATIONS) {
  if (iterations < 200_000) throw new Error('too few PBKDF2 iterations');
  const base = await crypto.subtle.importKey('raw', encoder.encode(pin), 'PBKDF2', false, [
    'deriveKey',
  ]);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/**
 * PIN + salt → the 256 bits `deriveKey` makes its AES key from (the same PBKDF2 output), for
 * a store whose data key is still the PIN-derived one when its PIN changes.
 * @param {string} pin
 * @param {BufferSource} salt
 * @param {number} iterations
 * @returns {Promise<ArrayBuffer>}
 */
export async function deriveRaw(pin, salt, iterations) {
  if (iterations < 200_000) throw new Error('too few PBKDF2 iterations');
  const base = await crypto.subtle.importKey('raw', encoder.encode(pin), 'PBKDF2', false, [
    'deriveBits',
  ]);
  return crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, 256);
}

/**
 * Raw key bytes → a non-extractable AES-GCM-256 key.
 * @param {BufferSource} raw
 * @returns {Promise<CryptoKey>}
 */
export function importDataKey(raw) {
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

/**
 * The data key's bytes encrypted under a PIN-derived key (changing the PIN re-wraps them,
 * nothing else is re-encrypted).
 * @param {CryptoKey} pinKey
 * @param {BufferSource} raw
 * @returns {Promise<Sealed>}
 */
export async function wrapRaw(pinKey, raw) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  return { iv, ct: await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, pinKey, raw) };
}

/**
 * @param {CryptoKey} pinKey
 * @param {Sealed} wrapped
 * @returns {Promise<ArrayBuffer>}  rejects for a wrong PIN
 */
export function unwrapRaw(pinKey, wrapped) {
  return crypto.subtle.decrypt({ name: 'AES-GCM', iv: wrapped.iv }, pinKey, wrapped.ct);
}

/**
 * The data key of a store or a saved file from its key parameters and the PIN: the
 * PIN-derived key itself, or (after a PIN change) the key wrapped under it.
 * @param {string} pin
 * @param {{salt: BufferSource, iterations: number, wrapped?: Sealed | null}} params
 * @returns {Promise<CryptoKey>}  rejects for a wrong PIN when the key is wrapped
 */
export async function openDataKey(pin, params) {
  const pinKey = await deriveKey(pin, params.salt, params.iterations);
  if (!params.wrapped) return pinKey;
  return importDataKey(await unwrapRaw(pinKey, params.wrapped));
}

/**
 * Encrypt any JSON value (a fresh random IV each time).
 * @param {CryptoKey} key
 * @param {unknown} value
 * @returns {Promise<Sealed>}
 */
export async function seal(key, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = encoder.encode(JSON.stringify(value));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain);
  return { iv, ct };
}

/**
 * Decrypt what `seal` made; rejects on a wrong key or tampered data.
 * @param {CryptoKey} key
 * @param {Sealed} sealed
 * @returns {Promise<any>}
 */
export async function unseal(key, sealed) {
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, key, sealed.ct);
  return JSON.parse(decoder.decode(plain));
}
