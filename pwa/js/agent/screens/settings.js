// @ts-check
/** Settings: language, idle lock, PIN change, install the app, lock, log out (never losing unsent changes). */
import { LANGUAGES, currentLanguage, rememberLanguage, setLanguage, t, tn } from '../../app/i18n.js';
import { installHelp } from '../../app/pwa.js';
import { h, show } from '../../app/ui/dom.js';
import { roleLabel } from '../../app/vocab.js';
import { IDLE_CHOICES, download, saveSettings, settings } from '../device.js';
import { pinChangeForm } from '../pin-change.js';
import { renderSettingsExtra } from '../settings-extra.js';
import { flashBox, section, titled } from '../ui/common.js';
import { chips, selectField } from '../ui/forms.js';

/** @param {HTMLElement} main @param {import('../app.js').Ctx} ctx */
export async function renderSettings(main, ctx) {
  const language = selectField({
    name: 'language',
    label: t('Language of the app'),
    options: LANGUAGES.map((l) => ({ value: l.code, label: l.name })),
    value: currentLanguage(),
    onchange: async () => {
      rememberLanguage(language.select.value);
      await setLanguage(language.select.value);
      ctx.go('#/settings', t('Language changed.'));
    },
  });
  const idle = chips({
    name: 'idle',
    legend: t('Lock after this long without use'),
    options: IDLE_CHOICES.map((m) => ({ value: String(m), label: tn('{n} minute', '{n} minutes', m) })),
    value: String(settings().idleMinutes),
    compact: true,
    onchange: () => {
      saveSettings({ idleMinutes: Number(idle.value()) });
      ctx.restartIdle();
    },
  });
  const install = h('div', null);
  const drawInstall = () => show(install, installHelp(drawInstall));
  drawInstall();
  const extra = h('div', { class: 'settings-extra' });
  const logOut = h('div', { class: 'stack' });
  show(
    main,
    h(
      'div',
      { class: 'screen' },
      h('h1', { tabindex: -1 }, t('Settings')),
      flashBox(ctx.flash),
      section(
        t('You'),
        h('p', null, h('strong', null, ctx.me.name), ' · ', roleLabel(ctx.me.role)),
        ctx.me.teams?.length ? h('p', { class: 'muted' }, ctx.me.teams.map((x) => x.name).join(', ')) : null,
      ),
      section(t('Language'), language.field),
      section(t('Lock'), idle.field, h('button', { type: 'button', class: 'button-secondary', onclick: () => ctx.lock() }, t('Lock now'))),
      section(t('Change the PIN'), pinChangeForm(ctx)),
      section(t('Install the app'), install),
      extra,
      section(t('Log out'), logOut),
    ),
  );
  titled(t('Settings'));
  renderSettingsExtra(extra, ctx);
  drawLogOut(logOut, ctx);
}

/**
 * Log-out never drops unsent changes silently: with some waiting, the agent chooses to
 * sync first, to export them, or to discard them knowingly.
 * @param {HTMLElement} box
 * @param {import('../app.js').Ctx} ctx
 */
async function drawLogOut(box, ctx) {
  const { pending } = await ctx.session.sync.status();
  const explain = h(
    'p',
    null,
    t('Logging out erases Terrain’s data from this phone; you then need your password and a connection to log in again.'),
  );
  if (!pending) {
    show(box, explain, h('button', { type: 'button', class: 'button-danger', onclick: () => ctx.logOut() }, t('Log out')));
    return;
  }
  const problems = h('div', { class: 'form-problems', 'aria-live': 'polite' });
  const sync = h(
    'button',
    {
      type: 'button',
      class: 'button-primary button-wide',
      onclick: async () => {
        sync.setAttribute('disabled', '');
        sync.textContent = t('Syncing…');
        const outcome = await ctx.session.sync.syncNow();
        const after = await ctx.session.sync.status();
        if (outcome.ok && !after.pending) {
          await ctx.logOut();
          return;
        }
        show(problems, h('p', { class: 'notice notice-error', role: 'alert' }, t('Not everything could be sent. Try again with a connection, or export the changes first.')));
        sync.removeAttribute('disabled');
        sync.textContent = t('Sync first, then log out');
      },
    },
    t('Sync first, then log out'),
  );
  const discard = h(
    'button',
    {
      type: 'button',
      class: 'button-danger button-wide',
      onclick: async () => {
        const ok = confirm(
          tn(
            'Really discard {n} unsent change? It will be lost for good.',
            'Really discard {n} unsent changes? They will be lost for good.',
            pending,
          ),
        );
        if (ok) await ctx.logOut();
      },
    },
    t('Discard them and log out'),
  );
  show(
    box,
    explain,
    h(
      'p',
      { class: 'notice notice-warning', role: 'status' },
      tn('{n} change has not been sent yet.', '{n} changes have not been sent yet.', pending),
    ),
    sync,
    h(
      'button',
      {
        type: 'button',
        class: 'button-secondary button-wide',
        onclick: async () => download(await ctx.session.sync.exportUnsynced(), `terrain-unsent-${new Date().toISOString().slice(0, 10)}.json`),
      },
      t('Export unsent changes'),
    ),
    discard,
    problems,
  );
}
