// @ts-check
/// <reference lib="webworker" />
/**
 * Terrain's service worker: the app starts with no network (house style rule 4).
 *
 *   navigations      network first (a short timeout: lie-fi is worse than no signal), then
 *                    the precached shell
 *   static files     stale-while-revalidate from this version's cache
 *   /i18n/*.json     the same (all ten catalogs are precached: hand-over works offline)
 *   intake forms     GET /api/intake/form/{lang}: public, no personal data; kept in a cache
 *                    of their own that log-out empties (contract A)
 *   any other /api/  never cached: personal data stays in the encrypted store only
 *
 * The server fills in VERSION and PRECACHE (api/shell/service.py): a hash of every precached
 * file, so any change to the app makes this file differ and the browser installs the new
 * worker. The new one waits until the page says "reload" (a half-updated app is worse than an
 * old one). Behaviour owned by others comes in through importScripts (contract B).
 */

const VERSION = 'dev';
const PRECACHE = ['/'];
const PREFIX = 'terrain-';
const SHELL_CACHE = `${PREFIX}shell-${VERSION}`;
const FORMS_CACHE = `${PREFIX}forms`;
const NAVIGATION_TIMEOUT_MS = 3000;
const FORM_PATH = /^\/api\/intake\/form\/[a-z]{2}$/;

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

// Web Push: the push and notificationclick handlers (the push engineer's, contract B).
importScripts('/js/sw/push.js');

sw.addEventListener('install', (event) => {
  // Every file or nothing: a failed download leaves the old worker in charge.
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(PRECACHE.map((u) => new Request(u, { cache: 'reload' })))),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(`${PREFIX}shell-`) && name !== SHELL_CACHE) await caches.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.t === 'skipWaiting') sw.skipWaiting();
  if (data.t === 'version') event.ports[0]?.postMessage({ version: VERSION });
});

/** @param {Request} request */
async function networkFirstShell(request) {
  const cached = () => caches.match('/', { cacheName: SHELL_CACHE });
  try {
    const response = await Promise.race([
      fetch(request),
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), NAVIGATION_TIMEOUT_MS)),
    ]);
    if (response instanceof Response && (response.ok || !(await cached()))) return response;
  } catch {
    // Offline or too slow: the precached shell below.
  }
  return (await cached()) || Response.error();
}

/**
 * @param {Request} request
 * @param {string} cacheName
 * @param {ExtendableEvent} event
 */
async function staleWhileRevalidate(request, cacheName, event) {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(request, { ignoreSearch: true });
  const refresh = fetch(request).then(
    async (response) => {
      if (response.ok) await cache.put(request, response.clone());
      return response;
    },
    () => null,
  );
  event.waitUntil(refresh);
  return cached || (await refresh) || Response.error();
}

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== sw.location.origin) return;
  if (url.pathname.startsWith('/api/')) {
    if (FORM_PATH.test(url.pathname)) {
      event.respondWith(staleWhileRevalidate(request, FORMS_CACHE, event));
    }
    return; // API data: straight to the network, never into a cache
  }
  if (request.mode === 'navigate') {
    // Only the app's own pages: the public intake form (/{lang}/intake) is the server's.
    if (url.pathname === '/' || url.pathname === '/index.html') {
      event.respondWith(networkFirstShell(request));
    }
    return;
  }
  if (url.pathname === '/sw.js' || url.pathname === '/healthz') return;
  event.respondWith(staleWhileRevalidate(request, SHELL_CACHE, event));
});

// Background Sync: the data key lives only in an unlocked page, so the worker asks the open
// pages to sync; with none open the browser tries again later.
sw.addEventListener('sync', (/** @type {any} */ event) => {
  if (event.tag !== 'terrain-sync') return;
  event.waitUntil(
    sw.clients.matchAll({ type: 'window' }).then((pages) => {
      for (const page of pages) page.postMessage({ t: 'sync' });
      if (!pages.length) throw new Error('no unlocked page');
    }),
  );
});
