// @ts-check
/** One lead: its fields, open follow-ups, timeline; change its status, add a note. */
import { newId } from '../sync/ids.js';
import { ApiError, request } from '../app/api.js';
import { brusselsToday, formatDate, formatDateTime, formatDay, t } from '../app/i18n.js';
import {
  channelLabel,
  followupLabel,
  interactionLabel,
  languageName,
  needLabel,
  nextStatuses,
  stageLabel,
  statusLabel,
} from '../app/vocab.js';
import { h, notice, show, uid } from '../app/ui/dom.js';
import { fullName } from './lead-list.js';
import { consentPanel } from './lead-consent.js';
import { leadExtras } from './lead-extra.js';
import { sendBackPanel } from './sendback.js';

/**
 * @typedef {{id: string, kind: string, occurred_at: string, body: string | null,
 *   from_status: string | null, to_status: string | null, author_id: string | null,
 *   voided_at: string | null, void_reason: string | null}} Interaction
 * @typedef {{id: string, due_on: string, kind: string, note: string | null}} Followup
 * @typedef {{given_at: string, withdrawn_at: string | null}} Consent
 * @typedef {Record<string, any> & {id: string, first_name: string, last_name: string | null,
 *   status: string, status_changed_at: string, needs: string[], timeline: Interaction[],
 *   followups: Followup[], consent: Consent | null}} Lead
 * @typedef {{me: {id: string}, isCurrent: () => boolean}} View
 */

/**
 * @param {HTMLElement} main
 * @param {string} leadId
 * @param {View} view
 * @param {string | null} [flash] what just succeeded, said at the top of the page
 */
export async function renderLeadDetail(main, leadId, view, flash = null) {
  if (!view.isCurrent()) return;
  const back = h('a', { class: 'back-link', href: '#/office/leads' }, t('All leads'));
  show(main, back, h('p', { class: 'loading', role: 'status' }, t('Loading…')));
  /** @type {Lead} */
  let lead;
  try {
    lead = await request('GET', `/api/leads/${encodeURIComponent(leadId)}`);
  } catch (error) {
    if (!view.isCurrent()) return;
    const retry = () => renderLeadDetail(main, leadId, view);
    show(
      main,
      back,
      h('h1', { tabindex: -1 }, t('Lead')),
      notice(error instanceof Error ? error.message : String(error)),
      error instanceof ApiError && error.status === 404
        ? null
        : h('button', { type: 'button', class: 'button-quiet', onclick: retry }, t('Try again')),
    );
    return;
  }
  if (!view.isCurrent()) return;
  const reload = (/** @type {string} */ message) => renderLeadDetail(main, leadId, view, message);
  const done = flash
    ? h('p', { class: 'notice notice-info', role: 'status', tabindex: -1 }, flash)
    : null;
  show(
    main,
    back,
    h(
      'article',
      { class: 'lead-detail' },
      h(
        'header',
        { class: 'lead-head' },
        h('h1', { tabindex: -1 }, fullName(lead)),
        h(
          'p',
          { class: 'lead-status' },
          h('span', { class: `badge status-${lead.status}` }, statusLabel(lead.status)),
          ' ',
          h(
            'span',
            { class: 'muted' },
            t('since {date}', { date: formatDate(lead.status_changed_at) }),
          ),
        ),
        done,
      ),
      h(
        'div',
        { class: 'lead-columns' },
        h('div', { class: 'lead-column' }, fieldsSection(lead), followupsSection(lead.followups)),
        h(
          'div',
          { class: 'lead-column' },
          sendBackPanel(lead, reload),
          statusSection(lead, reload),
          leadExtras(lead, reload),
          consentPanel(lead, reload),
          noteSection(lead, reload),
          timelineSection(lead.timeline, view.me.id),
        ),
      ),
    ),
  );
  document.title = [fullName(lead), 'Terrain'].join(' – ');
  if (done) done.focus();
}

/**
 * A titled part of the page, labelled by its heading.
 * @param {string} title
 * @param {...(Node | null)} content
 */
function section(title, ...content) {
  const id = uid('section');
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': id },
    h('h2', { id }, title),
    ...content,
  );
}

/** @param {Lead} lead */
function fieldsSection(lead) {
  /** @type {[string, Node | string | null][]} */
  const rows = [
    [t('Phone'), lead.phone ? h('a', { href: `tel:${lead.phone}` }, lead.phone) : null],
    [t('E-mail'), lead.email ? h('a', { href: `mailto:${lead.email}` }, lead.email) : null],
    [t('Language'), languageName(lead.language)],
    [t('Commune'), lead.commune],
    [t('Postcode'), lead.postcode],
    [t('Project idea'), lead.project_idea],
    [t('Sector'), lead.sector],
    [t('Stage of the project'), lead.project_stage ? stageLabel(lead.project_stage) : null],
    [t('Needs'), lead.needs.length ? lead.needs.map(needLabel).join(', ') : null],
    [t('Channel'), channelLabel(lead.channel)],
    [t('Campaign'), lead.campaign],
    [t('First contact'), formatDateTime(lead.first_touch_at)],
    [t('Last contact'), formatDateTime(lead.last_touch_at)],
    [t('Consent'), consentText(lead.consent)],
  ];
  return section(
    t('Details'),
    h(
      'dl',
      { class: 'fields' },
      rows
        .filter(([, value]) => value !== null && value !== '')
        .map(([name, value]) =>
          h('div', { class: 'field-row' }, h('dt', null, name), h('dd', null, value)),
        ),
    ),
  );
}

/** @param {Consent | null} consent */
function consentText(consent) {
  if (!consent) return t('No consent on record');
  if (consent.withdrawn_at)
    return t('Withdrawn on {date}', { date: formatDate(consent.withdrawn_at) });
  return t('Given on {date}', { date: formatDate(consent.given_at) });
}

/** @param {Followup[]} followups */
function followupsSection(followups) {
  if (followups.length === 0)
    return section(t('Open follow-ups'), h('p', { class: 'muted' }, t('Nothing to do.')));
  const today = brusselsToday();
  return section(
    t('Open follow-ups'),
    h(
      'ul',
      { class: 'followups' },
      followups.map((f) =>
        h(
          'li',
          { class: f.due_on < today ? 'followup overdue' : 'followup' },
          h('span', { class: 'followup-kind' }, followupLabel(f.kind)),
          ' ',
          h('time', { datetime: f.due_on }, formatDay(f.due_on)),
          f.due_on < today ? h('span', { class: 'badge badge-warning' }, t('Overdue')) : null,
          f.note ? h('p', { class: 'followup-note' }, f.note) : null,
        ),
      ),
    ),
  );
}

/**
 * @param {Lead} lead
 * @param {(message: string) => void} reload
 */
function statusSection(lead, reload) {
  const choices = nextStatuses(lead.status);
  if (choices.length === 0) {
    return section(
      t('Change the status'),
      h('p', { class: 'muted' }, t('This status cannot be changed.')),
    );
  }
  const selectId = uid('status');
  const commentId = uid('comment');
  const select = h(
    'select',
    { id: selectId, name: 'status', required: true },
    h('option', { value: '' }, t('Choose a status')),
    choices.map((s) => h('option', { value: s }, statusLabel(s))),
  );
  const comment = h('textarea', { id: commentId, name: 'comment', rows: 2, maxlength: 2000 });
  const problems = h('div', { class: 'form-problems' });
  const submit = h('button', { type: 'submit', class: 'button-primary' }, t('Change the status'));
  const form = h(
    'form',
    { class: 'stack', novalidate: true, onsubmit: onSubmit },
    h('div', { class: 'field' }, h('label', { for: selectId }, t('New status')), select),
    h('div', { class: 'field' }, h('label', { for: commentId }, t('Comment (optional)')), comment),
    problems,
    submit,
  );
  return section(t('Change the status'), form);

  /** @param {Event} event */
  async function onSubmit(event) {
    event.preventDefault();
    const status = /** @type {HTMLSelectElement} */ (select).value;
    if (!status) {
      show(problems, notice(t('Choose a status.')));
      select.focus();
      return;
    }
    const text = /** @type {HTMLTextAreaElement} */ (comment).value.trim();
    await send(submit, problems, async () => {
      await request('POST', `/api/leads/${encodeURIComponent(lead.id)}/status`, {
        json: { status, comment: text || null },
      });
      reload(t('Status changed to “{status}”.', { status: statusLabel(status) }));
    });
  }
}

/**
 * @param {Lead} lead
 * @param {(message: string) => void} reload
 */
function noteSection(lead, reload) {
  // One id per note: sending it again after a lost answer cannot add it twice.
  const noteId = newId();
  const bodyId = uid('note');
  const body = h('textarea', {
    id: bodyId,
    name: 'body',
    rows: 3,
    maxlength: 4000,
    required: true,
  });
  const problems = h('div', { class: 'form-problems' });
  const submit = h('button', { type: 'submit', class: 'button-primary' }, t('Add the note'));
  const form = h(
    'form',
    { class: 'stack', novalidate: true, onsubmit: onSubmit },
    h('div', { class: 'field' }, h('label', { for: bodyId }, t('Note')), body),
    problems,
    submit,
  );
  return section(t('Add a note'), form);

  /** @param {Event} event */
  async function onSubmit(event) {
    event.preventDefault();
    const text = /** @type {HTMLTextAreaElement} */ (body).value.trim();
    if (!text) {
      show(problems, notice(t('Write the note first.')));
      body.focus();
      return;
    }
    await send(submit, problems, async () => {
      await request('POST', `/api/leads/${encodeURIComponent(lead.id)}/interactions`, {
        json: { id: noteId, kind: 'note', body: text },
      });
      reload(t('Note added.'));
    });
  }
}

/**
 * Run `action` with the button disabled; show the server's message if it fails.
 * @param {HTMLElement} button
 * @param {HTMLElement} problems
 * @param {() => Promise<void>} action
 */
async function send(button, problems, action) {
  button.setAttribute('disabled', '');
  problems.replaceChildren();
  try {
    await action();
  } catch (error) {
    show(problems, notice(error instanceof Error ? error.message : String(error)));
    button.removeAttribute('disabled');
  }
}

/**
 * @param {Interaction[]} timeline newest first
 * @param {string} myId
 */
function timelineSection(timeline, myId) {
  if (timeline.length === 0)
    return section(t('Timeline'), h('p', { class: 'muted' }, t('Nothing yet.')));
  return section(
    t('Timeline'),
    h(
      'ol',
      { class: 'timeline' },
      timeline.map((item) => timelineItem(item, myId)),
    ),
  );
}

/**
 * @param {Interaction} item
 * @param {string} myId
 */
function timelineItem(item, myId) {
  const change =
    item.kind === 'status_change' && item.to_status
      ? h(
          'p',
          { class: 'event-change' },
          item.from_status
            ? t('From “{from}” to “{to}”', {
                from: statusLabel(item.from_status),
                to: statusLabel(item.to_status),
              })
            : statusLabel(item.to_status),
        )
      : null;
  return h(
    'li',
    { class: item.voided_at ? 'event voided' : 'event' },
    h(
      'p',
      { class: 'event-head' },
      h('span', { class: 'event-kind' }, interactionLabel(item.kind)),
      ' ',
      h('time', { datetime: item.occurred_at }, formatDateTime(item.occurred_at)),
      item.author_id === myId ? h('span', { class: 'muted' }, ' · ', t('by you')) : null,
    ),
    change,
    item.body ? h('p', { class: 'event-body' }, item.body) : null,
    item.voided_at
      ? h(
          'p',
          { class: 'event-void' },
          t('Cancelled: {reason}', { reason: item.void_reason || '' }),
        )
      : null,
  );
}
