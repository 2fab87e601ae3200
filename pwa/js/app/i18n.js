// @ts-check
/**
 * Translations for the app: `t("English msgid")` and `tn(singular, plural, n)`, looked up in
 * the JSON catalog the server builds from the gettext .po files (GET /i18n/{lang}.json).
 * A message missing from the catalog (or a catalog that cannot be fetched) falls back to the
 * English msgid, so the app always says something. Placeholders are `{name}`, as in Python.
 */
import { pluralIndex } from '../i18n/plurals.js';

/** The staff languages, each written in its own name (never translated). */
export const LANGUAGES = Object.freeze([
  { code: 'fr', name: 'Français' },
  { code: 'nl', name: 'Nederlands' },
  { code: 'en', name: 'English' },
]);
export const DEFAULT_LANGUAGE = 'fr';
const COOKIE = 'terrain_lang'; // read by the server too (api/middleware.py)
const TIME_ZONE = 'Europe/Brussels';

/**
 * @typedef {{lang: string, dir: string, plural: string,
 *   messages: Record<string, string | string[]>}} Catalog
 */

/** @type {Catalog} */
let catalog = { lang: 'en', dir: 'ltr', plural: 'en', messages: {} };
let language = DEFAULT_LANGUAGE;

/** @param {string} code */
export function isLanguage(code) {
  return LANGUAGES.some((l) => l.code === code);
}

export function currentLanguage() {
  return language;
}

/** The language the person picked earlier in this browser, if any. */
export function chosenLanguage() {
  const match = document.cookie.match(/(?:^|;\s*)terrain_lang=([a-z]{2})/);
  return match && isLanguage(match[1]) ? match[1] : null;
}

/** Remember an explicit choice; the server answers in it too (error messages). */
export function rememberLanguage(/** @type {string} */ code) {
  document.cookie = `${COOKIE}=${code}; path=/; max-age=31536000; samesite=strict`;
}

/**
 * Switch to `code`: fetch its catalog, then set `<html lang dir>`.
 * @param {string} code
 */
export async function setLanguage(code) {
  const lang = isLanguage(code) ? code : DEFAULT_LANGUAGE;
  let next = { lang, dir: 'ltr', plural: lang, messages: {} };
  try {
    const response = await fetch(`/i18n/${lang}.json`, { headers: { Accept: 'application/json' } });
    if (response.ok) next = await response.json();
  } catch {
    // Offline or no catalog: English msgids (below) keep the app usable.
  }
  catalog = next;
  language = lang;
  document.documentElement.lang = lang;
  document.documentElement.dir = next.dir === 'rtl' ? 'rtl' : 'ltr';
}

/** Catalogs of other languages (hand-over, consent statements), fetched once. */
const others = new Map();

/**
 * A language's catalog, for texts shown in the prospect's language while the app speaks
 * the agent's (the service worker keeps all ten for offline use).
 * @param {string} lang
 * @returns {Promise<Catalog>}
 */
export async function catalogOf(lang) {
  if (lang === language) return catalog;
  if (!others.has(lang)) {
    const loading = fetch(`/i18n/${lang}.json`, { headers: { Accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .catch(() => {
        others.delete(lang);
        return { lang, dir: 'ltr', plural: lang, messages: {} };
      });
    others.set(lang, loading);
  }
  return others.get(lang);
}

/**
 * `msgid` translated with a given catalog (see catalogOf).
 * @param {Catalog} other
 * @param {string} msgid
 * @param {Record<string, string | number>} [params]
 */
export function tIn(other, msgid, params) {
  const found = other.messages[msgid];
  return fill(typeof found === 'string' && found ? found : msgid, params);
}

/**
 * @param {string} text
 * @param {Record<string, string | number>} [params]
 */
function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    name in params ? formatValue(params[name]) : whole,
  );
}

/** @param {string | number} value */
function formatValue(value) {
  return typeof value === 'number' ? formatNumber(value) : value;
}

/**
 * The translation of `msgid` in the current language.
 * @param {string} msgid
 * @param {Record<string, string | number>} [params]
 */
export function t(msgid, params) {
  const found = catalog.messages[msgid];
  return fill(typeof found === 'string' && found ? found : msgid, params);
}

/**
 * The plural form for `n`; `{n}` in the text is replaced by the formatted number.
 * @param {string} singular
 * @param {string} plural
 * @param {number} n
 * @param {Record<string, string | number>} [params]
 */
export function tn(singular, plural, n, params) {
  const forms = catalog.messages[singular];
  const text = Array.isArray(forms)
    ? forms[pluralIndex(catalog.plural, n)] || (n === 1 ? singular : plural)
    : n === 1
      ? singular
      : plural;
  return fill(text, { n, ...params });
}

/** Belgian formatting conventions for the UI language: fr-BE, nl-BE, en-BE. */
function locale() {
  return `${language}-BE`;
}

/** Formatters by locale and options: building one costs more than formatting with it. */
const formatters = new Map();

/** @param {Intl.DateTimeFormatOptions} options @returns {Intl.DateTimeFormat} */
function dateFormat(options) {
  const key = `${locale()} ${JSON.stringify(options)}`;
  let made = formatters.get(key);
  if (!made) {
    made = new Intl.DateTimeFormat(locale(), options);
    formatters.set(key, made);
  }
  return made;
}

/** @param {number} value */
export function formatNumber(value) {
  return new Intl.NumberFormat(locale()).format(value);
}

/** A UTC timestamp from the API as a Brussels calendar date. @param {string} iso */
export function formatDate(iso) {
  return dateFormat({ dateStyle: 'medium', timeZone: TIME_ZONE }).format(new Date(iso));
}

/** A UTC timestamp from the API as Brussels date and time. @param {string} iso */
export function formatDateTime(iso) {
  return dateFormat({ dateStyle: 'medium', timeStyle: 'short', timeZone: TIME_ZONE }).format(
    new Date(iso),
  );
}

/** A moment as its full Brussels calendar day ("vendredi 4 décembre 2026"). @param {Date} at */
export function formatFullDay(at) {
  return dateFormat({ dateStyle: 'full', timeZone: TIME_ZONE }).format(at);
}

/**
 * A calendar day from the API ("2026-11-28", already a Brussels date): formatted as is,
 * without shifting it through a time zone.
 * @param {string} day
 */
export function formatDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  return dateFormat({
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** Today in Brussels as "YYYY-MM-DD" (what the API's due days are compared with). */
export function brusselsToday() {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date());
}
