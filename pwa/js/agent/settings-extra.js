// @ts-check
/**
 * The settings screen's mount point for other features (contract B): the push engineer
 * fills it with the notification settings. It renders nothing until then.
 */

/**
 * @param {HTMLElement} _container  an empty element at the end of the settings screen
 * @param {import('./app.js').Ctx} _ctx
 */
export function renderSettingsExtra(_container, _ctx) {}
