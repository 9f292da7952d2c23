/**
 * Services, countries and the price of each pair (about 2,000 of them): a filter narrows the
 * list, at most SHOWN rows are drawn, and a price is edited in place.
 */
import { get, put } from '../api.js';
import { field, fill, h, money, table } from '../dom.js';
import { busy, onSubmit, toast } from '../ui.js';

const SHOWN = 200;

function priceEditor(price, save) {
  const input = h('input', {
    type: 'number',
    min: 0,
    step: '0.0001',
    value: String(price.price),
    'aria-label': `Price of ${price.service} in ${price.country}`,
    class: 'narrow',
  });
  const button = h('button', { type: 'button', class: 'quiet' }, 'Save');
  button.addEventListener('click', () => void busy(button, () => save(Number(input.value))));
  return h('span', { class: 'inline' }, input, button);
}

export async function render(root) {
  const catalog = await get('/catalog');
  const serviceName = new Map(catalog.services.map((s) => [s.code, s.name]));
  const countryName = new Map(catalog.countries.map((c) => [c.id, c.name]));
  const prices = new Map(catalog.prices.map((p) => [`${p.service}/${p.country}`, p]));
  const describe = (p) =>
    `${serviceName.get(p.service) ?? p.service} (${p.service}) ${countryName.get(p.country) ?? p.country} (${p.country})`;

  const save = async (service, country, price) => {
    await put('/prices', { service, country, price });
    const key = `${service}/${country}`;
    prices.set(key, { ...(prices.get(key) ?? { available: 0 }), service, country, price });
    toast(
      `${serviceName.get(service) ?? service} in ${countryName.get(country) ?? country}: ${money(price)}.`,
    );
    draw();
  };
  const columns = [
    { label: 'Service', cell: (p) => `${serviceName.get(p.service) ?? p.service} (${p.service})` },
    { label: 'Country', cell: (p) => `${countryName.get(p.country) ?? p.country} (${p.country})` },
    { label: 'Numbers free', cell: (p) => String(p.available ?? 0) },
    { label: 'Price', cell: (p) => priceEditor(p, (price) => save(p.service, p.country, price)) },
  ];

  const search = h('input', { type: 'search', placeholder: 'telegram, GB …' });
  const count = h('p', { class: 'hint' });
  const list = h('div');
  function draw() {
    const needle = search.value.trim().toLowerCase();
    const matching = [...prices.values()].filter((p) => describe(p).toLowerCase().includes(needle));
    count.textContent =
      matching.length > SHOWN
        ? `${matching.length} prices match; the first ${SHOWN} are shown. Filter to narrow.`
        : `${matching.length} prices match.`;
    fill(list, table(columns, matching.slice(0, SHOWN), { empty: 'No prices match.' }).element);
  }
  search.addEventListener('input', draw);

  const add = onSubmit(
    h(
      'form',
      { class: 'inline', 'aria-label': 'Set a price' },
      field(
        'Service',
        h(
          'select',
          { name: 'service', required: true },
          catalog.services.map((s) => h('option', { value: s.code }, `${s.name} (${s.code})`)),
        ),
      ),
      field(
        'Country',
        h(
          'select',
          { name: 'country', required: true },
          catalog.countries.map((c) => h('option', { value: c.id }, `${c.name} (${c.id})`)),
        ),
      ),
      field(
        'Price (USD)',
        h('input', { name: 'price', type: 'number', min: 0, step: '0.0001', required: true }),
      ),
      h('button', { type: 'submit' }, 'Set price'),
    ),
    ({ service, country, price }) => save(service, country, Number(price)),
  );

  draw();
  fill(
    root,
    h('h1', {}, 'Catalog and prices'),
    h(
      'p',
      { class: 'hint' },
      `${catalog.services.length} services, ${catalog.countries.length} countries.`,
    ),
    add,
    field('Filter prices', search),
    count,
    list,
  );
}
