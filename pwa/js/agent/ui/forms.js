// @ts-check
/**
 * Form controls of the agent screens: every control has a visible label, tap targets are
 * at least 44 px (css), choices are big "chips" (radio buttons or checkboxes styled as
 * buttons: one tap each, readable by screen readers as what they are).
 */
import { h, uid } from '../../app/ui/dom.js';

/**
 * @param {{name: string, label: string, type?: string, value?: string | null,
 *   required?: boolean, autocomplete?: string, inputmode?: string, hint?: string,
 *   maxlength?: number, lang?: string, multiline?: boolean, rows?: number, min?: string}} o
 */
export function textField(o) {
  const id = uid(o.name);
  const hintId = o.hint ? `${id}-hint` : null;
  const input = h(o.multiline ? 'textarea' : 'input', {
    id,
    name: o.name,
    type: o.multiline ? null : o.type || 'text',
    value: o.value ?? '',
    required: o.required || null,
    'aria-required': o.required ? 'true' : null,
    autocomplete: o.autocomplete || 'off',
    inputmode: o.inputmode || null,
    maxlength: o.maxlength || null,
    rows: o.multiline ? o.rows || 3 : null,
    min: o.min || null,
    lang: o.lang || null,
    'aria-describedby': hintId,
  });
  const field = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, o.label),
    hintId ? h('p', { id: hintId, class: 'hint' }, o.hint) : null,
    input,
  );
  return { field, input: /** @type {HTMLInputElement} */ (input) };
}

/**
 * Radio buttons (one answer) or checkboxes (several) drawn as large chips.
 * @param {{name: string, legend: string, options: {value: string, label: string, lang?: string}[],
 *   value?: string | string[] | null, multiple?: boolean, required?: boolean,
 *   onchange?: () => void, compact?: boolean}} o
 */
export function chips(o) {
  const chosen = new Set(Array.isArray(o.value) ? o.value : o.value ? [o.value] : []);
  const inputs = o.options.map((option) => {
    const input = /** @type {HTMLInputElement} */ (
      h('input', {
        type: o.multiple ? 'checkbox' : 'radio',
        name: o.name,
        value: option.value,
        class: 'chip-input',
        onchange: o.onchange,
      })
    );
    input.checked = chosen.has(option.value);
    return { input, option };
  });
  const fieldset = h(
    'fieldset',
    { class: o.compact ? 'chips chips-compact' : 'chips' },
    h('legend', null, o.legend),
    h(
      'div',
      { class: 'chip-row' },
      inputs.map(({ input, option }) =>
        h('label', { class: 'chip', lang: option.lang || null }, input, h('span', null, option.label)),
      ),
    ),
  );
  return {
    field: fieldset,
    /** @returns {string | null} */
    value: () => inputs.find((i) => i.input.checked)?.option.value ?? null,
    /** @returns {string[]} */
    values: () => inputs.filter((i) => i.input.checked).map((i) => i.option.value),
    /** @param {string | string[] | null} next */
    set(next) {
      const want = new Set(Array.isArray(next) ? next : next ? [next] : []);
      for (const i of inputs) i.input.checked = want.has(i.option.value);
    },
    focus: () => inputs[0]?.input.focus(),
  };
}

/**
 * @param {{name: string, label: string, options: {value: string, label: string}[],
 *   value?: string | null, empty?: string | null, onchange?: () => void}} o
 *   `empty`: the label of a first, empty choice (none: no empty choice)
 */
export function selectField(o) {
  const id = uid(o.name);
  const select = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id, name: o.name, value: o.value ?? '', onchange: o.onchange },
      o.empty !== undefined && o.empty !== null ? h('option', { value: '' }, o.empty) : null,
      o.options.map((x) => h('option', { value: x.value }, x.label)),
    )
  );
  return { field: h('div', { class: 'field' }, h('label', { for: id }, o.label), select), select };
}

/** @param {{name: string, label: string, checked?: boolean, hint?: string, onchange?: () => void, lang?: string}} o */
export function checkbox(o) {
  const id = uid(o.name);
  const input = /** @type {HTMLInputElement} */ (
    h('input', { id, type: 'checkbox', name: o.name, onchange: o.onchange })
  );
  input.checked = Boolean(o.checked);
  const hintId = o.hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return {
    field: h(
      'div',
      { class: 'check' },
      input,
      h('label', { for: id, lang: o.lang || null }, o.label),
      hintId ? h('p', { id: hintId, class: 'hint' }, o.hint) : null,
    ),
    input,
  };
}

/** Problems shown above the submit button (role=alert). */
export function problemsBox() {
  return h('div', { class: 'form-problems' });
}
