// @ts-check
/** Log in again after the session ended (token expired): the phone's data stays; sync resumes. */
import { t } from '../../app/i18n.js';
import { h, notice, show } from '../../app/ui/dom.js';
import { titled } from '../ui/common.js';
import { textField } from '../ui/forms.js';

/** @param {HTMLElement} main @param {import('../app.js').Ctx} ctx */
export async function renderRelogin(main, ctx) {
  const email = textField({ name: 'username', label: t('E-mail address'), type: 'email', value: ctx.me.email, autocomplete: 'username' });
  const password = textField({ name: 'password', label: t('Password'), type: 'password', autocomplete: 'current-password' });
  const problems = h('div', { class: 'form-problems' });
  const submit = h('button', { type: 'submit', class: 'button-primary button-wide' }, t('Log in'));
  show(
    main,
    h(
      'div',
      { class: 'screen' },
      h('h1', { tabindex: -1 }, t('Log in again')),
      h('p', null, t('Your changes stay on this phone; they are sent as soon as you are logged in.')),
      h(
        'form',
        {
          class: 'stack panel',
          novalidate: true,
          onsubmit: async (/** @type {Event} */ e) => {
            e.preventDefault();
            submit.setAttribute('disabled', '');
            try {
              const { me, token } = await ctx.shell.logIn(email.input.value.trim(), password.input.value);
              if (me.id !== ctx.me.id) {
                show(problems, notice(t('This phone holds the data of another agent. Log in as that agent.')));
                return;
              }
              await ctx.session.replaceToken(token, me);
              ctx.go('#/today', t('Logged in again; sending your changes.'));
            } catch (error) {
              show(problems, notice(error instanceof Error ? error.message : String(error)));
            } finally {
              submit.removeAttribute('disabled');
            }
          },
        },
        email.field,
        password.field,
        problems,
        submit,
      ),
    ),
  );
  titled(t('Log in again'));
}
