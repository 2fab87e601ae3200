// @ts-check
/**
 * The closed vocabularies the screens show, with their labels. Mirrors api/vocab.py:
 * keep STATUS_TRANSITIONS in step with STATUS_TRANSITIONS there (the server checks every
 * change again and refuses a transition it does not allow).
 */
import { t } from './i18n.js';

/** @type {Readonly<Record<string, () => string>>} */
const STATUS_LABELS = {
  new: () => t('New'),
  contacted: () => t('Contacted'),
  qualified: () => t('Qualified'),
  applied: () => t('Applied'),
  financed: () => t('Financed'),
  coached: () => t('Coached'),
  referred: () => t('Referred'),
  not_eligible: () => t('Not eligible'),
  unreachable: () => t('Unreachable'),
  withdrawn: () => t('Withdrawn'),
};

/** Lead statuses in funnel order. */
export const STATUSES = Object.freeze(Object.keys(STATUS_LABELS));

const SIDE_EXITS = ['referred', 'not_eligible', 'unreachable', 'withdrawn'];

/** @type {Readonly<Record<string, readonly string[]>>} */
export const STATUS_TRANSITIONS = Object.freeze({
  new: ['contacted', 'qualified', ...SIDE_EXITS],
  contacted: ['qualified', ...SIDE_EXITS],
  qualified: ['applied', 'contacted', ...SIDE_EXITS],
  applied: ['financed', 'coached', ...SIDE_EXITS],
  financed: ['coached'],
  coached: ['financed'],
  referred: ['contacted', 'qualified'],
  not_eligible: ['contacted'],
  unreachable: ['contacted', 'qualified'],
  withdrawn: ['contacted'],
});

/** The statuses a lead in `status` may move to, in funnel order. @param {string} status */
export function nextStatuses(status) {
  const allowed = STATUS_TRANSITIONS[status] || [];
  return STATUSES.filter((s) => allowed.includes(s));
}

/** @type {Readonly<Record<string, () => string>>} */
const CHANNEL_LABELS = {
  coffee_stand: () => t('Coffee stand'),
  shop_visit: () => t('Shop visit'),
  community_meeting: () => t('Community meeting'),
  info_session: () => t('Information session'),
  partner_referral: () => t('Partner referral'),
  self_intake: () => t('Self-intake form'),
  phone: () => t('Phone'),
  walk_in: () => t('Walk-in'),
  event: () => t('Event'),
  other: () => t('Other'),
};

/** @type {Readonly<Record<string, () => string>>} */
const INTERACTION_LABELS = {
  conversation: () => t('Conversation'),
  call: () => t('Call'),
  call_failed: () => t('Call without answer'),
  visit: () => t('Visit'),
  appointment: () => t('Appointment'),
  referral: () => t('Referral'),
  note: () => t('Note'),
  status_change: () => t('Status change'),
};

/** @type {Readonly<Record<string, () => string>>} */
const FOLLOWUP_LABELS = {
  call: () => t('Call'),
  visit: () => t('Visit'),
  appointment: () => t('Appointment'),
  message: () => t('Message'),
  other: () => t('Other'),
};

/** @type {Readonly<Record<string, () => string>>} */
const STAGE_LABELS = {
  idea: () => t('Idea'),
  starting: () => t('Starting'),
  existing: () => t('Existing business'),
  in_difficulty: () => t('Business in difficulty'),
};

/** @type {Readonly<Record<string, () => string>>} */
const NEED_LABELS = {
  credit: () => t('Credit'),
  coaching: () => t('Coaching'),
  training: () => t('Training'),
  information: () => t('Information'),
};

/** @type {Readonly<Record<string, () => string>>} */
const ROLE_LABELS = {
  agent: () => t('Community agent'),
  coordinator: () => t('Coordinator'),
  admin: () => t('Administrator'),
};

/** Languages a lead may speak, each in its own name (as i18n.LANGUAGE_NAMES on the server). */
const LANGUAGE_NAMES = Object.freeze({
  fr: 'Français',
  nl: 'Nederlands',
  en: 'English',
  es: 'Español',
  ar: 'العربية',
  it: 'Italiano',
  de: 'Deutsch',
  pt: 'Português',
  tr: 'Türkçe',
  ro: 'Română',
});

/** A lead's fields by name, for details and conflicts (agent app and office). */
const FIELD_LABELS = {
  first_name: () => t('First name'),
  last_name: () => t('Last name'),
  phone: () => t('Phone'),
  email: () => t('E-mail address'),
  language: () => t('Language'),
  commune: () => t('Commune'),
  postcode: () => t('Postcode'),
  project_idea: () => t('Project idea'),
  sector: () => t('Sector'),
  project_stage: () => t('Stage of the project'),
  needs: () => t('Needs'),
  channel: () => t('Channel'),
  campaign: () => t('Campaign'),
  status: () => t('Status'),
};

/**
 * A label from one of the tables above; an unknown value (a newer server) shows as is.
 * @param {Readonly<Record<string, () => string>>} table
 * @param {string} value
 */
function label(table, value) {
  const make = table[value];
  return make ? make() : value;
}

export const statusLabel = (/** @type {string} */ v) => label(STATUS_LABELS, v);
export const channelLabel = (/** @type {string} */ v) => label(CHANNEL_LABELS, v);
export const interactionLabel = (/** @type {string} */ v) => label(INTERACTION_LABELS, v);
export const followupLabel = (/** @type {string} */ v) => label(FOLLOWUP_LABELS, v);
export const stageLabel = (/** @type {string} */ v) => label(STAGE_LABELS, v);
export const needLabel = (/** @type {string} */ v) => label(NEED_LABELS, v);
export const fieldLabel = (/** @type {string} */ v) => label(FIELD_LABELS, v);
export const roleLabel = (/** @type {string} */ v) => label(ROLE_LABELS, v);
export const languageName = (/** @type {string} */ v) =>
  LANGUAGE_NAMES[/** @type {keyof typeof LANGUAGE_NAMES} */ (v)] || v;
