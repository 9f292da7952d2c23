/** The operator account and the admin customer list (kind `customer` only), on PostgreSQL. */
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
import type { PostgresDatabase } from './database.js';

const OPERATOR = `SELECT * FROM customers WHERE kind = 'operator'`;

const LIST = `
SELECT c.rowid AS seq, c.*, COALESCE(b.balance, 0) AS balance,
  (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id
     AND o.status IN ${OPEN_ORDER_STATUSES}) AS open_orders
FROM customers c LEFT JOIN balances b ON b.customer_id = c.id AND b.sandbox = 0
WHERE c.kind = 'customer'
  AND ($1::text IS NULL OR strpos(lower(c.email), $1) > 0 OR strpos(lower(c.id), $1) > 0)
  AND ($2::bigint IS NULL OR c.rowid < $2)
ORDER BY c.rowid DESC LIMIT $3`;

export class PostgresAdminAccounts implements AdminAccountsPort {
  constructor(private readonly db: PostgresDatabase) {}

  async ensureOperator(candidate: Customer): Promise<Customer> {
    // No conflict target: another host starting at the same moment, or an existing operator
    // row (the partial unique index customers_one_operator), makes this a no-op, and the
    // SELECT below reads whichever row won.
    await this.db.query(
      `INSERT INTO customers (id, email, created_at, kind) VALUES ($1, $2, $3, 'operator')
       ON CONFLICT DO NOTHING`,
      [candidate.id, candidate.email, candidate.createdAt],
    );
    const operator = await this.findOperator();
    if (!operator) {
      throw new SimpoolError(
        'internal_error',
        `cannot create the operator account: ${candidate.email} is a customer's e-mail`,
      );
    }
    return operator;
  }

  async findOperator(): Promise<Customer | undefined> {
    const { rows } = await this.db.query<CustomerTableRow>(OPERATOR);
    const row = rows[0];
    return row ? customerFromRow(row) : undefined;
  }

  async listCustomers(query: CustomerListQuery): Promise<Page<CustomerSummary>> {
    const q = query.q?.trim().toLowerCase();
    const { rows } = await this.db.query<SummaryRow>(LIST, [
      q === undefined || q === '' ? null : q,
      decodeCursor(query.cursor),
      query.limit + 1,
    ]);
    return customerSummaryPage(rows, query.limit);
  }
}
