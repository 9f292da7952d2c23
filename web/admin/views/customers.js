/** Customers: search, create (with a first API key), and a panel per customer for top-ups and keys. */
import { post } from '../api.js';
import { badge, field, fill, h, money, panel, time } from '../dom.js';
import { onSubmit, secretBox, toast } from '../ui.js';
import { customerPanel } from './customer-panel.js';
import { pagedList } from './paged-list.js';

export async function render(root) {
  const detail = h('div', { 'data-testid': 'customer-detail' });
  let list;
  const open = (customer) => {
    fill(
      detail,
      customerPanel(customer, (fresh) => list.upsert(fresh)),
    );
    detail.scrollIntoView({ block: 'nearest' });
  };
  const columns = [
    {
      label: 'E-mail',
      cell: (c) => h('button', { type: 'button', class: 'link', onclick: () => open(c) }, c.email),
    },
    { label: 'Balance', cell: (c) => money(c.balance) },
    { label: 'Open orders', cell: (c) => String(c.open_orders ?? 0) },
    { label: 'Status', cell: (c) => badge(c.banned ? 'banned' : 'active') },
    { label: 'Since', cell: (c) => time(c.created_at) },
    { label: 'ID', cell: (c) => h('code', {}, c.id) },
  ];
  list = pagedList({
    path: '/customers',
    label: 'customers',
    columns,
    rowKey: (c) => String(c.id),
    empty: 'No customers match.',
    filters: [{ name: 'q', label: 'Search', placeholder: 'e-mail or id' }],
  });

  const created = h('div');
  const create = onSubmit(
    h(
      'form',
      { class: 'inline', 'aria-label': 'New customer' },
      field(
        'E-mail',
        h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' }),
      ),
      field(
        'Opening balance (USD)',
        h('input', { name: 'balance', type: 'number', min: 0, step: '0.01', value: '0' }),
      ),
      h('button', { type: 'submit', class: 'primary' }, 'Create customer'),
    ),
    async ({ email, balance }, form) => {
      const result = await post('/customers', { email, balance: Number(balance || 0) });
      fill(created, secretBox(`API key for ${result.customer.email}`, result.api_key));
      list.upsert(result.customer);
      toast(`Customer ${result.customer.email} created.`);
      form.reset();
      open(result.customer);
    },
  );

  await list.reload();
  fill(
    root,
    h('h1', {}, 'Customers'),
    panel('New customer', create, created),
    list.element,
    detail,
  );
}
