import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { openPostgres } from '../../src/store/postgres/index.js';
import { postgresSchemaFacts, sqliteSchemaFacts } from '../helpers/schema-facts.js';
import { freshPostgresDatabase } from '../helpers/postgres.js';

/** Tables whose SQLite queries order by the implicit rowid: a real column on PostgreSQL. */
const ROWID_TABLES = [
  'customers',
  'orders',
  'outbound_messages',
  'outbound_parts',
  'webhook_deliveries',
];
const ROWID_REASON =
  "SQLite's implicit rowid (creation order, which its queries order by) made a real column";

/** Facts only PostgreSQL has, each with the reason it is intended. */
const POSTGRES_ONLY = new Map<string, string>([
  ...ROWID_TABLES.flatMap((table): [string, string][] => [
    [`column ${table}.rowid integer not null default -`, ROWID_REASON],
    [`auto-numbered ${table}.rowid`, ROWID_REASON],
    [`unique ${table} (rowid)`, ROWID_REASON],
  ]),
  [
    'column events.txid xid8 not null default pg_current_xact_id',
    'outbox readers skip events whose transaction may still commit below them (SCALE-OUT.md)',
  ],
  ['index events_by_txid on events (txid)', 'finding the oldest event still in flight'],
  ...[
    'column events.rowid integer not null default -',
    'auto-numbered events.rowid',
    'column events.seq integer null default -',
    'primary key events (rowid)',
    'unique events (seq)',
    'index events_unsequenced on events (txid, rowid) where seq is null',
  ].map((fact): [string, string] => [
    fact,
    'events get their seq once committed, from the sequencer (migration 13): insertion order is rowid',
  ]),
  [
    "column orders.activation_id integer not null default nextval'order_activation_ids'",
    'activation ids from a sequence, never MAX()+1 (two hosts would collide)',
  ],
  [
    "index outbound_messages_routable on outbound_messages (priority, created_at, rowid) where status = 'queued'",
    'rowid, implicit at the end of every SQLite index, spelled out: the routing order ends with it',
  ],
  [
    'index outbound_parts_by_reference on outbound_parts (sim_iccid, message_reference, sent_at, rowid) where message_reference is not null',
    'rowid spelled out: delivery reports pick the newest part by (sent_at, rowid)',
  ],
  [
    "index webhook_deliveries_queue on webhook_deliveries (endpoint_id, rowid) where status = 'pending'",
    'rowid spelled out: the queue head is the lowest rowid of an endpoint',
  ],
  ['trigger ledger.ledger_append_only_truncate', 'TRUNCATE skips row triggers on PostgreSQL'],
]);

/** Facts only SQLite has, each with the reason it is intended. */
const SQLITE_ONLY = new Map<string, string>([
  ['column orders.activation_id integer not null default -', 'see the sequence on PostgreSQL'],
  ...[
    'auto-numbered events.seq',
    'column events.seq integer not null default -',
    'primary key events (seq)',
  ].map((fact): [string, string] => [fact, 'seq given at insert: one writer commits in seq order']),
  [
    "index outbound_messages_routable on outbound_messages (priority, created_at) where status = 'queued'",
    'rowid implicit',
  ],
  [
    'index outbound_parts_by_reference on outbound_parts (sim_iccid, message_reference, sent_at) where message_reference is not null',
    'rowid implicit',
  ],
  [
    "index webhook_deliveries_queue on webhook_deliveries (endpoint_id) where status = 'pending'",
    'rowid implicit',
  ],
  ...['countries.activate_id', 'webhook_cursor.id', 'schema_migrations.id'].map(
    (column): [string, string] => [
      `auto-numbered ${column}`,
      'a rowid alias on SQLite, but always given explicitly: no identity on PostgreSQL',
    ],
  ),
]);

const POSTGRES_ONLY_COLUMNS = new Set([
  ...ROWID_TABLES.map((t) => `${t}.rowid`),
  'events.txid',
  'events.rowid',
]);

const dir = mkdtempSync(path.join(tmpdir(), 'simpool-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function missingFrom(facts: ReadonlySet<string>, candidates: Iterable<string>): string[] {
  return [...candidates].filter((fact) => !facts.has(fact)).sort();
}

describe('schema parity between the SQLite and PostgreSQL migrations', () => {
  it('gives both engines the same tables, columns, keys, checks, indexes and triggers', async () => {
    const sqlite = openDatabase(path.join(dir, 'parity.db'));
    const postgres = await openPostgres(await freshPostgresDatabase('parity'));
    try {
      const options = { skipInOrder: POSTGRES_ONLY_COLUMNS };
      const sqliteFacts = sqliteSchemaFacts(sqlite, options);
      const postgresFacts = await postgresSchemaFacts(postgres, options);
      expect(sqliteFacts.size).toBeGreaterThan(300); // the extraction found the schema

      const unexpected = {
        onlyOnPostgres: missingFrom(sqliteFacts, postgresFacts).filter(
          (f) => !POSTGRES_ONLY.has(f),
        ),
        onlyOnSqlite: missingFrom(postgresFacts, sqliteFacts).filter((f) => !SQLITE_ONLY.has(f)),
        // An intended difference that no longer exists is stale: remove it from the lists above.
        staleIntendedPostgres: missingFrom(postgresFacts, POSTGRES_ONLY.keys()),
        staleIntendedSqlite: missingFrom(sqliteFacts, SQLITE_ONLY.keys()),
      };
      expect(unexpected).toEqual({
        onlyOnPostgres: [],
        onlyOnSqlite: [],
        staleIntendedPostgres: [],
        staleIntendedSqlite: [],
      });

      const sqliteMigrations = sqlite
        .prepare('SELECT id, name FROM schema_migrations ORDER BY id')
        .all();
      const postgresMigrations = (
        await postgres.query('SELECT id, name FROM schema_migrations ORDER BY id')
      ).rows;
      expect(postgresMigrations).toEqual(sqliteMigrations);
    } finally {
      sqlite.close();
      await postgres.close();
    }
  });
});
