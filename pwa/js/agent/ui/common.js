// @ts-check
/** Small pieces the agent screens share: headings, flash messages, lead names and badges. */
import { t } from '../../app/i18n.js';
import { h } from '../../app/ui/dom.js';
import { statusLabel } from '../../app/vocab.js';

/** @param {{first_name?: string, last_name?: string | null}} lead */
export function leadName(lead) {
  return [lead.first_name, lead.last_name].filter(Boolean).join(' ') || t('(no name)');
}

/** @param {string} status */
export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, statusLabel(status));
}

/** "Not sent yet" for records with changes still in the outbox. @param {{_pending?: boolean}} rec */
export function pendingMark(rec) {
  return rec._pending ? h('span', { class: 'badge badge-pending' }, t('Not sent yet')) : null;
}

/** What just succeeded, said at the top of the next screen. @param {string | null} message */
export function flashBox(message) {
  return message ? h('p', { class: 'notice notice-info flash', role: 'status' }, message) : null;
}

/** @param {string} title @param {...any} children */
export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', null, title), ...children);
}

/** Set the document title of a screen. @param {string} title */
export function titled(title) {
  document.title = [title, 'Terrain'].join(' – ');
}

/** @param {string} message  a button's busy label while `work` runs
 * @param {HTMLButtonElement | HTMLElement} button
 * @param {() => Promise<void>} work */
export async function busy(button, message, work) {
  const label = button.textContent;
  button.setAttribute('disabled', '');
  button.textContent = message;
  try {
    await work();
  } finally {
    button.removeAttribute('disabled');
    button.textContent = label;
  }
}
