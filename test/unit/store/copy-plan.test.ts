import { describe, expect, it } from 'vitest';
import { copyOrder } from '../../../src/store/copy/copy-order.js';
import { planCopy } from '../../../src/store/copy/copy-plan.js';
import type { TargetTable } from '../../../src/store/copy/postgres-target.js';
import type { SourceTable } from '../../../src/store/copy/sqlite-source.js';

function refusal(work: () => unknown): { code: string; message: string } {
  try {
    work();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('not refused');
}

describe('copyOrder', () => {
  it('puts every table after the tables its foreign keys reference, ties by name', () => {
    expect(
      copyOrder(
        ['orders', 'customers', 'api_keys', 'ledger', 'services'],
        [
          { table: 'orders', references: 'customers' },
          { table: 'orders', references: 'api_keys' },
          { table: 'api_keys', references: 'customers' },
          { table: 'ledger', references: 'customers' },
        ],
      ),
    ).toEqual(['customers', 'services', 'api_keys', 'ledger', 'orders']);
  });

  it('ignores keys to tables that are not copied', () => {
    expect(copyOrder(['b', 'a'], [{ table: 'a', references: 'elsewhere' }])).toEqual(['a', 'b']);
  });

  it('refuses a table referencing itself, and a cycle, naming them', () => {
    const self = refusal(() => copyOrder(['tree'], [{ table: 'tree', references: 'tree' }]));
    expect(self.code).toBe('store_copy_unsupported');
    expect(self.message).toContain('tree');
    const cycle = refusal(() =>
      copyOrder(
        ['a', 'b', 'c'],
        [
          { table: 'a', references: 'b' },
          { table: 'b', references: 'a' },
        ],
      ),
    );
    expect(cycle.code).toBe('store_copy_unsupported');
    expect(cycle.message).toContain('cannot order a, b for copying');
  });
});

const source = (name: string, columns: string[], hasRowid = true): SourceTable => ({
  name,
  columns,
  hasRowid,
  primaryKey: columns.slice(0, 1),
});

const target = (
  name: string,
  columns: Array<[string, string, boolean?]>,
): [string, TargetTable] => [
  name,
  {
    name,
    columns: columns.map(([c, type, filled]) => ({ name: c, type, filled: filled ?? false })),
  },
];

describe('planCopy', () => {
  it("maps columns by name, SQLite's rowid into a rowid column, and leaves defaults to PostgreSQL", () => {
    const [plan] = planCopy(
      [source('events', ['seq', 'id', 'data'])],
      new Map([
        target('events', [
          ['seq', 'bigint'],
          ['id', 'text'],
          ['data', 'text'],
          ['txid', 'xid8', true],
          ['rowid', 'bigint', true],
        ]),
      ]),
      [],
    );
    expect(plan!.select).toEqual(['seq', 'id', 'data', 'rowid']);
    expect(plan!.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'seq bigint',
      'id text',
      'data text',
      'rowid bigint',
    ]);
  });

  it('refuses what it cannot place: a table, a column, a target column nobody fills', () => {
    const targets = new Map([target('a', [['x', 'text']])]);
    const table = refusal(() => planCopy([source('b', ['x'])], targets, []));
    expect(table).toMatchObject({ code: 'store_copy_unsupported' });
    expect(table.message).toContain('cannot copy b: no such table');
    const column = refusal(() => planCopy([source('a', ['x', 'y'])], targets, []));
    expect(column.message).toContain('has no column y');
    const unfilled = refusal(() =>
      planCopy(
        [source('a', ['x'])],
        new Map([
          target('a', [
            ['x', 'text'],
            ['z', 'bigint'],
          ]),
        ]),
        [],
      ),
    );
    expect(unfilled.message).toContain('column z has no source column and no default');
    // A WITHOUT ROWID source has no rowid to give.
    const noRowid = refusal(() =>
      planCopy(
        [source('a', ['x'], false)],
        new Map([
          target('a', [
            ['x', 'text'],
            ['rowid', 'bigint'],
          ]),
        ]),
        [],
      ),
    );
    expect(noRowid.message).toContain('column rowid has no source column');
  });
});
