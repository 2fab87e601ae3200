// @ts-check
/**
 * Leads a coordinator sent back for more information (lead.send_back on the server): the
 * list on Today and, on the lead screen, the coordinator's question with the answer. The
 * question arrives with the lead at a pull; the answer is a local mutation (lead.answer),
 * sent with the agent's fixes, so it works offline like every other change.
 */
import { formatDateTime, t, tn } from '../app/i18n.js';
import { h, show } from '../app/ui/dom.js';
import { busy, leadName } from './ui/common.js';
import { textField } from './ui/forms.js';

/**
 * Today's "sent back" panel. Drawn empty and filled once the leads are read, so Today shows
 * at once after unlocking (reading every lead takes a moment on a cheap phone).
 * @param {import('./app.js').Ctx} ctx
 */
export function sentBackPanel(ctx) {
  const slot = h('div', { class: 'sent-back-slot' });
  ctx.data
    .sentBack()
    .then((leads) => {
      if (!ctx.isCurrent() || !leads.length) return;
      show(
        slot,
        h(
          'section',
          { class: 'panel panel-warning sent-back', 'aria-labelledby': 'sent-back-title' },
          h(
            'h2',
            { id: 'sent-back-title' },
            tn('{n} lead sent back by a coordinator', '{n} leads sent back by a coordinator', leads.length),
          ),
          h(
            'ul',
            { class: 'row-list' },
            leads.map((lead) =>
              h(
                'li',
                null,
                h(
                  'a',
                  { class: 'row-link', href: `#/leads/${lead.id}` },
                  h('span', { class: 'row-title' }, leadName(lead)),
                  h('span', { class: 'row-meta sent-back-comment' }, lead.sent_back_note || ''),
                ),
              ),
            ),
          ),
        ),
      );
    })
    .catch(() => {});
  return slot;
}

/**
 * On the lead screen: the coordinator's question and the answer form; once answered, a line
 * saying so (until the coordinator sends it back again).
 * @param {import('./app.js').Ctx} ctx
 * @param {any} lead
 * @param {(message: string) => void} redraw
 */
export function sentBackQuestion(ctx, lead, redraw) {
  if (!lead.sent_back_at) return null;
  if (lead.answered_at) {
    return h(
      'p',
      { class: 'notice notice-info sent-back-answered' },
      t('You answered the coordinator on {date}.', { date: formatDateTime(lead.answered_at) }),
    );
  }
  const note = textField({
    name: 'answer',
    label: t('Your answer (optional)'),
    multiline: true,
    rows: 2,
    maxlength: 2000,
  });
  const send = h('button', { type: 'submit', class: 'button-primary button-wide' }, t('Send my answer'));
  return h(
    'section',
    { class: 'panel panel-warning sent-back', 'aria-labelledby': 'sent-back-question' },
    h('h2', { id: 'sent-back-question' }, t('Sent back by a coordinator')),
    h('blockquote', { class: 'sent-back-comment' }, lead.sent_back_note || ''),
    h('p', { class: 'muted' }, formatDateTime(lead.sent_back_at)),
    h('p', null, t('Fix what is asked, then send your answer.')),
    h('a', { class: 'button button-secondary button-wide', href: `#/leads/${lead.id}/edit` }, t('Edit the details')),
    h(
      'form',
      {
        class: 'stack',
        onsubmit: (/** @type {Event} */ event) => {
          event.preventDefault();
          busy(send, t('Sending…'), async () => {
            const text = note.input.value.trim();
            await ctx.mutate('lead.answer', { id: lead.id, note: text || null });
            redraw(t('Answer saved. The coordinator sees it after the next sync.'));
          });
        },
      },
      note.field,
      send,
    ),
  );
}
