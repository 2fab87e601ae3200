// @ts-check
/**
 * Outreach overview: sessions by week and commune (people reached, leads, conversion),
 * venues due a visit, and each agent's activity — listed by name, for coaching
 * conversations, not as a ranking.
 */
import { request } from '../app/api.js';
import { formatDate, formatDay, t } from '../app/i18n.js';
import { h, show } from '../app/ui/dom.js';
import { count, dataTable, inPlaceOfFigure, inputField, navigate, percent, problem, routeParams } from './common.js';

/**
 * @param {HTMLElement} main
 * @param {{isCurrent: () => boolean}} view
 * @param {string} route
 */
export async function renderOutreach(main, view, route) {
  const params = routeParams(route);
  const heading = h('h1', { tabindex: -1 }, t('Outreach'));
  document.title = [t('Outreach'), 'Terrain'].join(' – ');
  let body;
  try {
    body = await request('GET', '/api/outreach', {
      query: { from: params.get('from'), to: params.get('to') },
    });
  } catch (error) {
    if (view.isCurrent()) show(main, heading, problem(error));
    return;
  }
  if (!view.isCurrent()) return;
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        const data = new FormData(/** @type {HTMLFormElement} */ (form));
        navigate('/office/outreach', new URLSearchParams({ from: String(data.get('from')), to: String(data.get('to')) }));
      },
    },
    inputField('f-from', t('From'), 'date', body.start),
    inputField('f-to', t('To'), 'date', body.end),
    h('button', { type: 'submit', class: 'button-primary' }, t('Show')),
  );
  show(
    main,
    h(
      'section',
      { class: 'outreach-screen office-wide' },
      heading,
      form,
      dataTable(
        t('Sessions by week and commune'),
        [t('Week of'), t('Commune'), t('Sessions'), t('People reached'), t('Leads'), t('Conversion')],
        body.weeks.map((/** @type {any} */ w) => [
          formatDay(w.week),
          w.commune || '–',
          count(w.sessions),
          count(w.reached),
          count(w.leads),
          conversion(w),
        ]),
      ),
      dataTable(
        t('Venues due a visit'),
        [t('Venue'), t('Commune'), t('Last visit'), t('Next visit')],
        body.venues_due.map((/** @type {any} */ v) => [
          v.name,
          v.commune || '–',
          v.last_visit_at ? formatDate(v.last_visit_at) : t('Never'),
          v.next_visit_on ? formatDay(v.next_visit_on) : t('Not planned'),
        ]),
      ),
      dataTable(
        t("Agents' activity (for coaching, not a ranking)"),
        [t('Agent'), t('Sessions'), t('Leads'), t('Waiting for a first contact'), t('Median days to first contact')],
        body.agents.map((/** @type {any} */ a) => [
          a.name,
          count(a.sessions),
          count(a.leads),
          count(a.waiting_first_contact),
          count(a.median_days_to_first_contact),
        ]),
      ),
    ),
  );
}

/**
 * Leads over people reached; more leads than people tallied means the tally was not kept
 * (a percentage above 100 would read as a result).
 * @param {{reached: number, leads: number, conversion: number | null}} w
 */
function conversion(w) {
  return w.reached > 0 && w.leads > w.reached ? inPlaceOfFigure(t('Tally incomplete')) : percent(w.conversion);
}
