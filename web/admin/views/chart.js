/** SMS per hour for the last 24 h as inline SVG bars: received and sent side by side. */
import { h, svg } from '../dom.js';

const HEIGHT = 180;
const PAD = { top: 12, right: 8, bottom: 22, left: 34 };

/**
 * `width` is the drawing's width in CSS pixels (the box it will fill), so the axis labels keep
 * a readable size on a phone and on a wide screen alike.
 */
export function smsPerHourChart(rows, width = 720) {
  const WIDTH = Math.round(Math.min(1200, Math.max(300, width)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const max = Math.max(1, ...rows.flatMap((r) => [r.in, r.out]));
  const slot = plotWidth / Math.max(rows.length, 1);
  const barWidth = Math.max(1, slot / 2 - 1);
  const y = (value) => PAD.top + plotHeight - (value / max) * plotHeight;
  const total = rows.reduce((sum, r) => sum + r.in + r.out, 0);

  const bars = rows.flatMap((row, i) => {
    const x = PAD.left + i * slot;
    const hour = new Date(row.hour);
    const label = `${hour.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' })}: ${row.in} in, ${row.out} out`;
    return [
      svg(
        'g',
        {},
        svg('title', {}, label),
        svg('rect', {
          class: 'bar-in',
          x,
          y: y(row.in),
          width: barWidth,
          height: y(0) - y(row.in),
        }),
        svg('rect', {
          class: 'bar-out',
          x: x + barWidth + 1,
          y: y(row.out),
          width: barWidth,
          height: y(0) - y(row.out),
        }),
      ),
      i % 6 === 0
        ? svg(
            'text',
            { class: 'axis', x, y: HEIGHT - 6 },
            hour.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
          )
        : null,
    ].filter(Boolean);
  });

  const chart = svg(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-label': `SMS per hour, last 24 hours: ${total} in total`,
      class: 'chart',
    },
    svg('line', { class: 'axis-line', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0) }),
    svg('text', { class: 'axis', x: 2, y: PAD.top + 8 }, String(max)),
    svg('text', { class: 'axis', x: 2, y: y(0) }, '0'),
    bars,
  );
  return h(
    'figure',
    { class: 'chart-box' },
    chart,
    h(
      'figcaption',
      {},
      h('span', { class: 'key key-in' }, 'received'),
      ' ',
      h('span', { class: 'key key-out' }, 'sent'),
      ` · ${total} SMS in 24 h`,
    ),
  );
}
