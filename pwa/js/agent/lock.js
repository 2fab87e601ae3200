// @ts-check
/**
 * The PIN screens: choose a PIN after the one log-in, unlock, and what happens after wrong
 * PINs (a warning with the offer to save the unsynced changes, then the wipe).
 */
import { t, tn } from '../app/i18n.js';
import { h, notice, show } from '../app/ui/dom.js';
import { WrongKeyError } from '../sync/store.js';
import { download, failures, pendingCount, sealedOutbox, setFailures, wipeDevice } from './device.js';
import { MAX_FAILURES, PIN_MAX, pinProblem } from './pin.js';
import { textField } from './ui/forms.js';

/** @typedef {import('./session.js').AgentSession} AgentSession */

/**
 * The session module and the sync client behind it, loaded once the PIN screen is up (the
 * PIN screen itself needs neither: a restart is interactive sooner).
 */
const loadSession = () => import('./session.js');
/** @typedef {import('../app/ui/header.js').Me} Me */

/** @param {string} label @param {string} name @param {string} autocomplete */
export function pinInput(label, name, autocomplete) {
  const made = textField({
    name,
    label,
    type: 'password',
    inputmode: 'numeric',
    autocomplete,
    maxlength: PIN_MAX,
  });
  made.input.classList.add('pin-input');
  made.input.setAttribute('pattern', '[0-9]*');
  return made;
}

/** @param {'short' | 'digits' | 'simple'} problem */
export function pinProblemText(problem) {
  if (problem === 'simple') return t('This PIN is too easy to guess. Avoid repeated digits and runs such as 123456.');
  return t('The PIN must have 6 to 12 digits.');
}

/**
 * After the first log-in on this phone: choose the PIN that will open the app.
 * @param {HTMLElement} main
 * @param {{me: Me, token: string, onReady: (s: AgentSession) => void}} options
 */
export function renderChoosePin(main, options) {
  const first = pinInput(t('Choose a PIN (6 to 12 digits)'), 'pin', 'new-password');
  const again = pinInput(t('Type the PIN again'), 'pin-again', 'new-password');
  const problems = h('div', { class: 'form-problems' });
  const submit = h('button', { type: 'submit', class: 'button-primary button-wide' }, t('Save the PIN'));
  show(
    main,
    h(
      'section',
      { class: 'lock-screen' },
      h('h1', { tabindex: -1 }, t('Choose your PIN')),
      h(
        'p',
        null,
        t('From now on this PIN opens Terrain on this phone, also without a connection. It also encrypts the data kept here. It cannot be recovered: if you forget it, unsynced changes are lost.'),
      ),
      h(
        'form',
        { class: 'stack', novalidate: true, onsubmit: onSubmit },
        first.field,
        again.field,
        problems,
        submit,
      ),
    ),
  );
  document.title = [t('Choose your PIN'), 'Terrain'].join(' – ');
  first.input.focus();

  /** @param {Event} event */
  async function onSubmit(event) {
    event.preventDefault();
    const pin = first.input.value;
    const problem = pinProblem(pin);
    if (problem) {
      show(problems, notice(pinProblemText(problem)));
      first.input.focus();
      return;
    }
    if (again.input.value !== pin) {
      show(problems, notice(t('The two PINs differ. Type the same PIN twice.')));
      again.input.value = '';
      again.input.focus();
      return;
    }
    submit.setAttribute('disabled', '');
    submit.textContent = t('Preparing the phone…');
    try {
      const { openSession } = await loadSession();
      const session = await openSession(options.me.id, pin, { token: options.token, me: options.me });
      options.onReady(session);
    } catch (error) {
      show(problems, notice(error instanceof Error ? error.message : String(error)));
      submit.removeAttribute('disabled');
      submit.textContent = t('Save the PIN');
    }
  }
}

/**
 * The lock screen: the PIN opens the store. After MAX_FAILURES wrong PINs in a row the
 * phone's data is wiped; the last try comes with a warning and the offer to save first.
 * @param {HTMLElement} main
 * @param {{userId: string, fresh?: {token: string, me: Me}, reason?: string | null,
 *   onUnlocked: (s: AgentSession) => void, onWiped: (message: string) => void,
 *   onForgot: () => void}} options
 */
export async function renderUnlock(main, options) {
  const pin = pinInput(t('PIN'), 'pin', 'current-password');
  const problems = h('div', { class: 'form-problems', 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'button-primary button-wide' }, t('Unlock'));
  const warning = h('div', { class: 'lock-warning' });
  const forgot = h(
    'button',
    { type: 'button', class: 'button-quiet', onclick: options.onForgot },
    t('Forgot your PIN?'),
  );
  show(
    main,
    h(
      'section',
      { class: 'lock-screen' },
      h('p', { class: 'brand lock-brand' }, 'Terrain'),
      h('h1', { tabindex: -1 }, t('Enter your PIN')),
      options.reason ? notice(options.reason, 'info') : null,
      h('form', { class: 'stack', novalidate: true, onsubmit: onSubmit }, pin.field, problems, warning, submit),
      forgot,
    ),
  );
  document.title = [t('Locked'), 'Terrain'].join(' – ');
  pin.input.focus();
  performance.mark('lock-ready'); // bench/pwa.py: a restart is interactive from here
  setTimeout(() => loadSession().catch(() => {}), 0);
  await showWarning(await failures(options.userId));

  /** @param {number} count */
  async function showWarning(count) {
    warning.replaceChildren();
    if (count < MAX_FAILURES - 1) return;
    const pending = await pendingCount(options.userId);
    warning.append(
      notice(t('One more wrong PIN erases all Terrain data on this phone.')),
      pending
        ? h(
            'p',
            null,
            tn(
              '{n} change has not been sent yet. Save it to a file first (it stays encrypted with your PIN), then hand the file to your coordinator.',
              '{n} changes have not been sent yet. Save them to a file first (they stay encrypted with your PIN), then hand the file to your coordinator.',
              pending,
            ),
          )
        : null,
      pending
        ? h(
            'button',
            {
              type: 'button',
              class: 'button-secondary',
              onclick: async () =>
                download(await sealedOutbox(options.userId), `terrain-unsynced-${stamp()}.json`),
            },
            t('Save the unsent changes'),
          )
        : null,
    );
  }

  /** @param {Event} event */
  async function onSubmit(event) {
    event.preventDefault();
    const value = pin.input.value;
    if (!value) {
      show(problems, notice(t('Enter your PIN.')));
      pin.input.focus();
      return;
    }
    submit.setAttribute('disabled', '');
    submit.textContent = t('Unlocking…');
    // Counted before trying: closing the tab during the check does not give a free try.
    const count = (await failures(options.userId)) + 1;
    await setFailures(options.userId, count);
    try {
      const { openSession } = await loadSession();
      const session = await openSession(options.userId, value, options.fresh);
      options.onUnlocked(session);
      return;
    } catch (error) {
      if (!(error instanceof WrongKeyError)) {
        show(problems, notice(error instanceof Error ? error.message : String(error)));
      } else if (count >= MAX_FAILURES) {
        await wipeDevice(options.userId);
        options.onWiped(t('Too many wrong PINs: the Terrain data on this phone was erased. Log in again.'));
        return;
      } else {
        show(
          problems,
          notice(tn('Wrong PIN. {n} try left.', 'Wrong PIN. {n} tries left.', MAX_FAILURES - count)),
        );
        await showWarning(count);
      }
    }
    pin.input.value = '';
    pin.input.focus();
    submit.removeAttribute('disabled');
    submit.textContent = t('Unlock');
  }
}

/** "Forgot your PIN?": the only way on is to start afresh, losing what is not sent. */
export async function renderForgotPin(/** @type {HTMLElement} */ main, /** @type {{userId: string, onBack: () => void, onErased: (message: string) => void}} */ options) {
  const pending = await pendingCount(options.userId);
  show(
    main,
    h(
      'section',
      { class: 'lock-screen' },
      h('h1', { tabindex: -1 }, t('Forgot your PIN?')),
      h('p', null, t('The PIN encrypts the data on this phone; nobody can recover it. To go on, erase the data here and log in again with your password: everything already sent is safe on the server.')),
      pending
        ? notice(
            tn(
              '{n} change has not been sent yet and will be lost.',
              '{n} changes have not been sent yet and will be lost.',
              pending,
            ),
          )
        : null,
      pending
        ? h(
            'button',
            {
              type: 'button',
              class: 'button-secondary button-wide',
              onclick: async () =>
                download(await sealedOutbox(options.userId), `terrain-unsynced-${stamp()}.json`),
            },
            t('Save the unsent changes'),
          )
        : null,
      h(
        'button',
        {
          type: 'button',
          class: 'button-danger button-wide',
          onclick: async () => {
            await wipeDevice(options.userId);
            options.onErased(t('The data on this phone was erased. Log in again.'));
          },
        },
        t('Erase and log in again'),
      ),
      h('button', { type: 'button', class: 'button-quiet button-wide', onclick: options.onBack }, t('Back')),
    ),
  );
  /** @type {HTMLElement | null} */ (main.querySelector('h1'))?.focus();
}

function stamp() {
  return new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
}
