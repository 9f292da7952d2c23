/**
 * DOM building without HTML strings. Everything shown on this page may come from strangers
 * (SMS bodies, sender names, customer e-mails), so text only ever goes in through text nodes and
 * attributes through setAttribute: never innerHTML.
 */

/**
 * `h('button', { class: 'primary', onclick: save }, 'Save')`. Props starting with `on` become
 * listeners; `false`/`null`/`undefined` props are left out; children may be strings, numbers,
 * nodes, arrays or null.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  append(element, children);
  for (const [name, value] of Object.entries(props)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'value' || name === 'checked') {
      // Properties, set after the children so a <select> finds its <option>.
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces a node's content. */
export function fill(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes (numbers are fine). */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return append(element, children);
}

const DASH = '—';

export function orDash(value) {
  return value === null || value === undefined || value === '' ? DASH : String(value);
}

/** A time in the browser's zone, short; the full RFC 3339 value stays in the tooltip. */
export function time(iso) {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return h('time', { datetime: iso, title: iso }, date.toLocaleString([], dateStyle(date)));
}

function dateStyle(date) {
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
    : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
}

export function money(amount) {
  if (typeof amount !== 'number') return DASH;
  const digits = { minimumFractionDigits: 2, maximumFractionDigits: 4 };
  return `$${amount.toLocaleString('en-US', digits)}`;
}

/** A state as a coloured label; the colour comes from the class, the word stays readable. */
export function badge(state) {
  return h(
    'span',
    { class: `badge state-${String(state).replace(/[^a-z_-]/gi, '')}` },
    orDash(state),
  );
}

/**
 * The host that drives a modem or holds a SIM (`host`, `host_state` of the admin API), flagged
 * when that host's lease is not alive.
 */
export function hostCell(row) {
  if (!row.host) return '—';
  if (row.host_state === null || row.host_state === 'alive') return row.host;
  return h('span', { class: 'inline' }, row.host, ' ', badge(row.host_state));
}

/** Bars for a received signal strength (3GPP 27.007 CSQ steps, in dBm). */
export function signalLevel(dbm) {
  if (typeof dbm !== 'number') return 0;
  if (dbm >= -73) return 4;
  if (dbm >= -83) return 3;
  if (dbm >= -93) return 2;
  if (dbm >= -109) return 1;
  return 0;
}

export function signalBars(dbm) {
  const level = signalLevel(dbm);
  const label = typeof dbm === 'number' ? `${dbm} dBm` : 'no signal reading';
  return h(
    'span',
    { class: 'signal', title: label, 'aria-label': `signal ${level} of 4, ${label}`, role: 'img' },
    [1, 2, 3, 4].map((n) => h('i', { class: n <= level ? 'on' : '' })),
    h('small', {}, typeof dbm === 'number' ? String(dbm) : DASH),
  );
}

/**
 * A table that becomes a list of cards on a phone: every cell carries its column label, which
 * the narrow stylesheet shows in front of the value.
 * columns: [{ label, cell: (row) => node | string }]
 */
export function table(columns, rows, { empty = 'Nothing here yet.', rowKey, caption } = {}) {
  const body = h('tbody');
  const render = (row) => {
    const tr = h(
      'tr',
      rowKey ? { 'data-key': rowKey(row) } : {},
      columns.map((c) => h('td', { 'data-label': c.label }, c.cell(row) ?? DASH)),
    );
    return tr;
  };
  for (const row of rows) body.append(render(row));
  const element = h(
    'table',
    { class: 'grid' },
    caption ? h('caption', {}, caption) : null,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col' }, c.label)),
      ),
    ),
    body,
  );
  const placeholder = h('p', { class: 'empty' }, empty);
  const wrap = h('div', { class: 'table-wrap' }, rows.length ? element : placeholder);
  return {
    element: wrap,
    /** Replaces the row with the same key, or adds the row at the top. */
    upsert(row) {
      if (!rows.length && wrap.contains(placeholder)) wrap.replaceChildren(element);
      const fresh = render(row);
      const key = rowKey ? rowKey(row) : null;
      const old = key === null ? null : [...body.rows].find((tr) => tr.dataset.key === key);
      if (old) old.replaceWith(fresh);
      else body.prepend(fresh);
      return fresh;
    },
    append(more) {
      if (more.length && wrap.contains(placeholder)) wrap.replaceChildren(element);
      for (const row of more) body.append(render(row));
    },
  };
}

/** A labelled form field; the label wraps the control so clicking it focuses the control. */
export function field(label, control) {
  return h('label', { class: 'field' }, h('span', {}, label), control);
}

/** A section with a heading. */
export function panel(title, ...children) {
  return h('section', { class: 'panel' }, title ? h('h2', {}, title) : null, children);
}
