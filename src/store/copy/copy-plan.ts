import { SimpoolError } from '../../shared/index.js';
import { copyOrder, type ForeignKeyEdge } from './copy-order.js';
import type { TargetColumn, TargetTable } from './postgres-target.js';
import type { SourceTable } from './sqlite-source.js';

/** How one table is copied: what is read from the source, into which target columns. */
export interface TablePlan {
  readonly source: SourceTable;
  readonly table: string;
  /** Target columns, in the order of `select`. */
  readonly columns: readonly TargetColumn[];
  /** Source expressions: column names, or `rowid`. */
  readonly select: readonly string[];
}

/**
 * SQLite's implicit rowid, which PostgreSQL has as a real column where the code orders by it
 * (src/store/postgres/migrations/conventions.ts): copied, so creation order stays the same.
 */
const ROWID = 'rowid';

function planTable(source: SourceTable, target: TargetTable): TablePlan {
  const sourceColumns = new Set(source.columns);
  const targetColumns = new Set(target.columns.map((c) => c.name));
  const unplaced = source.columns.filter((c) => !targetColumns.has(c));
  if (unplaced.length > 0) {
    throw new SimpoolError(
      'store_copy_unsupported',
      `cannot copy ${source.name}: the PostgreSQL table has no column ${unplaced.join(', ')}`,
      { details: { table: source.name, columns: unplaced } },
    );
  }
  const columns: TargetColumn[] = [];
  const select: string[] = [];
  for (const column of target.columns) {
    if (sourceColumns.has(column.name)) {
      columns.push(column);
      select.push(column.name);
    } else if (column.name === ROWID && source.hasRowid) {
      columns.push(column);
      select.push(ROWID);
    } else if (!column.filled) {
      throw new SimpoolError(
        'store_copy_unsupported',
        `cannot copy ${source.name}: PostgreSQL column ${column.name} has no source column ` +
          'and no default',
        { details: { table: source.name, column: column.name } },
      );
    }
    // Otherwise PostgreSQL fills it (events.txid: the copy's transaction).
  }
  return { source, table: source.name, columns, select };
}

/**
 * Every table of the source, in an order that satisfies the target's foreign keys, each with
 * its column mapping. Anything the copier does not know how to place (a source table or column
 * the target lacks, a target column nobody fills, tables it cannot order) is refused here,
 * before anything is written. Target tables the source does not have are left as migrated.
 */
export function planCopy(
  sources: readonly SourceTable[],
  targets: ReadonlyMap<string, TargetTable>,
  foreignKeys: readonly ForeignKeyEdge[],
): TablePlan[] {
  const missing = sources.filter((s) => !targets.has(s.name)).map((s) => s.name);
  if (missing.length > 0) {
    throw new SimpoolError(
      'store_copy_unsupported',
      `cannot copy ${missing.join(', ')}: no such table in the PostgreSQL schema`,
      { details: { tables: missing } },
    );
  }
  const byName = new Map(sources.map((s) => [s.name, s]));
  return copyOrder([...byName.keys()], foreignKeys).map((name) =>
    planTable(byName.get(name)!, targets.get(name)!),
  );
}
