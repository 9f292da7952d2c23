/** Customers, their API keys and their money (ledger rows and balances). */
import type { ApiScope } from './api-keys.js';

export interface Customer {
  readonly id: string;
  readonly email: string;
  readonly createdAt: number;
  /** Keys of a banned customer are refused until then (legacy `BANNED:<date>`). */
  readonly bannedUntil: number | null;
}

export interface ApiKeyInfo {
  readonly id: string;
  readonly customerId: string;
  readonly prefix: string;
  readonly scopes: readonly ApiScope[];
  /** `sp_test_` keys: separate balance, simulated SIMs only. */
  readonly sandbox: boolean;
  /** Open orders this key may hold at once; null = the configured default (20). */
  readonly maxOpenOrders: number | null;
  readonly label: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

export interface NewApiKey {
  readonly id: string;
  readonly customerId: string;
  readonly prefix: string;
  readonly hash: string;
  readonly scopes: readonly ApiScope[];
  readonly sandbox: boolean;
  readonly maxOpenOrders: number | null;
  readonly label: string | null;
  readonly createdAt: number;
}

export interface Authenticated {
  readonly customer: Customer;
  readonly key: ApiKeyInfo;
  /** Set while the customer is banned: the caller answers `key_banned` / `BANNED:<date>`. */
  readonly bannedUntil: number | null;
}

export const LEDGER_TYPES = ['deposit', 'admin_credit', 'purchase', 'refund'] as const;
export type LedgerType = (typeof LEDGER_TYPES)[number];

export interface LedgerEntry {
  readonly id: number;
  readonly customerId: string;
  readonly sandbox: boolean;
  readonly type: LedgerType;
  /** Signed units: negative for purchases. */
  readonly amountUnits: number;
  readonly balanceBeforeUnits: number;
  readonly balanceAfterUnits: number;
  readonly orderId: string | null;
  readonly description: string;
  readonly createdAt: number;
}

export interface LedgerQuery {
  readonly sandbox?: boolean;
  readonly type?: LedgerType;
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
  /** Opaque, from the previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface CreditRequest {
  readonly customerId: string;
  readonly sandbox: boolean;
  readonly type: 'deposit' | 'admin_credit';
  readonly amountUnits: number;
  readonly description: string;
}

export interface Profile {
  readonly customer: Customer;
  readonly balanceUnits: number;
  /** Purchases minus refunds. */
  readonly totalSpentUnits: number;
  readonly totalOrders: number;
  readonly activeApiKeys: number;
}
