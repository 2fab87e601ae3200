// @ts-check
/**
 * One lead: call or write, its details, what needs attention (a refused change, an edit
 * made at the same time as someone else's, with both values), follow-ups, log an
 * interaction, change the status, the timeline. Every write is a local mutation.
 */
import { formatDateTime, formatDay, t } from '../../app/i18n.js';
import { h, notice, show } from '../../app/ui/dom.js';
import {
  channelLabel,
  fieldLabel,
  followupLabel,
  interactionLabel,
  languageName,
  needLabel,
  nextStatuses,
  stageLabel,
  statusLabel,
} from '../../app/vocab.js';
import { baseOf, newId } from '../../sync/index.js';
import { reasonText, shown } from '../reasons.js';
import { flashBox, leadName, pendingMark, section, statusBadge, titled } from '../ui/common.js';
import { chips, selectField, textField } from '../ui/forms.js';
import { brusselsDay } from '../ui/time.js';
import { FOLLOWUP_KINDS, INTERACTION_KINDS } from '../vocab.js';
import { withdrawSection } from '../withdraw.js';
import { sentBackQuestion } from '../sentback.js';

/**
 * @param {HTMLElement} main
 * @param {import('../app.js').Ctx} ctx
 * @param {string} id
 */
export async function renderLead(main, ctx, id) {
  const [lead, timeline, followups, notes] = await Promise.all([
    ctx.data.get('lead', id),
    ctx.data.interactionsOf(id),
    ctx.data.openFollowups(),
    ctx.session.store.attention(),
  ]);
  if (!ctx.isCurrent()) return;
  const back = h('a', { class: 'back-link', href: '#/leads' }, t('All leads'));
  if (!lead || lead.deleted_at) {
    show(main, back, h('h1', { tabindex: -1 }, t('Lead')), h('p', null, t('This lead is not on this phone (any more).')));
    return;
  }
  const mine = notes.filter((n) => n.id === id);
  const redraw = (/** @type {string} */ message) => ctx.go(`#/leads/${id}`, message);
  show(
    main,
    h(
      'div',
      { class: 'screen lead' },
      back,
      h(
        'div',
        { class: 'lead-head' },
        h('h1', { tabindex: -1 }, leadName(lead)),
        statusBadge(lead.status || 'new'),
        pendingMark(lead),
      ),
      flashBox(ctx.flash),
      attention(ctx, lead, mine, redraw),
      sentBackQuestion(ctx, lead, redraw),
      contactButtons(lead),
      // In the street: call, note what happened, plan the next step; details below.
      followupSection(ctx, lead, followups.get(id) ?? [], redraw),
      interactionSection(ctx, lead, redraw),
      statusSection(ctx, lead, redraw),
      details(lead),
      timelineSection(timeline, ctx.me.id),
      withdrawSection(ctx, lead, redraw),
    ),
  );
  titled(leadName(lead));
}

/** @param {any} lead */
function contactButtons(lead) {
  if (!lead.phone && !lead.email) return null;
  return h(
    'div',
    { class: 'button-row contact-buttons' },
    lead.phone ? h('a', { class: 'button button-primary', href: `tel:${lead.phone}` }, t('Call now'), ' ', lead.phone) : null,
    lead.phone ? h('a', { class: 'button button-secondary', href: `sms:${lead.phone}` }, t('Text message')) : null,
    lead.email ? h('a', { class: 'button button-secondary', href: `mailto:${lead.email}` }, t('E-mail')) : null,
  );
}

/** @param {any} lead */
function details(lead) {
  /** @type {[string, any][]} */
  const rows = [
    [t('Phone'), lead.phone],
    [t('E-mail address'), lead.email],
    [t('Language'), lead.language ? languageName(lead.language) : null],
    [t('Commune'), [lead.commune, lead.postcode].filter(Boolean).join(' ')],
    [t('Project idea'), lead.project_idea],
    [t('Sector'), lead.sector],
    [t('Stage of the project'), lead.project_stage ? stageLabel(lead.project_stage) : null],
    [t('Needs'), (lead.needs || []).map(needLabel).join(', ')],
    [t('Channel'), lead.channel ? channelLabel(lead.channel) : null],
  ];
  return section(
    t('Details'),
    h(
      'dl',
      { class: 'fields' },
      rows
        .filter(([, v]) => v)
        .map(([label, value]) => h('div', { class: 'field-row' }, h('dt', null, label), h('dd', null, value))),
    ),
    h('a', { class: 'button button-secondary', href: `#/leads/${lead.id}/edit` }, t('Edit the details')),
  );
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {any} lead
 * @param {any[]} notes  attention entries of this lead
 * @param {(message: string) => void} redraw
 */
function attention(ctx, lead, notes, redraw) {
  if (!notes.length) return null;
  const store = ctx.session.store;
  const items = [];
  for (const note of notes) {
    if (note.kind === 'rejected') {
      items.push(
        h(
          'li',
          null,
          h('p', null, t('A change was refused by the server:'), ' ', reasonText(note.code)),
          h(
            'button',
            { type: 'button', class: 'button-quiet', onclick: async () => (await store.dismiss(note.seq), redraw(t('Done.'))) },
            t('Understood'),
          ),
        ),
      );
      continue;
    }
    const { conflicts = [], mine = {} } = note.data ?? {};
    for (const c of Array.isArray(conflicts) ? conflicts : []) {
      if (c.id !== lead.id) continue;
      const label = fieldLabel(c.field);
      const yours = mine[c.field];
      items.push(
        h(
          'li',
          { class: 'conflict' },
          h('p', null, t('“{field}” was changed by someone else at the same time as you.', { field: label })),
          h(
            'dl',
            { class: 'conflict-values' },
            h('div', null, h('dt', null, t('Your value')), h('dd', null, shown(yours))),
            // Yours won: the value now is yours, and the other one never reaches the phone
            // (the coordinator sees it), so it is not shown twice.
            c.won ? null : h('div', null, h('dt', null, t('Value now')), h('dd', null, shown(lead[c.field]))),
          ),
          c.won
            ? h('p', { class: 'muted' }, t('Yours was kept; your coordinator sees the other value.'))
            : null,
          h(
            'div',
            { class: 'button-row' },
            !c.won
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'button-secondary',
                    onclick: async () => {
                      await ctx.mutate('lead.patch', {
                        id: lead.id,
                        set: { [c.field]: yours },
                        base: baseOf(lead, [c.field]),
                      });
                      await store.dismiss(note.seq);
                      redraw(t('Your value is back.'));
                    },
                  },
                  t('Use my value'),
                )
              : null,
            h(
              'button',
              {
                type: 'button',
                class: 'button-quiet',
                onclick: async () => (await store.dismiss(note.seq), redraw(t('Done.'))),
              },
              c.won ? t('Understood') : t('Keep the value now'),
            ),
          ),
        ),
      );
    }
  }
  if (!items.length) return null;
  return h(
    'section',
    { class: 'panel panel-warning' },
    h('h2', null, t('Needs your attention')),
    h('ul', { class: 'plain-list' }, items),
  );
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {any} lead
 * @param {any[]} open
 * @param {(message: string) => void} redraw
 */
function followupSection(ctx, lead, open, redraw) {
  const today = brusselsDay(0);
  const when = chips({
    name: 'followup-when',
    legend: t('When?'),
    options: [
      { value: '1', label: t('Tomorrow') },
      { value: '3', label: t('In 3 days') },
      { value: '7', label: t('In a week') },
    ],
    value: '1',
    compact: true,
  });
  const date = textField({ name: 'due_on', label: t('Or on this day'), type: 'date', min: today });
  const kind = selectField({
    name: 'followup-kind',
    label: t('What'),
    options: FOLLOWUP_KINDS.map((k) => ({ value: k, label: followupLabel(k) })),
    value: 'call',
  });
  const note = textField({ name: 'followup-note', label: t('Note (optional)'), maxlength: 1000 });
  const problems = h('div', { class: 'form-problems' });
  const form = h(
    'form',
    {
      class: 'stack',
      novalidate: true,
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        const dueOn = date.input.value || brusselsDay(Number(when.value() || 1));
        if (dueOn < today) {
          show(problems, notice(t('Choose a day from today on.')));
          return;
        }
        await ctx.mutate('followup.create', {
          id: newId(),
          lead_id: lead.id,
          due_on: dueOn,
          kind: kind.select.value,
          note: note.input.value.trim() || null,
        });
        redraw(t('Follow-up scheduled for {date}.', { date: formatDay(dueOn) }));
      },
    },
    when.field,
    date.field,
    kind.field,
    note.field,
    problems,
    h('button', { type: 'submit', class: 'button-primary' }, t('Schedule')),
  );
  return section(
    t('Follow-ups'),
    open.length
      ? h(
          'ul',
          { class: 'row-list' },
          open.map((f) =>
            h(
              'li',
              { class: f.due_on < today ? 'followup overdue' : 'followup' },
              h(
                'div',
                { class: 'followup-text' },
                h('span', { class: 'followup-kind' }, followupLabel(f.kind)),
                ' ',
                h('time', { datetime: f.due_on }, formatDay(f.due_on)),
                f.due_on < today ? h('span', { class: 'badge badge-warning' }, t('Overdue')) : null,
                f.note ? h('p', { class: 'followup-note' }, f.note) : null,
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'button-secondary',
                  onclick: async () => {
                    await ctx.mutate('followup.patch', {
                      id: f.id,
                      set: { done_at: new Date().toISOString() },
                      base: baseOf(f, ['done_at']),
                    });
                    redraw(t('Follow-up done.'));
                  },
                },
                t('Done'),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('Nothing planned.')),
    h('details', { class: 'disclosure' }, h('summary', null, t('Schedule a follow-up')), form),
  );
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {any} lead
 * @param {(message: string) => void} redraw
 */
function interactionSection(ctx, lead, redraw) {
  const kind = chips({
    name: 'interaction-kind',
    legend: t('What happened?'),
    options: INTERACTION_KINDS.map((k) => ({ value: k, label: interactionLabel(k) })),
    value: 'call',
    compact: true,
  });
  const body = textField({ name: 'body', label: t('Note (optional)'), multiline: true, maxlength: 4000 });
  // One id per form: saving twice after a slow answer cannot log it twice.
  const interactionId = newId();
  return section(
    t('Log an interaction'),
    h(
      'form',
      {
        class: 'stack',
        novalidate: true,
        onsubmit: async (/** @type {Event} */ e) => {
          e.preventDefault();
          const what = kind.value() || 'note';
          await ctx.mutate('interaction.add', {
            id: interactionId,
            lead_id: lead.id,
            kind: what,
            occurred_at: new Date().toISOString(),
            body: body.input.value.trim() || null,
          });
          redraw(t('Saved: {what}.', { what: interactionLabel(what) }));
        },
      },
      kind.field,
      body.field,
      h('button', { type: 'submit', class: 'button-primary' }, t('Save')),
    ),
  );
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {any} lead
 * @param {(message: string) => void} redraw
 */
function statusSection(ctx, lead, redraw) {
  const choices = nextStatuses(lead.status || 'new');
  if (!choices.length) return null;
  const status = selectField({
    name: 'status',
    label: t('New status'),
    options: choices.map((s) => ({ value: s, label: statusLabel(s) })),
    empty: t('Choose a status'),
  });
  const comment = textField({ name: 'comment', label: t('Comment (optional)'), multiline: true, rows: 2, maxlength: 2000 });
  const problems = h('div', { class: 'form-problems' });
  return section(
    t('Change the status'),
    h(
      'form',
      {
        class: 'stack',
        novalidate: true,
        onsubmit: async (/** @type {Event} */ e) => {
          e.preventDefault();
          const value = status.select.value;
          if (!value) {
            show(problems, notice(t('Choose a status.')));
            status.select.focus();
            return;
          }
          await ctx.mutate('lead.patch', {
            id: lead.id,
            set: { status: value },
            base: baseOf(lead, ['status']),
          });
          const text = comment.input.value.trim();
          if (text) {
            await ctx.mutate('interaction.add', {
              id: newId(),
              lead_id: lead.id,
              kind: 'note',
              occurred_at: new Date().toISOString(),
              body: text,
            });
          }
          redraw(t('Status changed to “{status}”.', { status: statusLabel(value) }));
        },
      },
      status.field,
      comment.field,
      problems,
      h('button', { type: 'submit', class: 'button-primary' }, t('Change the status')),
    ),
  );
}

/** @param {any[]} timeline @param {string} myId */
function timelineSection(timeline, myId) {
  return section(
    t('Timeline'),
    timeline.length
      ? h(
          'ol',
          { class: 'timeline' },
          timeline.map((item) =>
            h(
              'li',
              { class: item.voided_at ? 'event voided' : 'event' },
              h(
                'p',
                { class: 'event-head' },
                h('span', { class: 'event-kind' }, interactionLabel(item.kind)),
                ' ',
                h('time', { datetime: item.occurred_at }, formatDateTime(item.occurred_at)),
                item.author_id === myId ? h('span', { class: 'muted' }, ' · ', t('by you')) : null,
                pendingMark(item),
              ),
              item.kind === 'status_change' && item.to_status
                ? h(
                    'p',
                    { class: 'event-change' },
                    item.from_status
                      ? t('From “{from}” to “{to}”', { from: statusLabel(item.from_status), to: statusLabel(item.to_status) })
                      : statusLabel(item.to_status),
                  )
                : null,
              item.body ? h('p', { class: 'event-body' }, item.body) : null,
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('Nothing yet.')),
  );
}
