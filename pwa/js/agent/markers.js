// @ts-check
/**
 * Target-group markers (product.md), each optional with "prefer not to say". Shown only
 * after the person agreed to answer; migrant background only after a second, explicit
 * agreement. Never shown in lists, and never read back on the phone (the pull leaves them out).
 */
import { t } from '../app/i18n.js';
import { h } from '../app/ui/dom.js';
import { selectField } from './ui/forms.js';

const PREFER = 'prefer_not_to_say';

function yesNo() {
  return [
    { value: 'yes', label: t('Yes') },
    { value: 'no', label: t('No') },
  ];
}

/** @returns {[string, string, {value: string, label: string}[]][]} name, label, choices */
function questions() {
  return [
    ['gender', t('Gender'), [
      { value: 'woman', label: t('Woman') },
      { value: 'man', label: t('Man') },
      { value: 'other', label: t('Other') },
    ]],
    ['age_band', t('Age'), [
      { value: 'under_25', label: t('Under 25') },
      { value: '25_29', label: t('25 to 29') },
      { value: '30_39', label: t('30 to 39') },
      { value: '40_49', label: t('40 to 49') },
      { value: '50_59', label: t('50 to 59') },
      { value: '60_plus', label: t('60 or over') },
    ]],
    ['single_parent', t('Single parent'), yesNo()],
    ['education_level', t('Education'), [
      { value: 'none', label: t('No schooling') },
      { value: 'primary', label: t('Primary school') },
      { value: 'lower_secondary', label: t('Lower secondary') },
      { value: 'upper_secondary', label: t('Upper secondary') },
      { value: 'higher', label: t('Higher education') },
    ]],
    ['job_seeker', t('Looking for a job'), yesNo()],
    ['welfare_income', t('Social welfare income (CPAS/OCMW)'), yesNo()],
    ['no_stable_income', t('No stable income'), yesNo()],
  ];
}

/** @param {string} name @param {string} label @param {{value: string, label: string}[]} choices */
function question(name, label, choices) {
  return selectField({
    name: `marker-${name}`,
    label,
    options: [...choices, { value: PREFER, label: t('Prefers not to say') }],
    empty: t('Not asked'),
  });
}

export function markerFields() {
  const plain = questions().map(([name, label, choices]) => ({ name, ...question(name, label, choices) }));
  const migrant = question('migrant_background', t('Migrant background'), yesNo());
  return {
    field: h('div', { class: 'stack' }, plain.map((q) => q.field)),
    sensitive: migrant.field,
    /**
     * The answers given (questions left "not asked" are left out).
     * @param {boolean} withSensitive
     * @returns {Record<string, string>}
     */
    values(withSensitive) {
      /** @type {Record<string, string>} */
      const out = {};
      for (const q of plain) if (q.select.value) out[q.name] = q.select.value;
      if (withSensitive && migrant.select.value) out.migrant_background = migrant.select.value;
      return out;
    },
  };
}
