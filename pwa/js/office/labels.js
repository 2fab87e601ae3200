// @ts-check
/** Labels of the office screens' vocabularies: funnel stages, groupings, markers, reasons. */
import { t } from '../app/i18n.js';
import { channelLabel, languageName, statusLabel } from '../app/vocab.js';

/** @type {Record<string, () => string>} */
const STAGES = {
  reached: () => t('People reached'),
  new: () => t('New'),
  leads: () => t('Leads'),
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
export const stageLabel = (/** @type {string} */ s) => (STAGES[s] ? STAGES[s]() : s);

/** @type {[string, () => string][]} */
export const GROUPINGS = [
  ['', () => t('No grouping')],
  ['channel', () => t('Channel')],
  ['commune', () => t('Commune')],
  ['agent', () => t('Agent')],
  ['team', () => t('Team')],
  ['partner', () => t('Partner')],
  ['language', () => t('Language')],
  ['cohort', () => t('Month of first contact')],
  ['gender', () => t('Gender')],
  ['age_band', () => t('Age band')],
  ['single_parent', () => t('Single parent')],
  ['education_level', () => t('Education level')],
  ['job_seeker', () => t('Job seeker')],
  ['welfare_income', () => t('Social-welfare income')],
  ['no_stable_income', () => t('No stable income')],
  ['migrant_background', () => t('Migrant background')],
];
export const MARKER_GROUPS = new Set(GROUPINGS.slice(8).map(([key]) => key));

/** @type {Record<string, () => string>} */
const ANSWERS = {
  not_answered: () => t('Not answered'),
  prefer_not_to_say: () => t('Prefer not to say'),
  yes: () => t('Yes'),
  no: () => t('No'),
  woman: () => t('Woman'),
  man: () => t('Man'),
  other: () => t('Other'),
  under_25: () => t('Under 25'),
  '25_29': () => '25–29',
  '30_39': () => '30–39',
  '40_49': () => '40–49',
  '50_59': () => '50–59',
  '60_plus': () => t('60 and over'),
  none: () => t('No schooling'),
  primary: () => t('Primary'),
  lower_secondary: () => t('Lower secondary'),
  upper_secondary: () => t('Upper secondary'),
  higher: () => t('Higher education'),
};

/**
 * How a funnel group is named on screen.
 * @param {string | null} groupBy
 * @param {{key: string | null, label: string | null}} row
 */
export function groupLabel(groupBy, row) {
  if (row.key === null) return t('None');
  if (row.label) return row.label;
  if (groupBy === 'channel') return channelLabel(row.key);
  if (groupBy === 'language') return languageName(row.key);
  if (groupBy === null) return t('All leads');
  const answer = ANSWERS[row.key];
  return answer ? answer() : row.key;
}

/** @type {Record<string, () => string>} */
const TARGET_GROUPS = {
  women: () => t('Women'),
  under_30: () => t('Under 30'),
  over_50: () => t('Over 50'),
  single_parents: () => t('Single parents'),
  no_stable_income: () => t('No stable income'),
  job_seekers: () => t('Job seekers'),
  welfare_income: () => t('Social-welfare income'),
  low_education: () => t('Low education'),
  migrant_background: () => t('Migrant background'),
};
export const targetGroupLabel = (/** @type {string} */ g) =>
  TARGET_GROUPS[g] ? TARGET_GROUPS[g]() : g;

/** @type {Record<string, () => string>} */
const REASONS = {
  same_phone: () => t('Same phone number'),
  same_email: () => t('Same e-mail address'),
  similar_name_same_commune: () => t('Similar name in the same commune'),
  referral_and_stand: () => t('Same name from a partner referral and a coffee stand'),
};
export const reasonLabel = (/** @type {string} */ r) => (REASONS[r] ? REASONS[r]() : r);

/** @type {Record<string, () => string>} */
const REFERRAL_STATUSES = {
  proposed: () => t('Proposed'),
  sent: () => t('Sent'),
  accepted: () => t('Received'),
  in_progress: () => t('Appointment'),
  completed: () => t('Done'),
  declined: () => t('Declined'),
};
export const REFERRAL_STATUS_KEYS = Object.keys(REFERRAL_STATUSES);
export const referralStatusLabel = (/** @type {string} */ s) =>
  REFERRAL_STATUSES[s] ? REFERRAL_STATUSES[s]() : s;

export { statusLabel };
