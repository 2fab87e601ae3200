// @ts-check
/**
 * The organisation's partners (Actiris, VDAB, CPAS …), for "info session with a partner".
 * Partners are reference data the sync feed does not carry: fetched when online and kept
 * sealed in the agent's store (meta 'partners'), so the list is there offline too.
 */
import { seal, unseal } from '../sync/index.js';

/** @typedef {{id: string, name: string, kind: string, city: string | null}} Partner */

/**
 * The cached list, refreshed in the background when the network answers.
 * @param {import('./session.js').AgentSession} session
 * @returns {Promise<Partner[]>}
 */
export async function partners(session) {
  const store = session.store;
  const sealed = await store.db.get('meta', 'partners');
  const cached = sealed ? await unseal(store.key, sealed).catch(() => []) : [];
  if (navigator.onLine !== false && session.token) refresh(session).catch(() => {});
  return cached;
}

/** @param {import('./session.js').AgentSession} session */
async function refresh(session) {
  const response = await fetch('/api/partners?limit=200', {
    headers: { Authorization: `Bearer ${session.token}`, Accept: 'application/json' },
    cache: 'no-store',
  });
  if (!response.ok) return;
  const body = await response.json();
  /** @type {Partner[]} */
  const list = (body.items ?? [])
    .filter((/** @type {any} */ p) => p.is_active !== false)
    .map((/** @type {any} */ p) => ({ id: p.id, name: p.name, kind: p.kind, city: p.city ?? null }));
  await session.store.db.put('meta', await seal(session.store.key, list), 'partners');
}
