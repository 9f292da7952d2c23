/** SIM inventory by ICCID: usage per service, blacklist editing, enable/disable, notes. */
import { get, patch, segment } from '../api.js';
import { badge, fill, h, hostCell, orDash, table } from '../dom.js';
import { busy, toast } from '../ui.js';

function usage(sim) {
  if (!sim.usage?.length) return '—';
  return h(
    'ul',
    { class: 'chips' },
    sim.usage.map((u) => h('li', {}, `${u.service}: ${u.orders}`)),
  );
}

/** The SIM's blacklist as an editable comma-separated list of service codes. */
function blacklistEditor(sim, save) {
  const input = h('input', {
    value: (sim.blacklist ?? []).join(', '),
    'aria-label': `Blacklisted services of ${sim.iccid}`,
    placeholder: 'tg, wa',
    size: 12,
  });
  const button = h('button', { type: 'button', class: 'quiet' }, 'Save');
  button.addEventListener('click', () => {
    const blacklist = input.value
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    void busy(button, () => save({ blacklist }));
  });
  return h('span', { class: 'inline' }, input, button);
}

function notesEditor(sim, save) {
  const input = h('input', {
    value: sim.notes ?? '',
    'aria-label': `Notes on ${sim.iccid}`,
    maxlength: 500,
  });
  input.addEventListener('change', () => void busy(null, () => save({ notes: input.value })));
  return input;
}

export async function render(root) {
  const { data } = await get('/sims');
  let grid;
  const save = (sim) => async (change) => {
    const { success: _success, ...fresh } = await patch(`/sims/${segment(sim.iccid)}`, change);
    grid.upsert(fresh);
    toast(`SIM ${sim.iccid} saved.`);
  };
  const columns = [
    { label: 'ICCID', cell: (s) => h('code', {}, s.iccid) },
    { label: 'Country', cell: (s) => orDash(s.country) },
    { label: 'Number', cell: (s) => orDash(s.number) },
    { label: 'Operator', cell: (s) => orDash(s.operator) },
    { label: 'Status', cell: (s) => badge(s.enabled === false ? 'disabled' : s.status) },
    { label: 'Host', cell: hostCell },
    { label: 'Usage', cell: usage },
    { label: 'Blacklist', cell: (s) => blacklistEditor(s, save(s)) },
    { label: 'Notes', cell: (s) => notesEditor(s, save(s)) },
    {
      label: 'Enabled',
      cell: (s) => {
        const button = h(
          'button',
          { type: 'button', class: s.enabled ? 'quiet' : 'primary' },
          s.enabled ? 'Disable' : 'Enable',
        );
        button.addEventListener(
          'click',
          () => void busy(button, () => save(s)({ enabled: !s.enabled })),
        );
        return button;
      },
    },
  ];
  grid = table(columns, data, { rowKey: (s) => s.iccid, empty: 'No SIMs seen yet.' });
  fill(
    root,
    h('h1', {}, 'SIMs'),
    h(
      'p',
      { class: 'hint' },
      `${data.length} SIMs by ICCID. A blacklisted service is never sold on that SIM.`,
    ),
    grid.element,
  );
}
