// @ts-check
/// <reference lib="webworker" />
/**
 * Web Push in the service worker (contract B: pwa/sw.js imports this file, nothing else).
 *
 *   push               show what the server sent: `{type, count, url, title, body}`, a
 *                      generic text already in the agent's language (api/push/payload.py).
 *                      Nothing personal ever arrives here: the details are fetched by the
 *                      app after the PIN, never shown on the lock screen.
 *   notificationclick  bring Terrain to the front on the screen the push is about
 *
 * A plain script (no import/export), so `importScripts()` and a module import both work.
 */
(() => {
  const worker = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
  const KINDS = ['assigned', 'sent_back', 'intake', 'digest'];
  // Only the app's own hash routes: a payload can never send the phone to another site.
  const SAFE_URL = /^\/#\/[A-Za-z0-9/_-]{0,120}$/;

  /**
   * What to show, from whatever arrived (a malformed push still shows something: browsers
   * punish a push that shows no notification).
   * @param {any} data
   */
  function notificationOf(data) {
    const kind = data && KINDS.includes(data.type) ? data.type : 'terrain';
    const text = (/** @type {unknown} */ value, /** @type {number} */ max) =>
      typeof value === 'string' && value.trim() ? value.slice(0, max) : null;
    return {
      title: text(data && data.title, 80) || 'Terrain',
      body: text(data && data.body, 200) || '',
      tag: kind,
      url: data && typeof data.url === 'string' && SAFE_URL.test(data.url) ? data.url : '/',
    };
  }

  /** @param {PushMessageData | null} data */
  function parse(data) {
    try {
      return data ? data.json() : null;
    } catch {
      return null;
    }
  }

  worker.addEventListener('push', (event) => {
    const shown = notificationOf(parse(event.data));
    event.waitUntil(
      worker.registration.showNotification(shown.title, {
        body: shown.body,
        // One notification per kind: a newer "3 leads" replaces "2 leads", and still rings.
        tag: shown.tag,
        renotify: true,
        icon: '/icons/icon.svg',
        badge: '/icons/icon.svg',
        data: { url: shown.url },
      }),
    );
  });

  /** @param {string} path  a safe app URL ("/#/leads/…") */
  async function openScreen(path) {
    const url = new URL(path, worker.location.origin).href;
    const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((c) => new URL(c.url).origin === worker.location.origin);
    if (open) {
      // Both at once: a refused focus (the browser decides) must not keep the screen closed.
      const [moved] = await Promise.allSettled([open.navigate(url), open.focus()]);
      if (moved.status === 'fulfilled') return;
    }
    await worker.clients.openWindow(url);
  }

  worker.addEventListener('notificationclick', (event) => {
    event.notification.close();
    const data = event.notification.data || {};
    const path = typeof data.url === 'string' && SAFE_URL.test(data.url) ? data.url : '/';
    event.waitUntil(openScreen(path));
  });
})();
