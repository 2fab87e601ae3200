// @ts-check
/** Before handing the phone over: pick the prospect's language (each in its own name). */
import { t } from '../../app/i18n.js';
import { h, show } from '../../app/ui/dom.js';
import { languageName } from '../../app/vocab.js';
import { titled } from '../ui/common.js';
import { LEAD_LANGUAGES } from '../vocab.js';

const FORMS_CACHE = 'terrain-forms';

/**
 * Download every language's form while there is a network. A page the worker controls
 * leaves the keeping to it (stale-while-revalidate, sw.js); a page it does not control yet —
 * the first log-in, while the new worker installs — stores them itself, or an agent who
 * went offline right after logging in found no form to hand over.
 */
export async function warmForms() {
  if (navigator.onLine === false) return;
  const keep = !navigator.serviceWorker?.controller && 'caches' in self ? await caches.open(FORMS_CACHE) : null;
  await Promise.all(
    LEAD_LANGUAGES.map(async (lang) => {
      const url = `/api/intake/form/${lang}`;
      try {
        const response = await fetch(url, { headers: { Accept: 'application/json' } });
        if (keep && response.ok) await keep.put(url, response);
      } catch {
        // Offline again: the next unlock with a network tries again.
      }
    }),
  );
}

/** @param {string} lang */
async function available(lang) {
  if (!('caches' in self)) return true;
  return Boolean(await caches.match(`/api/intake/form/${lang}`, { cacheName: FORMS_CACHE }));
}

/** @param {HTMLElement} main @param {import('../app.js').Ctx} ctx */
export async function renderHandoverPick(main, ctx) {
  const ready = await Promise.all(LEAD_LANGUAGES.map(available));
  if (!ctx.isCurrent()) return;
  const offline = navigator.onLine === false;
  show(
    main,
    h(
      'div',
      { class: 'screen' },
      h('h1', { tabindex: -1 }, t('Hand over the phone')),
      h(
        'p',
        null,
        t('Choose the person’s language, then give them the phone. They fill in the form; when they are done, the app locks and only your PIN opens it.'),
      ),
      h(
        'ul',
        { class: 'language-grid' },
        LEAD_LANGUAGES.map((lang, i) =>
          h(
            'li',
            null,
            h(
              'button',
              {
                type: 'button',
                class: offline && !ready[i] ? 'button-secondary language-button missing' : 'button-secondary language-button',
                lang,
                onclick: () => ctx.startHandover(lang),
              },
              languageName(lang),
              offline && !ready[i] ? h('span', { class: 'visually-hidden' }, ' ', t('(not downloaded)')) : null,
            ),
          ),
        ),
      ),
      offline && ready.some((r) => !r)
        ? h('p', { class: 'muted' }, t('Some languages are not downloaded yet. Connect once to get every language.'))
        : null,
    ),
  );
  titled(t('Hand over the phone'));
  if (!offline) warmForms();
}
