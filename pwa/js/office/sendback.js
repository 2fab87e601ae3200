// @ts-check
/**
 * Send a lead back to its agent with a comment (lead.send_back on the server; the agent's
 * phone gets it at its next sync), and once the agent answered, what changed since: the
 * fields stamped after the send-back, with their values now, and the timeline's new entries.
 */
import { request } from '../app/api.js';
import { formatDateTime, t, tn } from '../app/i18n.js';
import { channelLabel, fieldLabel, languageName, needLabel, stageLabel, statusLabel } from '../app/vocab.js';
import { h, notice, show, uid } from '../app/ui/dom.js';

/** @param {string} field @param {any} value */
function shown(field, value) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) {
    return '—';
  }
  if (field === 'language') return languageName(value);
  if (field === 'project_stage') return stageLabel(value);
  if (field === 'channel') return channelLabel(value);
  if (field === 'status') return statusLabel(value);
  if (field === 'needs') return value.map(needLabel).join(', ');
  return String(value);
}

/**
 * @param {Record<string, any>} lead  the lead detail (GET /api/leads/{id})
 * @param {(message: string) => void} reload
 */
export function sendBackPanel(lead, reload) {
  const id = uid('send-back');
  const state = lead.send_back;
  return h(
    'section',
    { class: state && !state.answered_at ? 'panel panel-warning send-back' : 'panel send-back', 'aria-labelledby': id },
    h('h2', { id }, t('Send back to the agent')),
    state ? stateOf(lead, state) : null,
    sendForm(lead, state, reload),
  );
}

/** @param {Record<string, any>} lead @param {Record<string, any>} state */
function stateOf(lead, state) {
  const asked = h(
    'div',
    { class: 'send-back-asked' },
    h(
      'p',
      { class: 'muted' },
      state.by_name
        ? t('Sent back on {date} by {name}:', { date: formatDateTime(state.at), name: state.by_name })
        : t('Sent back on {date}:', { date: formatDateTime(state.at) }),
    ),
    h('blockquote', { class: 'send-back-comment' }, state.comment || ''),
  );
  if (!state.answered_at) {
    return h('div', null, asked, h('p', { class: 'send-back-waiting' }, t('Waiting for the agent’s answer.')));
  }
  const since = (lead.timeline || []).filter(
    (/** @type {any} */ item) => item.occurred_at > state.at && item.kind !== 'status_change',
  ).length;
  return h(
    'div',
    null,
    asked,
    h(
      'p',
      { class: 'send-back-answered' },
      h('span', { class: 'badge badge-answered' }, t('Answer received')),
      ' ',
      t('on {date}', { date: formatDateTime(state.answered_at) }),
    ),
    state.answer ? h('blockquote', { class: 'send-back-answer' }, state.answer) : null,
    h('h3', null, t('Changed since it was sent back')),
    state.changed_fields.length
      ? h(
          'dl',
          { class: 'fields send-back-changes' },
          state.changed_fields.map((/** @type {string} */ field) =>
            h(
              'div',
              { class: 'field-row changed' },
              h('dt', null, fieldLabel(field)),
              h('dd', null, shown(field, lead[field])),
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('No detail was changed.')),
    since ? h('p', null, tn('{n} new entry in the timeline.', '{n} new entries in the timeline.', since)) : null,
  );
}

/**
 * @param {Record<string, any>} lead
 * @param {Record<string, any> | null} state
 * @param {(message: string) => void} reload
 */
function sendForm(lead, state, reload) {
  const commentId = uid('send-back-comment');
  const comment = h('textarea', { id: commentId, name: 'send-back-comment', rows: 3, maxlength: 2000, required: true });
  const problems = h('div', { class: 'form-problems' });
  const submit = h(
    'button',
    { type: 'submit', class: 'button-primary' },
    state ? t('Send back again') : t('Send back'),
  );
  return h(
    'form',
    { class: 'stack send-back-form', novalidate: true, onsubmit: onSubmit },
    h(
      'div',
      { class: 'field' },
      h('label', { for: commentId }, t('What should the agent find out or fix?')),
      comment,
    ),
    problems,
    submit,
  );

  /** @param {Event} event */
  async function onSubmit(event) {
    event.preventDefault();
    const text = /** @type {HTMLTextAreaElement} */ (comment).value.trim();
    if (!text) {
      show(problems, notice(t('Write what the agent should do first.')));
      comment.focus();
      return;
    }
    submit.setAttribute('disabled', '');
    problems.replaceChildren();
    try {
      await request('POST', `/api/leads/${encodeURIComponent(lead.id)}/send-back`, { json: { comment: text } });
      reload(t('Sent back to the agent. Their phone gets it at its next sync.'));
    } catch (error) {
      show(problems, notice(error instanceof Error ? error.message : String(error)));
      submit.removeAttribute('disabled');
    }
  }
}
