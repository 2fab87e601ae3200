// @ts-check
/**
 * Settings → change the PIN: the current PIN, then the new one twice. Only the wrapping of
 * the phone's data key changes (sync/store.js changePin), so it works offline and takes the
 * time of two key derivations. A wrong current PIN counts as a wrong PIN on the lock screen:
 * near the limit the app locks, and the lock screen's warning and wipe take over.
 */
import { t, tn } from '../app/i18n.js';
import { h, notice, show } from '../app/ui/dom.js';
import { WrongKeyError, changePin } from '../sync/index.js';
import { failures, setFailures } from './device.js';
import { pinInput, pinProblemText } from './lock.js';
import { MAX_FAILURES, pinProblem } from './pin.js';

/**
 * @param {import('./app.js').Ctx} ctx
 * @returns {HTMLElement}
 */
export function pinChangeForm(ctx) {
  const userId = ctx.session.userId;
  const old = pinInput(t('Current PIN'), 'pin-current', 'current-password');
  const next = pinInput(t('New PIN (6 to 12 digits)'), 'pin-new', 'new-password');
  const again = pinInput(t('Type the new PIN again'), 'pin-new-again', 'new-password');
  const problems = h('div', { class: 'form-problems', 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'button-secondary' }, t('Change the PIN'));
  const form = h(
    'form',
    { class: 'stack pin-change', novalidate: true, onsubmit: onSubmit },
    old.field,
    next.field,
    again.field,
    problems,
    submit,
  );
  return form;

  /** @param {string} message @param {HTMLInputElement} input */
  function problem(message, input) {
    show(problems, notice(message));
    input.focus();
  }

  /** @param {Event} event */
  async function onSubmit(event) {
    event.preventDefault();
    problems.replaceChildren();
    const current = old.input.value;
    const pin = next.input.value;
    if (!current) return problem(t('Enter your PIN.'), old.input);
    const bad = pinProblem(pin);
    if (bad) return problem(pinProblemText(bad), next.input);
    if (again.input.value !== pin) {
      again.input.value = '';
      return problem(t('The two PINs differ. Type the same PIN twice.'), again.input);
    }
    if (pin === current) return problem(t('The new PIN is the same as the current one.'), next.input);
    submit.setAttribute('disabled', '');
    submit.textContent = t('Changing the PIN…');
    const count = (await failures(userId)) + 1;
    await setFailures(userId, count);
    try {
      await changePin(userId, current, pin);
      await setFailures(userId, 0);
      ctx.go('#/settings', t('PIN changed. From now on, open Terrain with the new PIN.'));
      return;
    } catch (error) {
      if (!(error instanceof WrongKeyError)) {
        problem(error instanceof Error ? error.message : String(error), old.input);
      } else if (count >= MAX_FAILURES - 1) {
        // The next wrong PIN wipes the phone: that is the lock screen's to say.
        ctx.lock(t('Wrong PIN several times: enter your PIN to go on.'));
        return;
      } else {
        old.input.value = '';
        problem(
          tn(
            'This is not your current PIN. {n} try left.',
            'This is not your current PIN. {n} tries left.',
            MAX_FAILURES - count,
          ),
          old.input,
        );
      }
    } finally {
      submit.removeAttribute('disabled');
      submit.textContent = t('Change the PIN');
    }
  }
}
