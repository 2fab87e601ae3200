// @ts-check
/**
 * The impact report for funders, printable: people reached, leads, financed, coached,
 * referred, jobs planned, and each target group's share among those who answered that
 * marker (with that count); cells under 5 people hidden; the previous period beside it.
 */
import { request } from '../app/api.js';
import { formatDay, t } from '../app/i18n.js';
import { h, show } from '../app/ui/dom.js';
import { count, dataTable, exportButtons, inputField, navigate, percent, problem, routeParams } from './common.js';
import { stageLabel, targetGroupLabel } from './labels.js';

/** The last full quarter, as Brussels days. */
function lastQuarter() {
  const now = new Date();
  const quarter = Math.floor(now.getMonth() / 3);
  const start = new Date(Date.UTC(now.getFullYear(), quarter * 3 - 3, 1));
  const end = new Date(Date.UTC(now.getFullYear(), quarter * 3, 0));
  return [start.toISOString().slice(0, 10), end.toISOString().slice(0, 10)];
}

/**
 * @param {HTMLElement} main
 * @param {{isCurrent: () => boolean}} view
 * @param {string} route
 */
export async function renderImpact(main, view, route) {
  const params = routeParams(route);
  const [defaultFrom, defaultTo] = lastQuarter();
  const from = params.get('from') || defaultFrom;
  const to = params.get('to') || defaultTo;
  const heading = h('h1', { tabindex: -1 }, t('Impact report'));
  const form = h(
    'form',
    {
      class: 'filters no-print',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        const data = new FormData(/** @type {HTMLFormElement} */ (form));
        navigate('/office/impact', new URLSearchParams({ from: String(data.get('from')), to: String(data.get('to')) }));
      },
    },
    inputField('f-from', t('From'), 'date', from, { required: true }),
    inputField('f-to', t('To'), 'date', to, { required: true }),
    h('button', { type: 'submit', class: 'button-primary' }, t('Show')),
    h('button', { type: 'button', class: 'button-quiet', onclick: () => window.print() }, t('Print')),
  );
  document.title = [t('Impact report'), 'Terrain'].join(' – ');
  let report;
  try {
    report = await request('GET', '/api/reports/impact', { query: { from, to } });
  } catch (error) {
    if (view.isCurrent()) show(main, h('section', { class: 'impact-screen' }, heading, form, problem(error)));
    return;
  }
  if (!view.isCurrent()) return;
  const { current, previous } = report;
  const period = (/** @type {any} */ p) => `${formatDay(p.start)} – ${formatDay(p.end)}`;
  const figures = ['reached', 'leads', 'financed', 'coached', 'referred', 'jobs_planned'];
  const figureLabel = (/** @type {string} */ f) =>
    f === 'jobs_planned' ? t('Jobs planned (captured at financing)') : stageLabel(f);
  const figureRows = figures.map((f) => [
    figureLabel(f),
    count(current.figures[f]),
    count(previous.figures[f]),
  ]);
  const shareTable = (/** @type {string} */ population, /** @type {string} */ caption) =>
    dataTable(
      caption,
      [t('Target group'), t('Share (this period)'), t('Answered'), t('Share (previous period)'), t('Answered')],
      report.target_groups.map((/** @type {string} */ g) => {
        const now = current.shares[population][g];
        const before = previous.shares[population][g];
        return [
          targetGroupLabel(g),
          now.suppressed ? t('hidden (< 5)') : `${percent(now.share)} (${count(now.count)})`,
          count(now.answered),
          before.suppressed ? t('hidden (< 5)') : `${percent(before.share)} (${count(before.count)})`,
          count(before.answered),
        ];
      }),
    );
  show(
    main,
    h(
      'section',
      { class: 'impact-screen office-wide' },
      heading,
      h('p', { class: 'report-period' }, t('Period: {now}. Compared with: {before}.', { now: period(current), before: period(previous) })),
      form,
      h('div', { class: 'no-print' }, exportButtons('impact', new URLSearchParams({ from, to }))),
      dataTable(t('Key figures'), [t('Figure'), t('This period'), t('Previous period')], figureRows),
      shareTable('leads', t('Target groups among the leads met in the period')),
      shareTable('financed', t('Target groups among the people financed in the period')),
      shareTable('coached', t('Target groups among the people coached in the period')),
      h(
        'p',
        { class: 'muted' },
        t('Each share counts only the people who answered that question; "prefer not to say" and unanswered are left out. A share is hidden when fewer than 5 people would be in a cell.'),
      ),
    ),
  );
}
