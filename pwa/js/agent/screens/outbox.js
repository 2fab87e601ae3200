// @ts-check
/**
 * The outbox: what is waiting to be sent, what the server refused and why, edits made at
 * the same time as someone else's; export what is unsent to a file, or load such a file.
 */
import { t, tn } from '../../app/i18n.js';
import { h, notice, show } from '../../app/ui/dom.js';
import { unseal } from '../../sync/index.js';
import { download } from '../device.js';
import { NeedsPinError, readSaved } from '../recover.js';
import { fieldLabel, fixable, mutationLabel, reasonText, refusedFields } from '../reasons.js';
import { syncProblem, syncSentence } from '../ui/chrome.js';
import { flashBox, section, titled } from '../ui/common.js';
import { ago } from '../ui/time.js';

/** @param {HTMLElement} main @param {import('../app.js').Ctx} ctx */
export async function renderOutbox(main, ctx) {
  const store = ctx.session.store;
  const [entries, notes, leads] = await Promise.all([
    store.db.getAll('outbox'),
    store.attention(),
    ctx.data.list('lead'),
  ]);
  const names = new Map(leads.map((l) => [l.id, [l.first_name, l.last_name].filter(Boolean).join(' ')]));
  const waiting = await Promise.all(
    entries.map(async (/** @type {any} */ e) => ({ ...e, plain: await unseal(store.key, e.args) })),
  );
  if (!ctx.isCurrent()) return;
  const panel = h('div', { class: 'sync-panel' });
  const drawSync = (/** @type {import('../../sync/client.js').Status} */ s) => {
    const problem = syncProblem(s.error);
    show(
      panel,
      h('p', { class: 'sync-sentence' }, syncSentence(s)),
      problem ? notice(problem, s.error === 'auth_required' ? 'error' : 'info') : null,
      s.error === 'auth_required'
        ? h('a', { class: 'button button-primary', href: '#/relogin' }, t('Log in again'))
        : h(
            'button',
            { type: 'button', class: 'button-primary', disabled: s.syncing || null, onclick: () => ctx.session.sync.syncNow() },
            s.syncing ? t('Syncing…') : t('Sync now'),
          ),
    );
  };
  drawSync(ctx.status);
  const off = ctx.watchStatus((s) => {
    if (!ctx.isCurrent()) return off();
    drawSync(s);
    if (!s.syncing && s.pending !== waiting.length) ctx.redraw();
  });
  const rejected = notes.filter((n) => n.kind === 'rejected');
  const refusedLabels = (/** @type {any} */ n) => refusedFields(n.detail).map(fieldLabel).filter(Boolean);
  const conflicts = notes.filter((n) => n.kind === 'conflict');
  const label = (/** @type {any} */ e) => {
    const lead = e.type === 'lead' ? e.plain?.fields?.first_name || names.get(e.rid) : names.get(e.plain?.lead_id);
    return lead ? `${mutationLabel(e.name)} · ${lead}` : mutationLabel(e.name);
  };
  const fileProblems = h('div', { class: 'form-problems' });
  const fileInput = /** @type {HTMLInputElement} */ (
    h('input', { id: 'outbox-file', type: 'file', accept: 'application/json,.json', onchange: () => load() })
  );
  show(
    main,
    h(
      'div',
      { class: 'screen' },
      h('h1', { tabindex: -1 }, t('Outbox')),
      flashBox(ctx.flash),
      section(t('Sync'), panel),
      section(
        waiting.length ? tn('{n} change waiting', '{n} changes waiting', waiting.length) : t('Nothing waiting'),
        waiting.length
          ? h(
              'ol',
              { class: 'row-list outbox-list' },
              waiting.map((e) =>
                h('li', null, h('span', { class: 'row-title' }, label(e)), h('span', { class: 'row-meta' }, ago((Date.now() - e.createdAt) / 1000))),
              ),
            )
          : h('p', { class: 'muted' }, t('Everything is on the server.')),
      ),
      rejected.length
        ? section(
            tn('{n} change refused', '{n} changes refused', rejected.length),
            h(
              'ul',
              { class: 'row-list' },
              rejected.map((n) =>
                h(
                  'li',
                  { class: 'refused' },
                  h('p', { class: 'row-title' }, label({ ...n, rid: n.id, plain: n.data })),
                  h('p', null, reasonText(n.code)),
                  refusedLabels(n).length
                    ? h('p', null, t('Check: {fields}.', { fields: refusedLabels(n).join(', ') }))
                    : null,
                  h(
                    'div',
                    { class: 'button-row' },
                    fixable(n)
                      ? h('a', { class: 'button button-primary', href: `#/fix/${n.seq}` }, t('Fix this'))
                      : n.type === 'lead' && n.name !== 'lead.create'
                        ? h('a', { class: 'button button-secondary', href: `#/leads/${n.id}` }, t('Open the lead'))
                        : null,
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'button-quiet',
                        onclick: async () => {
                          if (!confirm(t('Discard this change? What it held will not reach the server.'))) return;
                          await store.dismiss(n.seq);
                          ctx.go('#/outbox', t('Change discarded.'));
                        },
                      },
                      t('Discard'),
                    ),
                  ),
                ),
              ),
            ),
          )
        : null,
      conflicts.length
        ? section(
            tn('{n} edit made at the same time as someone else', '{n} edits made at the same time as someone else', conflicts.length),
            h(
              'ul',
              { class: 'row-list' },
              conflicts.map((n) =>
                h('li', null, h('a', { class: 'row-link', href: `#/leads/${n.id}` }, h('span', { class: 'row-title' }, names.get(n.id) || t('Lead')), h('span', { class: 'row-meta' }, t('See both values')))),
              ),
            ),
          )
        : null,
      section(
        t('Keep a copy'),
        h('p', null, t('The file holds the unsent changes in clear, personal data included: hand it to your coordinator, then delete it.')),
        h(
          'button',
          {
            type: 'button',
            class: 'button-secondary',
            disabled: waiting.length ? null : true,
            onclick: async () => download(await ctx.session.sync.exportUnsynced(), `terrain-unsent-${new Date().toISOString().slice(0, 10)}.json`),
          },
          t('Export unsent changes'),
        ),
        h('div', { class: 'field' }, h('label', { for: 'outbox-file' }, t('Load a saved file of unsent changes')), fileInput),
        fileProblems,
      ),
    ),
  );
  titled(t('Outbox'));

  async function load() {
    const file = fileInput.files?.[0];
    if (!file) return;
    const text = await file.text();
    /** @type {{name: string, args: any}[]} */
    let mutations;
    try {
      mutations = await readSaved(text, null);
    } catch (error) {
      if (!(error instanceof NeedsPinError)) {
        show(fileProblems, notice(t('This is not a file of unsent Terrain changes.')));
        return;
      }
      const pin = prompt(t('This file is encrypted. Enter the PIN the phone had when it was saved.'));
      if (!pin) return;
      try {
        mutations = await readSaved(text, pin);
      } catch {
        show(fileProblems, notice(t('This PIN does not open the file.')));
        return;
      }
    }
    for (const m of mutations) await ctx.mutate(m.name, m.args);
    ctx.go('#/outbox', tn('{n} change loaded; it will be sent.', '{n} changes loaded; they will be sent.', mutations.length));
  }
}
