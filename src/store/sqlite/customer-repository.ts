import type Database from 'better-sqlite3';
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
  customerFromRow,
  decodeCursor,
  pageOf,
  keyFromRow,
  type ApiKeyTableRow,
  type CustomerTableRow,
} from '../common/customer-rows.js';
import type { SqliteDatabase } from './database.js';
import { ledgerFromRow, type LedgerTableRow, type LedgerWriter } from './ledger-writer.js';

/** last_used_at is a hint for the operator, not an audit log: one write a minute per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

interface LedgerFilter {
  customer: string;
  sandbox: number | null;
  type: string | null;
  from: number | null;
  to: number | null;
  before: number | null;
  limit: number;
}

function prepareCustomerStatements(db: SqliteDatabase) {
  return {
    insertCustomer: db.prepare(
      `INSERT INTO customers (id, email, created_at) VALUES (?, ?, ?)
       ON CONFLICT (email) DO NOTHING`,
    ),
    customer: db.prepare<[string], CustomerTableRow>('SELECT * FROM customers WHERE id = ?'),
    customerByEmail: db.prepare<[string], CustomerTableRow>(
      'SELECT * FROM customers WHERE email = ?',
    ),
    setBanned: db.prepare<[number | null, string]>(
      'UPDATE customers SET banned_until = ? WHERE id = ?',
    ),
    insertKey: db.prepare<unknown[], ApiKeyTableRow>(
      `INSERT INTO api_keys (id, customer_id, prefix, key_hash, scopes, sandbox, max_open_orders,
         label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    ),
    sandboxKeyCount: db
      .prepare<[string], number>(
        'SELECT COUNT(*) FROM api_keys WHERE customer_id = ? AND sandbox = 1',
      )
      .pluck(),
    keys: db.prepare<[string], ApiKeyTableRow>(
      'SELECT * FROM api_keys WHERE customer_id = ? ORDER BY created_at, id',
    ),
    revokeKey: db.prepare<[number, string, string]>(
      `UPDATE api_keys SET revoked_at = ? WHERE customer_id = ? AND id = ?
         AND revoked_at IS NULL`,
    ),
    keyByHash: db.prepare<[string], ApiKeyTableRow>('SELECT * FROM api_keys WHERE key_hash = ?'),
    touchKey: db.prepare<[number, string, number]>(
      `UPDATE api_keys SET last_used_at = ? WHERE id = ?
         AND (last_used_at IS NULL OR last_used_at <= ?)`,
    ),
    ledger: db.prepare<LedgerFilter, LedgerTableRow>(
      `SELECT * FROM ledger WHERE customer_id = @customer
         AND (@sandbox IS NULL OR sandbox = @sandbox) AND (@type IS NULL OR type = @type)
         AND (@from IS NULL OR created_at >= @from) AND (@to IS NULL OR created_at < @to)
         AND (@before IS NULL OR id < @before)
       ORDER BY id DESC LIMIT @limit`,
    ),
    spent: db
      .prepare<[string, number], number>(
        `SELECT COALESCE(-SUM(amount), 0) FROM ledger WHERE customer_id = ? AND sandbox = ?
           AND type IN ('purchase', 'refund')`,
      )
      .pluck(),
    orderCount: db
      .prepare<[string, number], number>(
        'SELECT COUNT(*) FROM orders WHERE customer_id = ? AND sandbox = ?',
      )
      .pluck(),
    activeKeys: db
      .prepare<[string], number>(
        'SELECT COUNT(*) FROM api_keys WHERE customer_id = ? AND revoked_at IS NULL',
      )
      .pluck(),
  };
}

/** Customers, API keys (hashes only) and the money views; money moves through LedgerWriter. */
export class SqliteCustomerRepository implements CustomerPort {
  private readonly s: ReturnType<typeof prepareCustomerStatements>;
  private readonly creditTx: Database.Transaction<
    (request: CreditRequest, now: number) => LedgerEntry
  >;
  private readonly insertKeyTx: Database.Transaction<
    (key: NewApiKey, grant: SandboxGrant | undefined) => ApiKeyTableRow
  >;

  constructor(
    db: SqliteDatabase,
    private readonly ledgerWriter: LedgerWriter,
  ) {
    this.s = prepareCustomerStatements(db);
    this.creditTx = db.transaction((request: CreditRequest, now: number) =>
      this.ledgerWriter.move({
        customerId: request.customerId,
        sandbox: request.sandbox,
        type: request.type,
        amountUnits: request.amountUnits,
        orderId: null,
        description: request.description,
        now,
      }),
    );
    this.insertKeyTx = db.transaction((key: NewApiKey, grant: SandboxGrant | undefined) => {
      const row = this.s.insertKey.get(
        key.id,
        key.customerId,
        key.prefix,
        key.hash,
        JSON.stringify(key.scopes),
        key.sandbox ? 1 : 0,
        key.maxOpenOrders,
        key.label,
        key.createdAt,
      );
      if (!row) throw new Error('api key insert returned no row');
      // Counted after the insert, revoked keys included: revoking and re-creating sandbox keys
      // never mints more play money.
      const first = key.sandbox && this.s.sandboxKeyCount.get(key.customerId) === 1;
      if (grant && first && grant.amountUnits > 0) {
        this.ledgerWriter.move({
          customerId: key.customerId,
          sandbox: true,
          type: 'admin_credit',
          amountUnits: grant.amountUnits,
          orderId: null,
          description: grant.description,
          now: key.createdAt,
        });
      }
      return row;
    });
  }

  createCustomer(customer: Customer): Promise<Customer | null> {
    const inserted = this.s.insertCustomer.run(customer.id, customer.email, customer.createdAt);
    return Promise.resolve(inserted.changes > 0 ? customer : null);
  }

  getCustomer(id: string): Promise<Customer | undefined> {
    const row = this.s.customer.get(id);
    return Promise.resolve(row ? customerFromRow(row) : undefined);
  }

  findCustomerByEmail(email: string): Promise<Customer | undefined> {
    const row = this.s.customerByEmail.get(email.trim().toLowerCase());
    return Promise.resolve(row ? customerFromRow(row) : undefined);
  }

  setBannedUntil(id: string, until: number | null): Promise<boolean> {
    return Promise.resolve(this.s.setBanned.run(until, id).changes > 0);
  }

  insertKey(key: NewApiKey, grant?: SandboxGrant): Promise<ApiKeyInfo> {
    return Promise.resolve(keyFromRow(this.insertKeyTx.immediate(key, grant)));
  }

  listKeys(customerId: string): Promise<ApiKeyInfo[]> {
    return Promise.resolve(this.s.keys.all(customerId).map(keyFromRow));
  }

  revokeKey(customerId: string, keyId: string, now: number): Promise<boolean> {
    return Promise.resolve(this.s.revokeKey.run(now, customerId, keyId).changes > 0);
  }

  authenticate(hash: string, now: number): Promise<Authenticated | null> {
    const row = this.s.keyByHash.get(hash);
    if (!row || row.revoked_at !== null) return Promise.resolve(null);
    const customerRow = this.s.customer.get(row.customer_id);
    if (!customerRow) return Promise.resolve(null);
    // The row just read says whether the touch is due: most requests skip the UPDATE (and its
    // write lock); the statement's own condition still decides under concurrency.
    const due = row.last_used_at === null || row.last_used_at <= now - LAST_USED_RESOLUTION_MS;
    const touched =
      due && this.s.touchKey.run(now, row.id, now - LAST_USED_RESOLUTION_MS).changes > 0;
    const key = keyFromRow(row);
    const customer = customerFromRow(customerRow);
    const banned = customer.bannedUntil !== null && customer.bannedUntil > now;
    return Promise.resolve({
      customer,
      key: touched ? { ...key, lastUsedAt: now } : key,
      bannedUntil: banned ? customer.bannedUntil : null,
    });
  }

  credit(request: CreditRequest, now: number): Promise<LedgerEntry> {
    return Promise.resolve(this.creditTx.immediate(request, now));
  }

  balance(customerId: string, sandbox: boolean): Promise<number> {
    return Promise.resolve(this.ledgerWriter.balance(customerId, sandbox));
  }

  ledger(customerId: string, query: LedgerQuery): Promise<Page<LedgerEntry>> {
    const rows = this.s.ledger.all({
      customer: customerId,
      sandbox: query.sandbox === undefined ? null : query.sandbox ? 1 : 0,
      type: query.type ?? null,
      from: query.from ?? null,
      to: query.to ?? null,
      before: decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    return Promise.resolve(pageOf(rows, query.limit, ledgerFromRow, (entry) => entry.id));
  }

  profile(customerId: string, sandbox: boolean): Promise<Profile | undefined> {
    const row = this.s.customer.get(customerId);
    if (!row) return Promise.resolve(undefined);
    const flag = sandbox ? 1 : 0;
    return Promise.resolve({
      customer: customerFromRow(row),
      balanceUnits: this.ledgerWriter.balance(customerId, sandbox),
      totalSpentUnits: this.s.spent.get(customerId, flag) ?? 0,
      totalOrders: this.s.orderCount.get(customerId, flag) ?? 0,
      activeApiKeys: this.s.activeKeys.get(customerId) ?? 0,
    });
  }
}
