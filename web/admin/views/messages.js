/** All SMS in and out, filterable; incoming ones appear at the top as they arrive. */
import { badge, fill, h, orDash, time } from '../dom.js';
import { coalesce } from '../ui.js';
import { isMessageEvent } from './events.js';
import { pagedList } from './paged-list.js';

const columns = [
  { label: 'When', cell: (m) => time(m.created_at) },
  { label: 'Dir', cell: (m) => badge(m.direction) },
  { label: 'From', cell: (m) => orDash(m.from) },
  { label: 'To', cell: (m) => orDash(m.to) },
  { label: 'Text', cell: (m) => h('span', { class: 'sms-body' }, orDash(m.body)) },
  { label: 'Parts', cell: (m) => orDash(m.parts) },
  { label: 'Status', cell: (m) => badge(m.status) },
  { label: 'SIM', cell: (m) => orDash(m.sim_id) },
];

/** A row from a live event, until the next reload brings the stored one. */
function rowFromEvent(event) {
  const d = event.data ?? {};
  const incoming = event.type === 'sms.received' || event.type === 'message.received';
  return {
    id: d.message_id ?? d.id ?? event.id,
    direction: incoming ? 'in' : 'out',
    from: d.from ?? d.sender ?? null,
    to: d.to ?? d.phone_number ?? null,
    body: d.body ?? d.full_text ?? d.text ?? null,
    parts: d.parts ?? null,
    status: d.status ?? event.type.split('.')[1],
    sim_id: d.sim_id ?? null,
    created_at: d.received_at ?? event.created_at,
  };
}

export async function render(root) {
  const list = pagedList({
    path: '/messages',
    label: 'messages',
    columns,
    rowKey: (m) => String(m.id),
    empty: 'No messages match.',
    filters: [
      {
        name: 'direction',
        label: 'Direction',
        options: [
          ['in', 'in'],
          ['out', 'out'],
        ],
      },
      {
        name: 'status',
        label: 'Status',
        options: ['received', 'queued', 'sending', 'sent', 'delivered', 'failed'].map((s) => [
          s,
          s,
        ]),
      },
      { name: 'q', label: 'Search', placeholder: 'number or text' },
    ],
  });
  await list.reload();
  fill(root, h('h1', {}, 'Messages'), list.element);
  const reload = coalesce(() => void list.reload().catch(() => undefined), 1500);
  return {
    onFrame(frame) {
      // An SMS outside any order has no outbox event, but its modem's "last SMS" changes.
      if (frame.type === 'modem') reload();
      if (frame.type !== 'event' || !isMessageEvent(frame.event)) return;
      list.upsert(rowFromEvent(frame.event))?.classList.add('flash');
      reload();
    },
  };
}
