/** The operator account and the admin customer list (kind `customer` only). */
import { SimpoolError } from '../../shared/index.js';
import type {
  AdminAccountsPort,
  Customer,
  CustomerListQuery,
  CustomerSummary,
  Page,
} from '../../domain/index.js';
import { customerSummaryPage, OPEN_ORDER_STATUSES, type SummaryRow } from '../common/admin-rows.js';
import { customerFromRow, decodeCursor, type CustomerTableRow } from '../common/customer-rows.js';
import type { SqliteDatabase } from './database.js';

export class SqliteAdminAccounts implements AdminAccountsPort {
  private readonly insertOperator;
  private readonly operator;
  private readonly list;

  constructor(db: SqliteDatabase) {
    // No conflict target: a second process racing us (the CLI) or an existing operator row
    // makes this a no-op, and the SELECT below reads whichever row won.
    this.insertOperator = db.prepare<[string, string, number]>(
      `INSERT INTO customers (id, email, created_at, kind) VALUES (?, ?, ?, 'operator')
       ON CONFLICT DO NOTHING`,
    );
    this.operator = db.prepare<[], CustomerTableRow>(
      `SELECT * FROM customers WHERE kind = 'operator'`,
    );
    this.list = db.prepare<{ q: string | null; before: number | null; limit: number }, SummaryRow>(
      `SELECT c.rowid AS seq, c.*, COALESCE(b.balance, 0) AS balance,
         (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id
            AND o.status IN ${OPEN_ORDER_STATUSES}) AS open_orders
       FROM customers c LEFT JOIN balances b ON b.customer_id = c.id AND b.sandbox = 0
       WHERE c.kind = 'customer'
         AND (@q IS NULL OR instr(lower(c.email), @q) > 0 OR instr(lower(c.id), @q) > 0)
         AND (@before IS NULL OR c.rowid < @before)
       ORDER BY c.rowid DESC LIMIT @limit`,
    );
  }

  ensureOperator(candidate: Customer): Promise<Customer> {
    this.insertOperator.run(candidate.id, candidate.email, candidate.createdAt);
    const row = this.operator.get();
    if (!row) {
      return Promise.reject(
        new SimpoolError(
          'internal_error',
          `cannot create the operator account: ${candidate.email} is a customer's e-mail`,
        ),
      );
    }
    return Promise.resolve(customerFromRow(row));
  }

  findOperator(): Promise<Customer | undefined> {
    const row = this.operator.get();
    return Promise.resolve(row ? customerFromRow(row) : undefined);
  }

  listCustomers(query: CustomerListQuery): Promise<Page<CustomerSummary>> {
    const q = query.q?.trim().toLowerCase();
    const rows = this.list.all({
      q: q === undefined || q === '' ? null : q,
      before: decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    return Promise.resolve(customerSummaryPage(rows, query.limit));
  }
}
