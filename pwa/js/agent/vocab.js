// @ts-check
/** Closed vocabularies of the agent screens (labels in app/vocab.js; values as api/vocab.py). */

/** The ten languages a lead may speak, the most frequent in the field first. */
export const LEAD_LANGUAGES = Object.freeze(['fr', 'nl', 'en', 'ar', 'tr', 'es', 'ro', 'pt', 'it', 'de']);
export const NEEDS = Object.freeze(['credit', 'coaching', 'training', 'information']);
export const STAGES = Object.freeze(['idea', 'starting', 'existing', 'in_difficulty']);
/** Channels a session can have (a shop visit has its own short form). */
export const SESSION_CHANNELS = Object.freeze(['coffee_stand', 'community_meeting', 'info_session', 'event', 'other']);
export const LEAD_CHANNELS = Object.freeze([
  'coffee_stand',
  'shop_visit',
  'community_meeting',
  'info_session',
  'partner_referral',
  'phone',
  'walk_in',
  'event',
  'other',
]);
export const TALLY_KINDS = Object.freeze(['coffees', 'conversations', 'flyers']);
/** What an agent logs by hand (status changes are logged by the server). */
export const INTERACTION_KINDS = Object.freeze(['call', 'call_failed', 'conversation', 'visit', 'appointment', 'note']);
export const FOLLOWUP_KINDS = Object.freeze(['call', 'visit', 'appointment', 'message', 'other']);
