/**
 * A filtered, searchable, cursor-paged list (orders, messages, customers): a filter form, the
 * table, a "More" button while the API returns a `next_cursor`.
 * filters: [{ name, label, options?: [[value, text]] }] (with options: a select; else a search box)
 */
import { get, query } from '../api.js';
import { field, fill, h, table } from '../dom.js';
import { busy, onSubmit } from '../ui.js';

const PAGE = 50;

function control(filter) {
  if (filter.options) {
    return h(
      'select',
      { name: filter.name },
      h('option', { value: '' }, 'any'),
      filter.options.map(([value, text]) => h('option', { value }, text)),
    );
  }
  return h('input', { name: filter.name, type: 'search', placeholder: filter.placeholder ?? '' });
}

export function pagedList({ path, columns, filters, rowKey, empty, label }) {
  let values = {};
  let cursor = null;
  let grid = null;
  const body = h('div', { 'data-testid': `${label}-list` });
  const more = h('button', { type: 'button', class: 'quiet', hidden: true }, 'More');
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': `Filter ${label}` },
    filters.map((f) => field(f.label, control(f))),
    h('button', { type: 'submit' }, 'Apply'),
  );

  const fetchPage = (after) => get(`${path}${query({ ...values, limit: PAGE, cursor: after })}`);

  async function reload() {
    const page = await fetchPage(null);
    grid = table(columns, page.data, { rowKey, empty });
    cursor = page.next_cursor ?? null;
    more.hidden = !cursor;
    fill(body, grid.element);
  }

  onSubmit(form, async (formValues) => {
    values = formValues;
    await reload();
  });
  more.addEventListener(
    'click',
    () =>
      void busy(more, async () => {
        const page = await fetchPage(cursor);
        grid.append(page.data);
        cursor = page.next_cursor ?? null;
        more.hidden = !cursor;
      }),
  );

  return {
    element: h('div', {}, form, body, more),
    reload,
    /** A live row: shown at the top when the filters would not hide it (no filter set). */
    upsert(row) {
      if (!grid || Object.values(values).some((v) => v !== '')) return null;
      return grid.upsert(row);
    },
  };
}
