/**
 * The built-in operator account: it owns the admin credential (an `sp_live_` key with the admin,
 * messages and orders scopes) and the operator's own keys (`simpool key create` without a
 * customer). It is a customers row of kind `operator`, never listed among the customers.
 */
import type { Clock } from '../shared/index.js';
import type { ApiScope } from './api-keys.js';
import type { AdminAccountsPort } from './admin-types.js';
import type { CreatedKey, CustomerService } from './customer-service.js';
import type { Customer } from './customers.js';
import { newId } from './ids.js';

export const OPERATOR_EMAIL = 'operator@simpool.local';
export const ADMIN_CREDENTIAL_SCOPES: readonly ApiScope[] = ['admin', 'messages', 'orders'];
export const ADMIN_CREDENTIAL_LABEL = 'admin credential';

export class OperatorAccount {
  private operator: Customer | undefined;

  constructor(
    private readonly accounts: AdminAccountsPort,
    private readonly customers: CustomerService,
    private readonly clock: Clock,
  ) {}

  /** The operator account, created on first use. */
  async ensure(): Promise<Customer> {
    if (this.operator) return this.operator;
    const now = this.clock.now();
    this.operator = await this.accounts.ensureOperator({
      id: newId('cus', now),
      email: OPERATOR_EMAIL,
      createdAt: now,
      bannedUntil: null,
    });
    return this.operator;
  }

  /** Whether `plain` is a live admin key of the operator account (a usable credential). */
  async isCredential(plain: string): Promise<boolean> {
    const operator = await this.ensure();
    const found = await this.customers.authenticate(plain.trim());
    return (
      found !== null &&
      found.customer.id === operator.id &&
      found.key.scopes.includes('admin') &&
      found.key.revokedAt === null
    );
  }

  /** A new admin credential; `previous` (when it is one) is revoked. */
  async issueCredential(previous?: string): Promise<CreatedKey> {
    const operator = await this.ensure();
    if (previous !== undefined && (await this.isCredential(previous))) {
      const found = await this.customers.authenticate(previous.trim());
      if (found) await this.customers.revokeKey(operator.id, found.key.id);
    }
    return this.customers.createKey(operator.id, {
      scopes: ADMIN_CREDENTIAL_SCOPES,
      label: ADMIN_CREDENTIAL_LABEL,
    });
  }

  /** A key of the operator account (scripts: e.g. `messages` to send SMS). */
  async createKey(scopes: readonly string[], sandbox = false): Promise<CreatedKey> {
    const operator = await this.ensure();
    return this.customers.createKey(operator.id, { scopes, sandbox });
  }
}
