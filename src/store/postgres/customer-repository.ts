/**
 * Customers, API keys (hashes only) and the money views on PostgreSQL: the twin of
 * src/store/sqlite/customer-repository.ts (row mapping in src/store/common). Money moves through
 * PostgresLedgerWriter.
 */
import type {
  ApiKeyInfo,
  Authenticated,
  CreditRequest,
  Customer,
  CustomerPort,
  LedgerEntry,
  LedgerQuery,
  NewApiKey,
  Page,
  Profile,
  SandboxGrant,
} from '../../domain/index.js';
import {
  LAST_USED_RESOLUTION_MS,
  authenticatedFrom,
  customerFromRow,
  decodeCursor,
  keyFromRow,
  keyTouchDue,
  pageOf,
  type ApiKeyTableRow,
  type CustomerTableRow,
} from '../common/customer-rows.js';
import { ledgerFromRow, type LedgerTableRow } from '../common/ledger-rows.js';
import type { PostgresDatabase } from './database.js';
import type { PostgresLedgerWriter } from './ledger-writer.js';

const SQL = {
  insertCustomer: `
    INSERT INTO customers (id, email, created_at) VALUES ($1, $2, $3)
    ON CONFLICT (email) DO NOTHING`,
  customer: 'SELECT * FROM customers WHERE id = $1',
  customerByEmail: 'SELECT * FROM customers WHERE email = $1',
  /**
   * Serialises the sandbox keys of one customer across hosts: "is this the first sandbox key?"
   * must be answered by one transaction at a time, or two could both grant the play money.
   */
  lockCustomer: 'SELECT 1 FROM customers WHERE id = $1 FOR NO KEY UPDATE',
  setBanned: 'UPDATE customers SET banned_until = $1 WHERE id = $2',
  insertKey: `
    INSERT INTO api_keys (id, customer_id, prefix, key_hash, scopes, sandbox, max_open_orders,
      label, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
  sandboxKeyCount: 'SELECT COUNT(*) AS n FROM api_keys WHERE customer_id = $1 AND sandbox = 1',
  // COLLATE "C": SQLite's tie order (bytes), whatever the database's collation.
  keys: 'SELECT * FROM api_keys WHERE customer_id = $1 ORDER BY created_at, id COLLATE "C"',
  revokeKey: `
    UPDATE api_keys SET revoked_at = $1 WHERE customer_id = $2 AND id = $3
      AND revoked_at IS NULL`,
  // The key and its customer in one round trip (every API request authenticates).
  keyByHash: `
    SELECT row_to_json(k) AS key, row_to_json(c) AS customer
      FROM api_keys k JOIN customers c ON c.id = k.customer_id
     WHERE k.key_hash = $1`,
  // Its own condition decides under concurrency: one host's touch a minute, never a rewind.
  touchKey: `
    UPDATE api_keys SET last_used_at = $1 WHERE id = $2
      AND (last_used_at IS NULL OR last_used_at <= $3)`,
  ledger: `
    SELECT * FROM ledger WHERE customer_id = $1
       AND ($2::smallint IS NULL OR sandbox = $2) AND ($3::text IS NULL OR type = $3)
       AND ($4::bigint IS NULL OR created_at >= $4) AND ($5::bigint IS NULL OR created_at < $5)
       AND ($6::bigint IS NULL OR id < $6)
     ORDER BY id DESC LIMIT $7`,
  // One statement: every figure of the profile from the same snapshot.
  profile: `
    SELECT c.*,
      COALESCE((SELECT b.balance FROM balances b
                 WHERE b.customer_id = c.id AND b.sandbox = $2), 0) AS balance_units,
      (SELECT COALESCE(-SUM(l.amount), 0) FROM ledger l WHERE l.customer_id = c.id
          AND l.sandbox = $2 AND l.type IN ('purchase', 'refund')) AS spent_units,
      (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id AND o.sandbox = $2) AS orders,
      (SELECT COUNT(*) FROM api_keys k WHERE k.customer_id = c.id
          AND k.revoked_at IS NULL) AS active_keys
      FROM customers c WHERE c.id = $1`,
} as const;

interface ProfileRow extends CustomerTableRow {
  readonly balance_units: number;
  readonly spent_units: number;
  readonly orders: number;
  readonly active_keys: number;
}

export class PostgresCustomerRepository implements CustomerPort {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly ledgerWriter: PostgresLedgerWriter,
  ) {}

  async createCustomer(customer: Customer): Promise<Customer | null> {
    const inserted = await this.db.query(SQL.insertCustomer, [
      customer.id,
      customer.email,
      customer.createdAt,
    ]);
    return (inserted.rowCount ?? 0) > 0 ? customer : null;
  }

  async getCustomer(id: string): Promise<Customer | undefined> {
    const row = (await this.db.query<CustomerTableRow>(SQL.customer, [id])).rows[0];
    return row ? customerFromRow(row) : undefined;
  }

  async findCustomerByEmail(email: string): Promise<Customer | undefined> {
    const normalized = email.trim().toLowerCase();
    const row = (await this.db.query<CustomerTableRow>(SQL.customerByEmail, [normalized])).rows[0];
    return row ? customerFromRow(row) : undefined;
  }

  async setBannedUntil(id: string, until: number | null): Promise<boolean> {
    const result = await this.db.query(SQL.setBanned, [until, id]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Lock order: the customer row (sandbox keys), the key, the balance row last. */
  async insertKey(key: NewApiKey, grant?: SandboxGrant): Promise<ApiKeyInfo> {
    const row = await this.db.transaction(async (client) => {
      if (key.sandbox) await client.query(SQL.lockCustomer, [key.customerId]);
      const inserted = await client.query<ApiKeyTableRow>(SQL.insertKey, [
        key.id,
        key.customerId,
        key.prefix,
        key.hash,
        JSON.stringify(key.scopes),
        key.sandbox ? 1 : 0,
        key.maxOpenOrders,
        key.label,
        key.createdAt,
      ]);
      const keyRow = inserted.rows[0];
      if (!keyRow) throw new Error('api key insert returned no row');
      if (!key.sandbox || !grant || grant.amountUnits <= 0) return keyRow;
      // Counted after the insert, revoked keys included: revoking and re-creating sandbox keys
      // never mints more play money.
      const count = await client.query<{ n: number }>(SQL.sandboxKeyCount, [key.customerId]);
      if (count.rows[0]?.n === 1) {
        await this.ledgerWriter.move(client, {
          customerId: key.customerId,
          sandbox: true,
          type: 'admin_credit',
          amountUnits: grant.amountUnits,
          orderId: null,
          description: grant.description,
          now: key.createdAt,
        });
      }
      return keyRow;
    });
    return keyFromRow(row);
  }

  async listKeys(customerId: string): Promise<ApiKeyInfo[]> {
    return (await this.db.query<ApiKeyTableRow>(SQL.keys, [customerId])).rows.map(keyFromRow);
  }

  async revokeKey(customerId: string, keyId: string, now: number): Promise<boolean> {
    const result = await this.db.query(SQL.revokeKey, [now, customerId, keyId]);
    return (result.rowCount ?? 0) > 0;
  }

  async authenticate(hash: string, now: number): Promise<Authenticated | null> {
    const found = await this.db.query<{ key: ApiKeyTableRow; customer: CustomerTableRow }>(
      SQL.keyByHash,
      [hash],
    );
    const row = found.rows[0];
    if (!row || row.key.revoked_at !== null) return null;
    const touched =
      keyTouchDue(row.key, now) &&
      ((await this.db.query(SQL.touchKey, [now, row.key.id, now - LAST_USED_RESOLUTION_MS]))
        .rowCount ?? 0) > 0;
    return authenticatedFrom(row.key, row.customer, now, touched);
  }

  credit(request: CreditRequest, now: number): Promise<LedgerEntry> {
    return this.db.transaction((client) =>
      this.ledgerWriter.move(client, {
        customerId: request.customerId,
        sandbox: request.sandbox,
        type: request.type,
        amountUnits: request.amountUnits,
        orderId: null,
        description: request.description,
        now,
      }),
    );
  }

  balance(customerId: string, sandbox: boolean): Promise<number> {
    return this.ledgerWriter.balance(this.db, customerId, sandbox);
  }

  async ledger(customerId: string, query: LedgerQuery): Promise<Page<LedgerEntry>> {
    const result = await this.db.query<LedgerTableRow>(SQL.ledger, [
      customerId,
      query.sandbox === undefined ? null : query.sandbox ? 1 : 0,
      query.type ?? null,
      query.from ?? null,
      query.to ?? null,
      decodeCursor(query.cursor),
      query.limit + 1,
    ]);
    return pageOf(result.rows, query.limit, ledgerFromRow, (entry) => entry.id);
  }

  async profile(customerId: string, sandbox: boolean): Promise<Profile | undefined> {
    const result = await this.db.query<ProfileRow>(SQL.profile, [customerId, sandbox ? 1 : 0]);
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      customer: customerFromRow(row),
      balanceUnits: row.balance_units,
      totalSpentUnits: row.spent_units,
      totalOrders: row.orders,
      activeApiKeys: row.active_keys,
    };
  }
}
