// @ts-check
/**
 * The settings screen's mount point for other features (contract B): notifications.
 *
 * The browser's permission is asked only when the agent taps "Turn on notifications", under
 * a short explanation of what they will say (and that they never show a name or a number).
 * Once on: which pushes, quiet hours and the morning digest's hour, saved on the server
 * (the same on every device). iPhones get push only for an app opened from the home
 * screen (iOS 16.4 and later): said where it applies. The office (coordinators: new
 * self-intakes in their team) draws the same section on its notifications screen.
 */
import { t } from '../app/i18n.js';
import { announce, h, notice, show, uid } from '../app/ui/dom.js';
import * as push from './push.js';
import { busy, section } from './ui/common.js';
import { checkbox } from './ui/forms.js';

/**
 * @typedef {object} PushCtx  what the section needs from the screen that draws it
 * @property {push.Api} api  calls with this person's token
 * @property {{role: string}} me
 * @property {() => boolean} isCurrent  false once another screen was drawn
 * @property {boolean} [office]  the office's own screen: it has the heading, and the device
 *   is a computer or a tablet rather than the agent's phone
 */

/**
 * @param {HTMLElement} container  an empty element at the end of the settings screen
 * @param {import('./app.js').Ctx} ctx
 */
export function renderSettingsExtra(container, ctx) {
  renderPushSettings(container, { api: push.agentApi(ctx.session), me: ctx.me, isCurrent: ctx.isCurrent });
}

/**
 * The notifications section (the agent's settings, the office's notifications screen).
 * @param {HTMLElement} container
 * @param {PushCtx} ctx
 */
export function renderPushSettings(container, ctx) {
  const box = h('div', { class: 'stack push-settings' });
  show(container, ctx.office ? box : section(t('Notifications'), box));
  draw(box, ctx);
}

/** @param {PushCtx} ctx */
function explanation(ctx) {
  return h(
    'p',
    null,
    ctx.me.role === 'agent'
      ? // i18n: public
        t('Terrain can tell you when a lead is assigned to you or sent back to you, and each morning which follow-ups are due. Notifications never show names or phone numbers.')
      : t('Terrain can tell you when a new self-intake arrives in your team, when a lead is assigned or sent back to you, and each morning which follow-ups are due. Notifications never show names or phone numbers.'),
  );
}

function iosNote() {
  if (!push.isIos() || push.isStandalone()) return null;
  return notice(
    // i18n: public
    t('On iPhone and iPad, notifications work only in Terrain opened from the home screen (iOS 16.4 or later): tap Share, then “Add to Home Screen”, and open Terrain from there.'),
    'info',
  );
}

/** @param {HTMLElement} box @param {PushCtx} ctx */
async function draw(box, ctx) {
  const state = push.permission();
  if (state === 'unsupported') {
    show(box, explanation(ctx), iosNote() || notice(t('This browser cannot show notifications.'), 'info'));
    return;
  }
  if (state === 'denied') {
    show(box, notice(t('Notifications are blocked for Terrain in this browser: allow them in the site settings of the browser, then come back here.'), 'info'));
    return;
  }
  let on = false;
  try {
    on = await push.refresh(ctx.api);
  } catch {
    if (ctx.isCurrent()) show(box, notice(t('Notification settings need a connection.'), 'info'));
    return;
  }
  if (!ctx.isCurrent()) return;
  if (on) {
    await drawOn(box, ctx);
    return;
  }
  const turnOn = h('button', { type: 'button', class: 'button-primary push-on' }, t('Turn on notifications'));
  turnOn.addEventListener('click', () =>
    busy(turnOn, t('Turning on…'), async () => {
      try {
        if (await push.subscribe(ctx.api)) announce(t('Notifications are on.'));
      } catch {
        show(box, explanation(ctx), notice(t('Notifications could not be turned on. Check the connection and try again.')), turnOn);
        return;
      }
      await draw(box, ctx);
    }),
  );
  show(box, explanation(ctx), iosNote(), turnOn);
}

/** @param {HTMLElement} box @param {PushCtx} ctx */
async function drawOn(box, ctx) {
  let prefs;
  try {
    prefs = await push.loadPreferences(ctx.api);
  } catch {
    show(box, notice(t('Notification settings need a connection.'), 'info'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const status = h('p', { role: 'status', class: 'hint' });
  const save = async () => {
    try {
      prefs = await push.savePreferences(ctx.api, read());
      status.textContent = t('Saved.');
      announce(t('Saved.'));
    } catch {
      status.textContent = t('Not saved: check the connection and try again.');
    }
  };
  const kinds = [
    ['assigned', t('A lead is assigned to me')],
    ['sent_back', t('A lead is sent back to me')],
    ...(ctx.me.role === 'agent' ? [] : [['intake', t('A new self-intake in my team')]]),
    ['digest', t('Each morning, my follow-ups of the day')],
  ];
  const boxes = Object.fromEntries(
    kinds.map(([name, label]) => [name, checkbox({ name: `push-${name}`, label, checked: /** @type {any} */ (prefs)[name], onchange: save })]),
  );
  const digestAt = timeField('push-digest-time', t('Digest at'), prefs.digest_time, save);
  const quiet = checkbox({
    name: 'push-quiet',
    label: t('Quiet hours: no notifications'),
    checked: prefs.quiet_start !== null,
    onchange: () => {
      span.hidden = !quiet.input.checked;
      save();
    },
  });
  const from = timeField('push-quiet-start', t('Starts at'), prefs.quiet_start || '21:00', save);
  const to = timeField('push-quiet-end', t('Ends at'), prefs.quiet_end || '07:00', save);
  const span = h('div', { class: 'field-row push-quiet-span' }, from.field, to.field);
  span.hidden = !quiet.input.checked;

  /** @returns {import('./push.js').Preferences} */
  function read() {
    const quietOn = quiet.input.checked && from.input.value && to.input.value && from.input.value !== to.input.value;
    return {
      assigned: boxes.assigned.input.checked,
      sent_back: boxes.sent_back.input.checked,
      intake: boxes.intake ? boxes.intake.input.checked : prefs.intake,
      digest: boxes.digest.input.checked,
      digest_time: digestAt.input.value || prefs.digest_time,
      quiet_start: quietOn ? from.input.value : null,
      quiet_end: quietOn ? to.input.value : null,
    };
  }

  const turnOff = h(
    'button',
    { type: 'button', class: 'button-secondary push-off' },
    ctx.office ? t('Turn off notifications on this device') : t('Turn off notifications on this phone'),
  );
  turnOff.addEventListener('click', () =>
    busy(turnOff, t('Turning off…'), async () => {
      try {
        await push.unsubscribe(ctx.api);
        announce(t('Notifications are off.'));
      } catch {
        status.textContent = t('Not saved: check the connection and try again.');
        return;
      }
      await draw(box, ctx);
    }),
  );
  show(
    box,
    h('p', null, ctx.office ? t('Notifications are on for this device. Tell me when:') : t('Notifications are on for this phone. Tell me when:')),
    kinds.map(([name]) => boxes[name].field),
    digestAt.field,
    quiet.field,
    span,
    status,
    turnOff,
  );
}

/**
 * @param {string} name @param {string} label @param {string} value @param {() => void} onchange
 */
function timeField(name, label, value, onchange) {
  const id = uid(name);
  const input = /** @type {HTMLInputElement} */ (h('input', { id, name, type: 'time', value, onchange }));
  return { field: h('div', { class: 'field' }, h('label', { for: id }, label), input), input };
}
