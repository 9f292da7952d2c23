/** Webhook endpoints of every customer, one endpoint's delivery log, and a retry per delivery. */
import { get, post, query, segment } from '../api.js';
import { badge, fill, h, orDash, panel, table, time } from '../dom.js';
import { busy, toast } from '../ui.js';

function deliveryColumns(reload) {
  return [
    { label: 'Delivery', cell: (d) => h('code', {}, orDash(d.id)) },
    { label: 'Event', cell: (d) => orDash(d.event_type) },
    { label: 'Status', cell: (d) => badge(d.status) },
    { label: 'Attempt', cell: (d) => orDash(d.attempt) },
    { label: 'Response', cell: (d) => orDash(d.response_status ?? d.error_message) },
    { label: 'Next try', cell: (d) => time(d.scheduled_for) },
    { label: 'Delivered', cell: (d) => time(d.delivered_at) },
    { label: 'Created', cell: (d) => time(d.created_at) },
    {
      label: '',
      cell: (d) => {
        const button = h('button', { type: 'button', class: 'quiet' }, 'Retry');
        button.addEventListener(
          'click',
          () =>
            void busy(button, async () => {
              await post(`/webhooks/deliveries/${segment(d.id)}/retry`);
              toast('Delivery queued again.');
              await reload();
            }),
        );
        return button;
      },
    },
  ];
}

function deliveryLog(endpoint) {
  const box = h('div', {}, h('p', { class: 'hint' }, 'Loading deliveries…'));
  const more = h('button', { type: 'button', class: 'quiet', hidden: true }, 'More');
  let cursor = null;
  let grid = null;
  const path = `/webhooks/${segment(endpoint.id)}/deliveries`;
  const load = async () => {
    const page = await get(path);
    grid = table(deliveryColumns(load), page.data, {
      rowKey: (d) => String(d.id),
      empty: 'No deliveries yet.',
    });
    cursor = page.next_cursor ?? null;
    more.hidden = !cursor;
    fill(box, grid.element);
  };
  more.addEventListener(
    'click',
    () =>
      void busy(more, async () => {
        const page = await get(`${path}${query({ cursor })}`);
        grid.append(page.data);
        cursor = page.next_cursor ?? null;
        more.hidden = !cursor;
      }),
  );
  void load().catch((error) => fill(box, h('p', { class: 'error' }, error.message)));
  return panel(`Deliveries to ${endpoint.url}`, box, more);
}

function endpointState(endpoint) {
  if (endpoint.active === false) return 'disabled';
  if (endpoint.paused) return 'paused';
  return endpoint.failing_since ? 'failing' : 'active';
}

/** Why and since when an endpoint is held: paused by failures (still probed, resumes by itself
 * on the first success), paused by its owner, or failing but still retried. */
function endpointHold(endpoint) {
  if (endpoint.paused) {
    const why = endpoint.pause_reason === 'manual' ? 'by its owner' : 'after failures, probed';
    return h('span', {}, time(endpoint.paused_at), ` (${why})`);
  }
  if (endpoint.failing_since) return h('span', {}, 'failing since ', time(endpoint.failing_since));
  return orDash(null);
}

export async function render(root) {
  const { data } = await get('/webhooks');
  const detail = h('div');
  const columns = [
    {
      label: 'URL',
      cell: (e) =>
        h(
          'button',
          { type: 'button', class: 'link', onclick: () => fill(detail, deliveryLog(e)) },
          e.url,
        ),
    },
    { label: 'Customer', cell: (e) => orDash(e.customer_id) },
    { label: 'Events', cell: (e) => (e.events ?? []).join(', ') || 'all' },
    { label: 'State', cell: (e) => badge(endpointState(e)) },
    { label: 'Since', cell: endpointHold },
    { label: 'Failures', cell: (e) => orDash(e.failure_count) },
    { label: 'Created', cell: (e) => time(e.created_at) },
  ];
  const grid = table(columns, data, {
    rowKey: (e) => String(e.id),
    empty: 'No webhook endpoints.',
  });
  fill(
    root,
    h('h1', {}, 'Webhooks'),
    h('p', { class: 'hint' }, 'Choose an endpoint to see its delivery log.'),
    grid.element,
    detail,
  );
}
