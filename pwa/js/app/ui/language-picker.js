// @ts-check
/** The language picker: staff languages, each written in its own name. */
import { LANGUAGES, currentLanguage, t } from '../i18n.js';
import { h, uid } from './dom.js';

/**
 * @param {(code: string) => void} onPick called with the newly chosen language code
 * @returns {HTMLElement}
 */
export function languagePicker(onPick) {
  const id = uid('language');
  const select = h(
    'select',
    {
      id,
      name: 'language',
      value: currentLanguage(),
      onchange: () => onPick(/** @type {HTMLSelectElement} */ (select).value),
    },
    LANGUAGES.map((l) => h('option', { value: l.code, lang: l.code }, l.name)),
  );
  return h('div', { class: 'language-picker' }, h('label', { for: id }, t('Language')), select);
}
