// @ts-check
/** Log in with e-mail and password; the server's answer is shown in the person's language. */
import { ApiError, logIn } from '../api.js';
import { t, tn } from '../i18n.js';
import { h, notice, show } from './dom.js';
import { languagePicker } from './language-picker.js';

// Kept across a change of language (which draws the screen again); never the password.
let typedEmail = '';

/**
 * @param {HTMLElement} main
 * @param {{message: string | null, onLanguage: (code: string) => void,
 *   onLoggedIn: () => Promise<void>}} options
 *   `message`: why the person sees this screen again (their session ended), if known
 */
export function renderLogin(main, options) {
  const email = h('input', {
    id: 'login-email',
    name: 'username',
    type: 'email',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    maxlength: 254,
    required: true,
    value: typedEmail,
    oninput: () => {
      typedEmail = /** @type {HTMLInputElement} */ (email).value;
    },
  });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    maxlength: 1024,
    required: true,
  });
  const problems = h('div', { class: 'form-problems' });
  const submit = h('button', { type: 'submit', class: 'button-primary' }, t('Log in'));
  const form = h(
    'form',
    { class: 'stack', novalidate: true, onsubmit: onSubmit },
    h('div', { class: 'field' }, h('label', { for: 'login-email' }, t('E-mail address')), email),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('Password')), password),
    problems,
    submit,
  );
  show(
    main,
    h(
      'section',
      { class: 'login' },
      h(
        'div',
        { class: 'login-top' },
        h('span', { class: 'brand' }, 'Terrain'),
        languagePicker(options.onLanguage),
      ),
      h('h1', { tabindex: -1 }, t('Log in')),
      options.message ? notice(options.message, 'info') : null,
      form,
    ),
  );
  document.title = [t('Log in'), 'Terrain'].join(' – ');

  /** @param {SubmitEvent} event */
  async function onSubmit(event) {
    event.preventDefault();
    const emailValue = /** @type {HTMLInputElement} */ (email).value.trim();
    const passwordValue = /** @type {HTMLInputElement} */ (password).value;
    if (!emailValue || !passwordValue) {
      show(problems, notice(t('Enter your e-mail address and your password.')));
      (emailValue ? password : email).focus();
      return;
    }
    submit.setAttribute('disabled', '');
    submit.textContent = t('Logging in…');
    try {
      await logIn(emailValue, passwordValue);
      typedEmail = '';
      await options.onLoggedIn();
    } catch (error) {
      show(problems, notice(problemText(error)));
      /** @type {HTMLInputElement} */ (password).value = '';
      password.focus();
      submit.removeAttribute('disabled');
      submit.textContent = t('Log in');
    }
  }
}

/** @param {unknown} error */
function problemText(error) {
  if (!(error instanceof ApiError)) return t('Something went wrong. Please try again.');
  if (error.status === 429 && error.retryAfter) {
    const minutes = Math.max(1, Math.ceil(error.retryAfter / 60));
    const wait = tn(
      'You can try again in {n} minute.',
      'You can try again in {n} minutes.',
      minutes,
    );
    return [error.detail, wait].join(' ');
  }
  return error.detail;
}
