// @ts-check
/**
 * The installable app: registers the service worker, says "a new version is ready —
 * reload" when one waits, and knows how this browser installs apps (the install prompt
 * on Android and desktop Chromium; "Add to Home Screen" by hand on iOS).
 */
import { t } from './i18n.js';
import { h } from './ui/dom.js';

/** @type {any} the deferred `beforeinstallprompt` event */
let installPrompt = null;
/** @type {Set<() => void>} */
const installWatchers = new Set();

addEventListener('beforeinstallprompt', (event) => {
  event.preventDefault(); // offered from Settings and Today, when the agent chooses
  installPrompt = event;
  for (const watcher of installWatchers) watcher();
});
addEventListener('appinstalled', () => {
  installPrompt = null;
  for (const watcher of installWatchers) watcher();
});

/** Register the worker; when a newer one waits, offer the reload. */
export function watchForUpdates() {
  const container = navigator.serviceWorker;
  if (!container) return;
  let reloading = false;
  container.addEventListener('controllerchange', () => {
    if (reloading) location.reload();
  });
  container
    .register('/sw.js', { scope: '/', updateViaCache: 'none' })
    .then((registration) => {
      const offer = () => {
        const waiting = registration.waiting;
        if (!waiting || !container.controller) return; // first install: nothing to replace
        showUpdateBanner(() => {
          reloading = true;
          waiting.postMessage({ t: 'skipWaiting' });
        });
      };
      offer();
      registration.addEventListener('updatefound', () => {
        const worker = registration.installing;
        worker?.addEventListener('statechange', () => worker.state === 'installed' && offer());
      });
      // Look for a new version when the app comes back to the front.
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') registration.update().catch(() => {});
      });
    })
    .catch(() => {
      // No worker (private mode, an old browser): the app still works online.
    });
}

/** @param {() => void} onReload */
function showUpdateBanner(onReload) {
  if (document.getElementById('update-banner')) return;
  const banner = h(
    'div',
    { id: 'update-banner', class: 'update-banner', role: 'status' },
    h('span', null, t('A new version of Terrain is ready.')),
    h('button', { type: 'button', class: 'button-primary', onclick: onReload }, t('Reload')),
  );
  document.body.appendChild(banner);
}

/** @returns {'installed' | 'prompt' | 'ios' | 'manual'} how this browser can install the app */
export function installState() {
  const standalone =
    matchMedia('(display-mode: standalone)').matches ||
    /** @type {any} */ (navigator).standalone === true;
  if (standalone) return 'installed';
  if (installPrompt) return 'prompt';
  const ios = /iphone|ipad|ipod/i.test(navigator.userAgent) ||
    (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  return ios ? 'ios' : 'manual';
}

/** Show the browser's own install dialog. @returns {Promise<boolean>} installed */
export async function promptInstall() {
  if (!installPrompt) return false;
  const prompt = installPrompt;
  installPrompt = null;
  prompt.prompt();
  const choice = await prompt.userChoice;
  return choice?.outcome === 'accepted';
}

/** @param {() => void} callback  when installing becomes possible, or happened */
export function watchInstall(callback) {
  installWatchers.add(callback);
  return () => installWatchers.delete(callback);
}

/** How to install, for the current browser: a button or the steps to follow. */
export function installHelp(/** @type {() => void} */ onDone) {
  const state = installState();
  if (state === 'installed') return h('p', { class: 'muted' }, t('Terrain is installed on this device.'));
  if (state === 'prompt') {
    return h(
      'button',
      {
        type: 'button',
        class: 'button-secondary',
        onclick: async () => {
          await promptInstall();
          onDone();
        },
      },
      t('Install Terrain on this phone'),
    );
  }
  if (state === 'ios') {
    return h(
      'p',
      null,
      t('On an iPhone: open this page in Safari, tap the Share button, then “Add to Home Screen”.'),
    );
  }
  return h(
    'p',
    null,
    t('In the browser menu, choose “Install app” or “Add to Home screen”. Terrain then opens like any app, also without a connection.'),
  );
}
