import { SimpoolError } from '../../shared/index.js';

/** A foreign key of the target schema: rows of `table` point at rows of `references`. */
export interface ForeignKeyEdge {
  readonly table: string;
  readonly references: string;
}

/**
 * The order to copy tables in so that every row a foreign key points at is there first: each
 * table after every table it references, ties broken by name (the same order on every run).
 * Keys pointing outside `tables` are ignored (nothing of them is copied).
 *
 * A table that references itself, or a cycle of tables, cannot be copied table by table without
 * ordering rows too, which the copier does not do: that is `store_copy_unsupported`, naming the
 * tables, rather than a copy that fails half-way on a foreign key.
 */
export function copyOrder(tables: readonly string[], keys: readonly ForeignKeyEdge[]): string[] {
  const known = new Set(tables);
  const selfReferencing = keys.filter((k) => k.table === k.references && known.has(k.table));
  if (selfReferencing.length > 0) {
    const names = [...new Set(selfReferencing.map((k) => k.table))].sort().join(', ');
    throw new SimpoolError(
      'store_copy_unsupported',
      `cannot copy ${names}: a table whose rows reference rows of the same table needs its rows ` +
        'ordered, which the copier does not know how to do',
      { details: { tables: names } },
    );
  }
  const needs = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const key of keys) {
    if (known.has(key.table) && known.has(key.references))
      needs.get(key.table)?.add(key.references);
  }
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (placed.size < known.size) {
    const ready = [...needs.keys()]
      .filter((t) => !placed.has(t) && [...(needs.get(t) ?? [])].every((n) => placed.has(n)))
      .sort();
    if (ready.length === 0) {
      const cycle = [...needs.keys()].filter((t) => !placed.has(t)).sort();
      throw new SimpoolError(
        'store_copy_unsupported',
        `cannot order ${cycle.join(', ')} for copying: their foreign keys form a cycle`,
        { details: { tables: cycle } },
      );
    }
    for (const table of ready) {
      ordered.push(table);
      placed.add(table);
    }
  }
  return ordered;
}
