// @ts-check
/**
 * What a person agrees to when an agent records them: the statements below, shown in the
 * person's language on the agent's screen (so they can read them), are the consent text;
 * its SHA-256 and version go into the lead's consent record (privacy-security.md). The
 * self-intake form of hand-over mode uses the public form's own texts instead (contract A).
 */
import { catalogOf, tIn } from '../app/i18n.js';

export const AGENT_CONSENT_VERSION = 'agent-2026-12';

/** @typedef {'contact' | 'markers' | 'sensitive_markers'} Purpose */

/** @typedef {import('../app/i18n.js').Catalog} Catalog */

/** @type {Record<Purpose, (c: Catalog) => string>} */
const STATEMENTS = {
  contact: (c) =>
    // i18n: public
    tIn(c, 'I agree that the organisation contacts me about my project. My data is used only for this, and I can withdraw my agreement at any time.'),
  markers: (c) =>
    // i18n: public
    tIn(c, 'I agree to answer a few questions about my situation (such as age, education or income). The answers are used only for anonymous statistics.'),
  sensitive_markers: (c) =>
    // i18n: public
    tIn(c, 'I explicitly agree to say whether I have a migrant background. This answer is used only for anonymous statistics.'),
};

/**
 * The statement for `purpose` in `lang` (falls back to English, the msgid).
 * @param {Purpose} purpose
 * @param {string} lang
 */
export async function statement(purpose, lang) {
  return STATEMENTS[purpose](await catalogOf(lang));
}

/**
 * The consent record for a lead.create: purposes, text version and hash of the statements
 * as shown, in the person's language.
 * @param {Purpose[]} purposes  'contact' first
 * @param {string} lang
 */
export async function consentRecord(purposes, lang) {
  const texts = await Promise.all(purposes.map((p) => statement(p, lang)));
  const bytes = new TextEncoder().encode(texts.join('\n'));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return {
    purposes,
    text_version: AGENT_CONSENT_VERSION,
    text_sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
    language: lang,
    given_at: new Date().toISOString(),
    channel: 'agent',
  };
}
