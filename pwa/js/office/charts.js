// @ts-check
/**
 * Small SVG charts, drawn from numbers only (no library): horizontal bars and a line chart.
 * Each chart has a title and a description for screen readers (role="img"); the same
 * numbers are always on the page as a table too.
 */
import { formatNumber } from '../app/i18n.js';

const NS = 'http://www.w3.org/2000/svg';

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {...(Node | string)} children
 */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.append(child);
  return el;
}

let charts = 0;

/**
 * @param {string} title
 * @param {string} description
 * @param {number} width
 * @param {number} height
 */
function frame(title, description, width, height) {
  charts += 1;
  const id = `chart-${charts}`;
  return svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-labelledby': `${id}-t ${id}-d`,
      class: 'chart',
      preserveAspectRatio: 'xMinYMin meet',
    },
    svg('title', { id: `${id}-t` }, title),
    svg('desc', { id: `${id}-d` }, description),
  );
}

/**
 * Horizontal bars: one per item, its label on the left and its value text on the right.
 * @param {string} title
 * @param {string} description
 * @param {{label: string, value: number | null, text: string, key: string}[]} items
 */
export function barChart(title, description, items) {
  const rowHeight = 30;
  const width = 640;
  const labelWidth = 190;
  const textWidth = 90;
  const height = items.length * rowHeight + 10;
  const max = Math.max(1, ...items.map((i) => i.value || 0));
  const chart = frame(title, description, width, height);
  items.forEach((item, index) => {
    const y = index * rowHeight + 5;
    const length = ((item.value || 0) / max) * (width - labelWidth - textWidth - 10);
    chart.append(
      svg(
        'g',
        { class: 'bar', 'data-key': item.key, 'data-value': item.value === null ? '' : item.value },
        svg('text', { x: labelWidth - 8, y: y + 19, 'text-anchor': 'end', class: 'bar-label' }, item.label),
        svg('rect', { x: labelWidth, y: y + 4, width: Math.max(length, 1), height: rowHeight - 10, rx: 3 }),
        svg('text', { x: labelWidth + length + 6, y: y + 19, class: 'bar-value' }, item.text),
      ),
    );
  });
  return chart;
}

/**
 * Lines over months: each series a polyline with a dot per month.
 * @param {string} title
 * @param {string} description
 * @param {string[]} months "YYYY-MM"
 * @param {{name: string, values: number[], className: string}[]} series
 */
export function lineChart(title, description, months, series) {
  const width = 640;
  const height = 240;
  const left = 44;
  const bottom = 30;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const step = months.length > 1 ? (width - left - 10) / (months.length - 1) : 0;
  const y = (/** @type {number} */ v) => 10 + (1 - v / max) * (height - bottom - 10);
  const chart = frame(title, description, width, height);
  chart.append(
    svg('line', { x1: left, y1: height - bottom, x2: width - 5, y2: height - bottom, class: 'axis' }),
    svg('text', { x: left - 6, y: 16, 'text-anchor': 'end', class: 'axis-label' }, formatNumber(max)),
    svg('text', { x: left - 6, y: height - bottom, 'text-anchor': 'end', class: 'axis-label' }, '0'),
  );
  months.forEach((month, i) => {
    if (months.length <= 12 || i % Math.ceil(months.length / 12) === 0) {
      chart.append(
        svg('text', { x: left + i * step, y: height - 10, 'text-anchor': 'middle', class: 'axis-label' }, month.slice(2)),
      );
    }
  });
  for (const s of series) {
    const points = s.values.map((v, i) => `${left + i * step},${y(v)}`).join(' ');
    const group = svg('g', { class: `series ${s.className}`, 'data-series': s.name });
    group.append(svg('polyline', { points, fill: 'none' }));
    s.values.forEach((v, i) =>
      group.append(svg('circle', { cx: left + i * step, cy: y(v), r: 3, 'data-value': v })),
    );
    chart.append(group);
  }
  return chart;
}
