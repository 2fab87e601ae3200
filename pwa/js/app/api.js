// @ts-check
/**
 * The one way the app talks to the server: JSON over fetch with the bearer token.
 * The token lives in memory and in sessionStorage (it survives a reload of this tab, and
 * is gone when the tab closes); it never goes into a URL. Errors become ApiError, whose
 * `detail` is the server's message, already translated into the request's language.
 */
import { currentLanguage, t } from './i18n.js';

const TOKEN_KEY = 'terrain.token';
/** The device name this browser's tokens carry in the admin's device list. */
const DEVICE_NAME = 'browser';

/** @type {string | null} */
let token = sessionStorage.getItem(TOKEN_KEY);
/** @type {(detail: string) => void} */
let onSignedOut = () => {};

export class ApiError extends Error {
  /**
   * @param {number} status 0 when the server could not be reached
   * @param {string} code stable error code from the API ("invalid_credentials" …)
   * @param {string} detail message for people, in their language
   * @param {Record<string, unknown> | null} [fields] per-field problems of a 422
   * @param {number | null} [retryAfter] seconds, from a 429's Retry-After
   */
  constructor(status, code, detail, fields = null, retryAfter = null) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }
}

export function isLoggedIn() {
  return token !== null;
}

/** Called when the server no longer accepts the token (expired, revoked, logged out). */
export function whenSignedOut(/** @type {(detail: string) => void} */ callback) {
  onSignedOut = callback;
}

function forgetToken() {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * @param {Response} response
 * @returns {Promise<ApiError>}
 */
async function errorOf(response) {
  /** @type {any} */
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not our JSON error shape (a proxy's page, say): the generic message below.
  }
  const retry = Number(response.headers.get('Retry-After'));
  return new ApiError(
    response.status,
    (body && typeof body.error === 'string' && body.error) || 'http_error',
    (body && typeof body.detail === 'string' && body.detail) ||
      t('Something went wrong. Please try again.'),
    body && typeof body.fields === 'object' ? body.fields : null,
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

/**
 * @param {string} method
 * @param {string} path starting with /api/
 * @param {{query?: Record<string, string | number | string[] | null | undefined>,
 *   json?: unknown, form?: URLSearchParams}} [options]
 * @returns {Promise<any>} the decoded JSON body, or null for 204
 */
export async function request(method, path, options = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(options.query || {})) {
    if (value === null || value === undefined || value === '') continue;
    for (const one of Array.isArray(value) ? value : [value])
      url.searchParams.append(name, String(one));
  }
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', 'Accept-Language': currentLanguage() };
  if (token) headers.Authorization = `Bearer ${token}`;
  /** @type {BodyInit | undefined} */
  let body;
  if (options.form) {
    body = options.form;
  } else if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body, cache: 'no-store' });
  } catch {
    throw new ApiError(
      0,
      'network',
      t('Cannot reach the server. Check the connection and try again.'),
    );
  }
  if (response.status === 401 && token) {
    const error = await errorOf(response);
    forgetToken();
    onSignedOut(error.detail);
    throw error;
  }
  if (!response.ok) throw await errorOf(response);
  return response.status === 204 ? null : response.json();
}

/**
 * A GET with the token whose body is not JSON (an export file): the Response as it is.
 * @param {URL} url
 */
export async function authorizedFetch(url) {
  /** @type {Record<string, string>} */
  const headers = { 'Accept-Language': currentLanguage() };
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(url, { headers, cache: 'no-store' });
  } catch {
    throw new ApiError(
      0,
      'network',
      t('Cannot reach the server. Check the connection and try again.'),
    );
  }
}

/**
 * Exchange e-mail and password for a token bound to a new "browser" device.
 * @param {string} email
 * @param {string} password
 */
export async function logIn(email, password) {
  const form = new URLSearchParams({ username: email, password, device_name: DEVICE_NAME });
  const issued = await request('POST', '/api/auth/token', { form });
  token = issued.access_token;
  sessionStorage.setItem(TOKEN_KEY, issued.access_token);
}

/**
 * Hand the token over and forget it here (an agent's token is kept sealed with the PIN
 * key in the agent's store, never in sessionStorage).
 * @returns {string | null}
 */
export function takeToken() {
  const taken = token;
  forgetToken();
  return taken;
}

/** Forget the token here, then revoke it on the server. */
export async function logOut() {
  const revoked = token;
  forgetToken();
  if (!revoked) return;
  try {
    await fetch('/api/auth/logout', {
      method: 'POST',
      headers: { Authorization: `Bearer ${revoked}` },
      cache: 'no-store',
    });
  } catch {
    // Offline: the token is already unusable from this tab; it expires on the server.
  }
}
