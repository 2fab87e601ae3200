// @ts-check
/**
 * The funnel dashboard: stages reached, conversion by channel, cohorts and the monthly
 * trend as SVG charts, and the same numbers as tables. Every count links to the leads
 * behind it (the queue with the same filters), except people reached (anonymous tallies)
 * and marker breakdowns (a list of people by a sensitive trait is never shown).
 * The filters live in the address: #/office/funnel?from=…&group_by=channel …
 */
import { request } from '../app/api.js';
import { t } from '../app/i18n.js';
import { channelLabel } from '../app/vocab.js';
import { h, show } from '../app/ui/dom.js';
import { barChart, lineChart } from './charts.js';
import {
  cachedList,
  count,
  dataTable,
  exportButtons,
  inputField,
  navigate,
  officeLink,
  percent,
  problem,
  routeParams,
  selectField,
} from './common.js';
import { GROUPINGS, MARKER_GROUPS, groupLabel, stageLabel } from './labels.js';

const FILTERS = ['from', 'to', 'channel', 'team_id', 'commune', 'partner_id', 'language'];
const GROUP_FILTER = /** @type {Record<string, string>} */ ({
  channel: 'channel',
  commune: 'commune',
  agent: 'attributed_agent',
  team: 'team_id',
  partner: 'partner_id',
  language: 'language',
  cohort: 'cohort',
});

/**
 * @param {HTMLElement} main
 * @param {{isCurrent: () => boolean}} view
 * @param {string} route
 */
export async function renderFunnel(main, view, route) {
  const params = routeParams(route);
  const filters = new URLSearchParams();
  for (const name of FILTERS) if (params.get(name)) filters.set(name, String(params.get(name)));
  const groupBy = params.get('group_by') || '';
  const [teams, grouped, byChannel, byMonth] = await Promise.all([
    cachedList('teams'),
    request('GET', '/api/funnel', { query: { ...Object.fromEntries(filters), group_by: groupBy } }),
    request('GET', '/api/funnel', { query: { ...Object.fromEntries(filters), group_by: 'channel' } }),
    request('GET', '/api/funnel', { query: { ...Object.fromEntries(filters), group_by: 'cohort' } }),
  ]).catch((error) => {
    show(main, h('h1', { tabindex: -1 }, t('Funnel')), problem(error));
    return [];
  });
  if (!grouped || !view.isCurrent()) return;
  const heading = h('h1', { tabindex: -1 }, t('Funnel'));
  const form = filterForm(params, teams, groupBy);
  const exportParams = new URLSearchParams(filters);
  if (groupBy) exportParams.set('group_by', groupBy);
  show(
    main,
    h(
      'section',
      { class: 'funnel-screen office-wide' },
      heading,
      form,
      exportButtons('funnel', exportParams),
      h(
        'div',
        { class: 'chart-grid' },
        figure(t('Stages reached'), stagesChart(grouped.total, filters)),
        figure(t('Conversion by channel'), channelChart(byChannel)),
        figure(t('Trend by month'), trendChart(byMonth)),
      ),
      stagesTable(grouped, filters),
      cohortTable(byMonth, filters),
    ),
  );
  document.title = [t('Funnel'), 'Terrain'].join(' – ');
}

/** @param {string} title @param {Element} chart */
function figure(title, chart) {
  return h('figure', { class: 'chart-figure' }, h('figcaption', null, title), chart);
}

/**
 * @param {URLSearchParams} params
 * @param {{id: string, name: string}[]} teams
 * @param {string} groupBy
 */
function filterForm(params, teams, groupBy) {
  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        const data = new FormData(/** @type {HTMLFormElement} */ (form));
        const next = new URLSearchParams();
        for (const name of [...FILTERS, 'group_by']) {
          const value = String(data.get(name) || '').trim();
          if (value) next.set(name, value);
        }
        navigate('/office/funnel', next);
      },
    },
    inputField('f-from', t('First contact from'), 'date', params.get('from') || ''),
    inputField('f-to', t('to'), 'date', params.get('to') || ''),
    selectField(
      'f-group_by',
      t('Group by'),
      GROUPINGS.map(([key, label]) => /** @type {[string, string]} */ ([key, label()])),
      groupBy,
    ),
    selectField(
      'f-team_id',
      t('Team'),
      [['', t('All')], ...teams.map((x) => /** @type {[string, string]} */ ([x.id, x.name]))],
      params.get('team_id') || '',
    ),
    inputField('f-commune', t('Commune'), 'text', params.get('commune') || '', { maxlength: 80 }),
    h('button', { type: 'submit', class: 'button-primary' }, t('Show')),
  );
  return form;
}

/**
 * A link to the leads behind a count, or the bare number.
 * @param {number | null} n
 * @param {URLSearchParams} filters
 * @param {Record<string, string | null>} extra
 */
function countLink(n, filters, extra) {
  if (n === null || n === undefined) return count(n);
  const params = new URLSearchParams(filters);
  for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
  return h('a', { href: officeLink('/office/leads', params), class: 'count-link' }, count(n));
}

/** @param {any} total @param {URLSearchParams} filters */
function stagesChart(total, filters) {
  const stages = ['reached', 'leads', 'contacted', 'qualified', 'applied', 'financed', 'coached'];
  const items = stages
    .filter((s) => total.counts[s] !== null)
    .map((s) => ({ key: s, label: stageLabel(s), value: total.counts[s], text: count(total.counts[s]) }));
  void filters;
  return barChart(
    t('Stages reached'),
    items.map((i) => `${i.label}: ${i.text}`).join('; '),
    items,
  );
}

/** @param {any} byChannel */
function channelChart(byChannel) {
  const items = byChannel.groups
    .filter((/** @type {any} */ g) => g.key && g.counts.leads)
    .map((/** @type {any} */ g) => {
      const share = g.counts.qualified / g.counts.leads;
      return { key: g.key, label: channelLabel(g.key), value: share, text: percent(share) };
    });
  return barChart(
    t('Share of leads qualified, by channel'),
    items.map((/** @type {any} */ i) => `${i.label}: ${i.text}`).join('; '),
    items,
  );
}

/** @param {any} byMonth */
function trendChart(byMonth) {
  const rows = byMonth.groups.filter((/** @type {any} */ g) => g.key);
  const months = rows.map((/** @type {any} */ g) => g.key);
  const leads = rows.map((/** @type {any} */ g) => g.counts.leads || 0);
  const financed = rows.map((/** @type {any} */ g) => g.counts.financed || 0);
  return lineChart(
    t('Leads and financed by month of first contact'),
    months.map((/** @type {string} */ m, /** @type {number} */ i) => `${m}: ${leads[i]} / ${financed[i]}`).join('; '),
    months,
    [
      { name: 'leads', values: leads, className: 'series-leads' },
      { name: 'financed', values: financed, className: 'series-financed' },
    ],
  );
}

/** @param {any} data @param {URLSearchParams} filters */
function stagesTable(data, filters) {
  const stages = [...data.stages, ...data.exits];
  const marker = MARKER_GROUPS.has(data.group_by || '');
  const rows = [...data.groups, ...(data.group_by ? [data.total] : [])].map((row) => {
    const isTotal = row === data.total;
    const name = isTotal ? t('Total') : groupLabel(data.group_by, row);
    /** @type {Record<string, string | null>} */
    const extra = {};
    if (!isTotal && data.group_by && !marker) {
      if (row.key === null) return [name, ...stages.map((s) => count(row.counts[s])), ...medians(row)];
      extra[GROUP_FILTER[data.group_by]] = row.key;
    }
    const linkable = isTotal || !marker;
    return [
      name,
      ...stages.map((s) =>
        s === 'reached' || !linkable
          ? count(row.counts[s])
          : h(
              'span',
              { class: 'cell-with-rate' },
              countLink(row.counts[s], filters, { ...extra, reached: s === 'leads' ? null : s }),
              s !== 'leads' && row.conversion[s] !== null
                ? h('span', { class: 'rate' }, ` (${percent(row.conversion[s])})`)
                : null,
            ),
      ),
      ...medians(row),
    ];
  });
  const headers = [
    data.group_by ? groupingName(data.group_by) : t('Leads'),
    ...stages.map(stageLabel),
    ...['leads', 'contacted', 'qualified', 'applied'].map((s) =>
      t('Median days in stage: {stage}', { stage: stageLabel(s === 'leads' ? 'new' : s) }),
    ),
  ];
  const caption = marker
    ? t('Funnel by {group}: cells under 5 people are hidden (–).', { group: groupingName(data.group_by) })
    : t('Funnel: leads that reached each stage (conversion from the previous stage).');
  return h('section', { class: 'funnel-table' }, dataTable(caption, headers, rows));
}

/** @param {any} row */
function medians(row) {
  return ['leads', 'contacted', 'qualified', 'applied'].map((s) => count(row.median_days[s]));
}

/** @param {string} key */
function groupingName(key) {
  const found = GROUPINGS.find(([k]) => k === key);
  return found ? found[1]() : key;
}

/** @param {any} byMonth @param {URLSearchParams} filters */
function cohortTable(byMonth, filters) {
  const stages = ['contacted', 'qualified', 'applied', 'financed', 'coached'];
  const rows = byMonth.groups
    .filter((/** @type {any} */ g) => g.key && g.counts.leads)
    .map((/** @type {any} */ g) => [
      g.key,
      countLink(g.counts.leads, filters, { cohort: g.key }),
      ...stages.map((s) =>
        h(
          'span',
          { class: 'cell-with-rate' },
          countLink(g.counts[s], filters, { cohort: g.key, reached: s }),
          h('span', { class: 'rate' }, ` (${percent(g.counts[s] / g.counts.leads)})`),
        ),
      ),
    ]);
  return h(
    'section',
    { class: 'cohort-table' },
    dataTable(
      t('Cohorts: leads by month of first contact, and how many reached each stage since'),
      [t('Month'), stageLabel('leads'), ...stages.map(stageLabel)],
      rows,
    ),
  );
}
