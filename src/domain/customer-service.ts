/** Customers, API keys and money in (deposits, credits) and the views of balance and ledger. */
import { SimpoolError, type Clock } from '../shared/index.js';
import { generateApiKey, hashApiKey, isApiScope, looksLikeApiKey } from './api-keys.js';
import type {
  ApiKeyInfo,
  Authenticated,
  Customer,
  LedgerEntry,
  LedgerQuery,
  Page,
  Profile,
} from './customers.js';
import { newId } from './ids.js';
import type { CustomerPort } from './ports.js';
import { DEFAULT_SANDBOX_STARTING_BALANCE_UNITS, SANDBOX_GRANT_DESCRIPTION } from './sandbox.js';
import { pageLimit, requireInteger, requireText, validationError } from './validation.js';

export interface CreateKeyInput {
  readonly scopes?: readonly string[];
  readonly sandbox?: boolean;
  readonly maxOpenOrders?: number | null;
  readonly label?: string;
}

export interface CreatedKey {
  readonly key: ApiKeyInfo;
  /** Shown once: only its hash is stored. */
  readonly plainKey: string;
}

export interface CustomerServiceOptions {
  /** Play money credited with a customer's first sandbox key; 0 credits nothing. */
  readonly sandboxStartingBalanceUnits?: number;
  /**
   * How long an authentication answer may be reused (0: never). Polling clients authenticate on
   * every request; a short reuse saves a database read each time. Revocations and bans made
   * through this service take effect at once; ones made by another process (the CLI) within
   * this time.
   */
  readonly authCacheMs?: number;
}

/** Beyond this many remembered keys the cache starts afresh: memory stays bounded. */
const AUTH_CACHE_LIMIT = 10_000;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class CustomerService {
  private readonly sandboxStartingBalanceUnits: number;
  private readonly authCacheMs: number;
  private readonly authCache = new Map<string, { value: Authenticated | null; until: number }>();

  constructor(
    private readonly port: CustomerPort,
    private readonly clock: Clock,
    options: CustomerServiceOptions = {},
  ) {
    this.sandboxStartingBalanceUnits =
      options.sandboxStartingBalanceUnits ?? DEFAULT_SANDBOX_STARTING_BALANCE_UNITS;
    this.authCacheMs = options.authCacheMs ?? 0;
  }

  async createCustomer(email: string): Promise<Customer> {
    const normalized = requireText('email', email, 254).toLowerCase();
    if (!EMAIL.test(normalized)) throw validationError('email', 'not an e-mail address');
    const now = this.clock.now();
    const created = await this.port.createCustomer({
      id: newId('cus', now),
      email: normalized,
      createdAt: now,
      bannedUntil: null,
    });
    if (!created) throw validationError('email', 'already registered');
    return created;
  }

  async getCustomer(id: string): Promise<Customer> {
    const customer = await this.port.getCustomer(id);
    if (!customer) throw new SimpoolError('customer_not_found', `no customer ${id}`);
    return customer;
  }

  /** Bans every key of the customer until `until` (null lifts the ban). */
  async ban(customerId: string, until: number | null): Promise<void> {
    this.authCache.clear();
    if (!(await this.port.setBannedUntil(customerId, until))) {
      throw new SimpoolError('customer_not_found', `no customer ${customerId}`);
    }
  }

  async createKey(customerId: string, input: CreateKeyInput = {}): Promise<CreatedKey> {
    await this.getCustomer(customerId);
    const scopes = [...new Set(input.scopes ?? ['orders'])];
    if (scopes.length === 0 || !scopes.every(isApiScope)) {
      throw validationError('scopes', 'each scope must be orders, messages or admin');
    }
    const maxOpenOrders =
      input.maxOpenOrders === undefined || input.maxOpenOrders === null
        ? null
        : requireInteger('maxOpenOrders', input.maxOpenOrders, 0, 100_000);
    const sandbox = input.sandbox ?? false;
    const generated = generateApiKey(sandbox);
    const now = this.clock.now();
    // Integrators can test at once: the first sandbox key comes with play money (once only,
    // decided by the store inside the key's transaction).
    const grant =
      sandbox && this.sandboxStartingBalanceUnits > 0
        ? { amountUnits: this.sandboxStartingBalanceUnits, description: SANDBOX_GRANT_DESCRIPTION }
        : undefined;
    const key = await this.port.insertKey(
      {
        id: newId('key', now),
        customerId,
        prefix: generated.prefix,
        hash: generated.hash,
        scopes,
        sandbox,
        maxOpenOrders,
        label: input.label === undefined ? null : requireText('label', input.label),
        createdAt: now,
      },
      grant,
    );
    return { key, plainKey: generated.plain };
  }

  listKeys(customerId: string): Promise<ApiKeyInfo[]> {
    return this.port.listKeys(customerId);
  }

  async revokeKey(customerId: string, keyId: string): Promise<void> {
    this.authCache.clear();
    if (!(await this.port.revokeKey(customerId, keyId, this.clock.now()))) {
      throw new SimpoolError('not_found', `no active key ${keyId}`);
    }
  }

  /**
   * The customer and key behind a plain key, or null (malformed, unknown or revoked). A banned
   * customer is returned with `bannedUntil` set, so callers can answer BANNED rather than BAD_KEY.
   */
  async authenticate(plainKey: string): Promise<Authenticated | null> {
    if (typeof plainKey !== 'string' || !looksLikeApiKey(plainKey)) return null;
    const hash = hashApiKey(plainKey);
    const now = this.clock.now();
    const cached = this.authCache.get(hash);
    if (cached && cached.until > now) return cached.value;
    const value = await this.port.authenticate(hash, now);
    if (this.authCacheMs > 0) {
      if (this.authCache.size >= AUTH_CACHE_LIMIT) this.authCache.clear();
      this.authCache.set(hash, { value, until: now + this.authCacheMs });
    }
    return value;
  }

  /** Adds money: a `deposit` (payment) or an `admin_credit` (goodwill, corrections). */
  async credit(
    customerId: string,
    amountUnits: number,
    options: { type?: 'deposit' | 'admin_credit'; sandbox?: boolean; description?: string } = {},
  ): Promise<LedgerEntry> {
    requireInteger('amount', amountUnits, 1, Number.MAX_SAFE_INTEGER);
    await this.getCustomer(customerId);
    const type = options.type ?? 'deposit';
    return this.port.credit(
      {
        customerId,
        sandbox: options.sandbox ?? false,
        type,
        amountUnits,
        description: options.description ?? (type === 'deposit' ? 'Deposit' : 'Credit'),
      },
      this.clock.now(),
    );
  }

  balance(customerId: string, sandbox = false): Promise<number> {
    return this.port.balance(customerId, sandbox);
  }

  ledger(customerId: string, query: Partial<LedgerQuery> = {}): Promise<Page<LedgerEntry>> {
    return this.port.ledger(customerId, { ...query, limit: pageLimit(query.limit) });
  }

  async profile(customerId: string, sandbox = false): Promise<Profile> {
    const profile = await this.port.profile(customerId, sandbox);
    if (!profile) throw new SimpoolError('customer_not_found', `no customer ${customerId}`);
    return profile;
  }
}
