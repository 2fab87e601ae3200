// @ts-check
/**
 * Notifications for coordinators and admins (#/office/notifications): the agent app's
 * notifications section (pwa/js/agent/settings-extra.js), drawn with the office's API
 * calls. Coordinators hear here about new self-intakes in their team, leads assigned or
 * sent back to them, and their follow-ups of the day.
 */
import { request } from '../app/api.js';
import { t } from '../app/i18n.js';
import { h, show } from '../app/ui/dom.js';
import { renderPushSettings } from '../agent/settings-extra.js';

/**
 * @param {HTMLElement} main
 * @param {import('./index.js').View} view
 */
export async function renderNotifications(main, view) {
  document.title = [t('Notifications'), 'Terrain'].join(' – ');
  const container = h('div', null);
  show(
    main,
    h('section', { class: 'notifications-screen' }, h('h1', { tabindex: -1 }, t('Notifications')), container),
  );
  renderPushSettings(container, {
    api: (method, path, json) => request(method, path, json === undefined ? {} : { json }),
    me: view.me,
    isCurrent: view.isCurrent,
    office: true,
  });
}
