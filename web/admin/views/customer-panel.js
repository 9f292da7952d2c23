/** One customer's balance top-up and API keys (create shows the key once; revoke). */
import { del, get, post, segment } from '../api.js';
import { badge, field, fill, h, money, orDash, panel, table, time } from '../dom.js';
import { busy, onSubmit, secretBox, toast } from '../ui.js';

const SCOPES = ['orders', 'messages'];

export function customerPanel(customer, onChanged) {
  const base = `/customers/${segment(customer.id)}`;
  const balance = h('strong', { 'data-testid': 'customer-balance' }, money(customer.balance));
  const keysBox = h('div', {}, h('p', { class: 'hint' }, 'Loading keys…'));
  const newKey = h('div');

  const topup = onSubmit(
    h(
      'form',
      { class: 'inline', 'aria-label': 'Top up' },
      field(
        'Amount (USD)',
        h('input', { name: 'amount', type: 'number', step: '0.01', required: true }),
      ),
      h('button', { type: 'submit' }, 'Top up'),
    ),
    async ({ amount }, form) => {
      const result = await post(`${base}/topup`, { amount: Number(amount) });
      customer = { ...customer, balance: result.balance };
      balance.textContent = money(result.balance);
      onChanged(customer);
      toast(`Balance of ${customer.email} is now ${money(result.balance)}.`);
      form.reset();
    },
  );

  const loadKeys = async () => {
    const { data } = await get(`${base}/keys`);
    const columns = [
      { label: 'Key', cell: (k) => h('code', {}, `${k.prefix}…`) },
      { label: 'Scopes', cell: (k) => (k.scopes ?? []).join(', ') },
      { label: 'Kind', cell: (k) => (k.sandbox ? 'sandbox' : 'live') },
      { label: 'State', cell: (k) => badge(k.revoked_at ? 'revoked' : 'active') },
      { label: 'Last used', cell: (k) => time(k.last_used_at) },
      { label: 'Created', cell: (k) => time(k.created_at) },
      {
        label: '',
        cell: (k) => {
          if (k.revoked_at) return time(k.revoked_at);
          const button = h('button', { type: 'button', class: 'danger' }, 'Revoke');
          button.addEventListener('click', () => {
            if (!confirm(`Revoke key ${k.prefix}…? Clients using it stop working at once.`)) return;
            void busy(button, async () => {
              await del(`${base}/keys/${segment(k.id)}`);
              toast('Key revoked.');
              await loadKeys();
            });
          });
          return button;
        },
      },
    ];
    fill(keysBox, table(columns, data, { rowKey: (k) => String(k.id), empty: 'No keys.' }).element);
  };

  const createKey = onSubmit(
    h(
      'form',
      { class: 'inline', 'aria-label': 'New API key' },
      SCOPES.map((scope) =>
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'checkbox', name: `scope_${scope}`, checked: scope === 'orders' }),
          ` ${scope}`,
        ),
      ),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'sandbox' }), ' sandbox'),
      h('button', { type: 'submit' }, 'Create key'),
    ),
    async (values) => {
      const scopes = SCOPES.filter((s) => values[`scope_${s}`] === 'on');
      // No scope ticked: the server's default (orders).
      const body = { sandbox: values.sandbox === 'on', ...(scopes.length ? { scopes } : {}) };
      const result = await post(`${base}/keys`, body);
      fill(newKey, secretBox('New API key', result.api_key));
      await loadKeys();
    },
  );

  void loadKeys().catch((error) => fill(keysBox, h('p', { class: 'error' }, error.message)));
  return panel(
    `Customer ${customer.email}`,
    h(
      'p',
      {},
      'Balance: ',
      balance,
      customer.banned ? [' ', badge('banned')] : null,
      h('small', { class: 'sub' }, `id ${orDash(customer.id)}`),
    ),
    topup,
    h('h3', {}, 'API keys'),
    createKey,
    newKey,
    keysBox,
  );
}
