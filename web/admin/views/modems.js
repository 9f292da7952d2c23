/** The modems × SIMs grid, one row per slot, replaced in place by the live `modem` frames. */
import { get, segment } from '../api.js';
import { badge, fill, h, hostCell, orDash, signalBars, table, time } from '../dom.js';

export function modemLink(id, label = id) {
  return h('a', { href: `#/modem/${segment(id)}` }, label);
}

export const modemColumns = [
  {
    label: 'Modem',
    cell: (m) =>
      h(
        'span',
        {},
        modemLink(m.id),
        h('small', { class: 'sub' }, [m.manufacturer, m.model].filter(Boolean).join(' ')),
      ),
  },
  { label: 'State', cell: (m) => badge(m.state) },
  { label: 'Signal', cell: (m) => signalBars(m.signal_dbm) },
  { label: 'Registration', cell: (m) => orDash(m.registration) },
  { label: 'Operator', cell: (m) => orDash(m.operator) },
  {
    label: 'Number',
    cell: (m) =>
      h('span', {}, orDash(m.number), m.country ? h('small', { class: 'sub' }, m.country) : null),
  },
  { label: 'SIM', cell: (m) => (m.iccid ? h('code', {}, m.iccid) : '—') },
  { label: 'Order', cell: (m) => orDash(m.current_order_id) },
  { label: 'Last SMS', cell: (m) => time(m.last_sms_at) },
  { label: 'Recovery', cell: (m) => orDash(m.recovery_step) },
  { label: 'Host', cell: hostCell },
];

function counts(modems) {
  const byState = {};
  for (const m of modems) byState[m.state] = (byState[m.state] ?? 0) + 1;
  return (
    Object.entries(byState)
      .map(([state, n]) => `${n} ${state}`)
      .join(' · ') || 'no modems'
  );
}

export async function render(root) {
  const { data } = await get('/modems');
  const modems = new Map(data.map((m) => [m.id, m]));
  const grid = table(modemColumns, data, {
    rowKey: (m) => m.id,
    empty: 'No modems yet: check the `modems` setting of the config.',
    caption: 'Modems and their SIMs',
  });
  const summary = h('p', { class: 'hint', 'data-testid': 'modem-counts' }, counts(data));
  fill(
    root,
    h('h1', {}, 'Modems'),
    summary,
    h('div', { 'data-testid': 'modem-grid' }, grid.element),
  );
  return {
    onFrame(frame) {
      if (frame.type !== 'modem' || !frame.modem?.id) return;
      modems.set(frame.modem.id, frame.modem);
      const row = grid.upsert(frame.modem);
      row.classList.add('flash');
      summary.textContent = counts([...modems.values()]);
    },
  };
}
