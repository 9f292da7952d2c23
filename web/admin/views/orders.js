/** All orders, filterable by status and searchable; refreshed live on order events. */
import { badge, fill, h, money, orDash, time } from '../dom.js';
import { coalesce } from '../ui.js';
import { isOrderEvent } from './events.js';
import { pagedList } from './paged-list.js';

const STATUSES = ['waiting', 'received', 'retry', 'finished', 'cancelled', 'expired'];

const columns = [
  { label: 'Order', cell: (o) => h('code', {}, o.order_id) },
  { label: 'Status', cell: (o) => badge(o.status) },
  { label: 'Number', cell: (o) => orDash(o.phone_number) },
  { label: 'Service', cell: (o) => `${orDash(o.service)} / ${orDash(o.country)}` },
  { label: 'Price', cell: (o) => money(o.price) },
  { label: 'Code', cell: (o) => (o.code ? h('strong', {}, o.code) : '—') },
  { label: 'Customer', cell: (o) => orDash(o.customer_id) },
  { label: 'Created', cell: (o) => time(o.created_at) },
  { label: 'Expires', cell: (o) => time(o.expires_at) },
];

export async function render(root) {
  const list = pagedList({
    path: '/orders',
    label: 'orders',
    columns,
    rowKey: (o) => o.order_id,
    empty: 'No orders match.',
    filters: [
      { name: 'status', label: 'Status', options: STATUSES.map((s) => [s, s]) },
      { name: 'q', label: 'Search', placeholder: 'order id, number, service' },
    ],
  });
  await list.reload();
  fill(root, h('h1', {}, 'Orders'), list.element);
  // Order frames name the order but not every field of a row: fetch the first page again.
  const refresh = coalesce(() => void list.reload().catch(() => undefined), 300);
  return {
    onFrame(frame) {
      if (frame.type === 'event' && isOrderEvent(frame.event)) refresh();
    },
  };
}
