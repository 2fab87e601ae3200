// @ts-check
/** Why the server refused a change, for people (rejection codes of api/syncapi/handlers). */
import { t } from '../app/i18n.js';
import { h } from '../app/ui/dom.js';
import { fieldLabel as leadFieldLabel } from '../app/vocab.js';

/** @param {string | null} code */
export function reasonText(code) {
  switch (code) {
    case 'not_found':
      return t('The record is no longer visible to you (reassigned, or deleted).');
    case 'permission_denied':
      return t('You are not allowed to make this change.');
    case 'invalid_input':
    case 'validation_error':
      return t('Some values were not accepted (a phone number or an e-mail address, for example).');
    case 'unknown_reference':
    case 'unknown_session':
    case 'unknown_venue':
    case 'unknown_partner':
      return t('It refers to a session, place or partner the server does not know.');
    case 'invalid_transition':
      return t('This change of status is not allowed.');
    case 'consent_required':
    case 'sensitive_consent_required':
      return t('The consent needed for this is missing.');
    case 'contact_required':
      return t('A phone number or an e-mail address is needed.');
    case 'clock_ahead':
      return t("This phone's date and time are ahead: set them right, then make the change again.");
    case 'invalid_hlc':
      return t('The change carried a malformed timestamp. Make it again.');
    default:
      return t('The server refused this change ({code}).', { code: code || '?' });
  }
}

/** What a mutation was, in words. @param {string} name */
export function mutationLabel(name) {
  /** @type {Record<string, () => string>} */
  const labels = {
    'lead.create': () => t('New lead'),
    'lead.patch': () => t('Lead changed'),
    'lead.delete': () => t('Lead deleted'),
    'lead.answer': () => t('Answer to a coordinator'),
    'interaction.add': () => t('Interaction logged'),
    'interaction.void': () => t('Interaction cancelled'),
    'followup.create': () => t('Follow-up scheduled'),
    'followup.patch': () => t('Follow-up changed'),
    'followup.delete': () => t('Follow-up removed'),
    'session.create': () => t('Session started'),
    'session.patch': () => t('Session changed'),
    'tally.add': () => t('Tally'),
    'venue.create': () => t('New place'),
    'venue.patch': () => t('Place visited'),
  };
  return (labels[name] ?? (() => name))();
}

/** A value as the agent typed it (lists joined, nothing shown as "—"). @param {unknown} value */
export function shown(value) {
  if (value === null || value === undefined || value === '') return h('span', { class: 'muted' }, '—');
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** Where the lead form words a field otherwise than a lead's details do (app/vocab.js). */
const FORM_WORDING = /** @type {Record<string, () => string>} */ ({
  last_name: () => t('Last name (optional)'),
  channel: () => t('How did you meet?'),
  campaign: () => t('Campaign (optional)'),
  consent: () => t('Consent'),
});

/**
 * The lead form's label of a field the server named (null: not a field of the form).
 * @param {string} name
 */
export function fieldLabel(name) {
  const form = FORM_WORDING[name];
  if (form) return form();
  const label = leadFieldLabel(name);
  return label === name ? null : label;
}

/**
 * The fields a rejection's detail names ("fields.email: invalid_email; set.phone: …"):
 * the lead form marks them. @param {string | null | undefined} detail @returns {string[]}
 */
export function refusedFields(detail) {
  const names = new Set();
  for (const part of (detail ?? '').split(';')) {
    const match = part.trim().match(/^(?:fields|set)\.([a-z_]+)/);
    if (match) names.add(match[1]);
  }
  return [...names];
}

const FORM_FIELDS = new Set(['first_name', 'last_name', 'phone', 'email', 'language', 'commune', 'postcode', 'project_idea', 'sector', 'project_stage', 'needs', 'channel', 'campaign']);

/**
 * A refused change the lead form can correct and send again: a new lead, or a change of
 * the fields the form shows (not a status change, for example).
 * @param {{name: string, data: any}} note
 */
export function fixable(note) {
  if (note.name === 'lead.create') return Boolean(note.data?.fields);
  if (note.name === 'lead.patch') return Object.keys(note.data?.set ?? {}).every((k) => FORM_FIELDS.has(k));
  return false;
}
