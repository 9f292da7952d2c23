/**
 * What the domain needs from storage. Async so a networked backend (PostgreSQL) can implement
 * them; the SQLite store does the work synchronously. Every mutating method is ONE transaction
 * that loads rows, applies the pure rules (order-rules.ts) and writes every effect — order,
 * number history, ledger and balance, usage, outbox event — or nothing.
 */
import type { AllocationPolicy, EligibilityRules } from './allocation.js';
import type {
  CatalogSeedInput,
  Country,
  PriceEntry,
  SeedReport,
  Service,
  ServicePatch,
} from './catalog.js';
import type {
  ApiKeyInfo,
  Authenticated,
  CreditRequest,
  Customer,
  LedgerEntry,
  LedgerQuery,
  NewApiKey,
  Page,
  Profile,
} from './customers.js';
import type {
  ClaimedIdempotencyKey,
  IdempotencyRecord,
  NewIdempotencyClaim,
  StoredResponse,
} from './idempotency.js';
import type { OrderRulesConfig } from './order-rules.js';
import type {
  DomainEvent,
  ExpiryReport,
  InboundSms,
  MatchResult,
  Order,
  OrderDetail,
  OrderQuery,
  PurchaseRequest,
} from './order-types.js';
import type { CallMatchResult, IncomingCallRecord } from './calls.js';
import type { Outcome } from './refusals.js';
import type { DueSandboxDelivery, SandboxDeliveryOutcome } from './sandbox.js';

export interface CatalogPort {
  /** Inserts what is missing; never overwrites existing rows (operator edits win). */
  seed(input: CatalogSeedInput, now: number): Promise<SeedReport>;
  listServices(): Promise<Service[]>;
  getService(code: string): Promise<Service | undefined>;
  updateService(code: string, patch: ServicePatch, now: number): Promise<Service | undefined>;
  listCountries(): Promise<Country[]>;
  /** By ISO-2 (the real-SIM row) or by sms-activate numeric id. */
  findCountry(ref: string): Promise<Country | undefined>;
  setCountryEnabled(activateId: number, enabled: boolean): Promise<boolean>;
  setPrice(service: string, iso2: string, priceUnits: number, now: number): Promise<void>;
  /** Prices with availability for the asking key's mode (sandbox: simulated SIMs); filters
   * optional. */
  listPrices(
    filter: { readonly service?: string; readonly country?: string },
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
  ): Promise<PriceEntry[]>;
  availability(
    service: string,
    iso2: string,
    rules: EligibilityRules,
    now: number,
    sandbox: boolean,
  ): Promise<number>;
  blacklist(iccid: string, service: string, reason: string, now: number): Promise<void>;
  unblacklist(iccid: string, service: string): Promise<boolean>;
}

export interface CustomerPort {
  /** null when the e-mail is already registered. */
  createCustomer(customer: Customer): Promise<Customer | null>;
  getCustomer(id: string): Promise<Customer | undefined>;
  findCustomerByEmail(email: string): Promise<Customer | undefined>;
  setBannedUntil(id: string, until: number | null): Promise<boolean>;
  /** With `grant`, a sandbox key that is the customer's first sandbox key ever (revoked ones
   * count) also credits the grant to the sandbox balance, in the same transaction. */
  insertKey(key: NewApiKey, grant?: SandboxGrant): Promise<ApiKeyInfo>;
  listKeys(customerId: string): Promise<ApiKeyInfo[]>;
  revokeKey(customerId: string, keyId: string, now: number): Promise<boolean>;
  /** By SHA-256; null for unknown or revoked keys. Touches last_used_at (≤ once a minute). */
  authenticate(hash: string, now: number): Promise<Authenticated | null>;
  /** Deposit / admin credit: ledger row + balance + event, one transaction. */
  credit(request: CreditRequest, now: number): Promise<LedgerEntry>;
  balance(customerId: string, sandbox: boolean): Promise<number>;
  ledger(customerId: string, query: LedgerQuery): Promise<Page<LedgerEntry>>;
  profile(customerId: string, sandbox: boolean): Promise<Profile | undefined>;
}

/** The play money of a customer's first sandbox key (an `admin_credit` ledger row). */
export interface SandboxGrant {
  readonly amountUnits: number;
  readonly description: string;
}

export interface OrderCommandContext {
  readonly now: number;
  readonly rules: OrderRulesConfig;
  readonly policy: AllocationPolicy;
}

export interface OrderPort {
  /** With `request.claimedKey`, the order this key already bought is returned, not a new one. */
  purchase(request: PurchaseRequest, ctx: OrderCommandContext): Promise<Outcome<Order>>;
  /** `ref`: `ord_…` or the digits of an activation id; another customer's order is not found. */
  cancel(
    customerId: string,
    ref: string,
    ctx: OrderCommandContext,
  ): Promise<Outcome<{ readonly order: Order; readonly refundUnits: number }>>;
  /** With `claimedKey`, a swap this key already made is answered again, not repeated. */
  swap(
    customerId: string,
    ref: string,
    ctx: OrderCommandContext,
    claimedKey?: ClaimedIdempotencyKey,
  ): Promise<Outcome<{ readonly order: Order; readonly previousNumber: string }>>;
  retry(customerId: string, ref: string, ctx: OrderCommandContext): Promise<Outcome<Order>>;
  finish(customerId: string, ref: string, ctx: OrderCommandContext): Promise<Outcome<Order>>;
  /** Closes every open order whose expires_at ≤ now. */
  expireDue(ctx: OrderCommandContext): Promise<ExpiryReport>;
  attachSms(sms: InboundSms, ctx: OrderCommandContext): Promise<MatchResult>;
  /**
   * Records an incoming call on its SIM and gives it to the open order there (when it rang after
   * the number was assigned): the call row, the order's code (missed-call services) and the
   * `call.received` event in one transaction. The same call (SIM, start) twice: `duplicate`.
   */
  attachCall(call: IncomingCallRecord, ctx: OrderCommandContext): Promise<CallMatchResult>;
  getOrder(customerId: string, ref: string): Promise<OrderDetail | undefined>;
  listOrders(customerId: string, query: OrderQuery): Promise<Page<Order>>;
  /** The earliest expires_at among open orders, for the expiry timer. */
  nextExpiry(): Promise<number | null>;
}

export interface EventPort {
  eventsSince(
    seq: number,
    limit: number,
    filter?: { readonly customerId?: string },
  ): Promise<DomainEvent[]>;
  /** The seq of the newest event (0 when none): where a live-only reader starts. */
  latestSeq(): Promise<number>;
  /** One event by its `evt_` id (a client's resume position), or null. */
  findEvent(id: string): Promise<DomainEvent | null>;
  /**
   * Calls `listener` soon after events were appended (after the appending transaction, at most
   * once per burst) so push readers need not poll; readers then call eventsSince. Returns the
   * unsubscribe function.
   */
  subscribe(listener: () => void): () => void;
}

/** The synthetic SMS of sandbox orders, scheduled (as rows) inside purchase, retry and swap. */
export interface SandboxDeliveryPort {
  /** Undelivered rows with due_at ≤ now, oldest first. */
  due(now: number, limit: number): Promise<DueSandboxDelivery[]>;
  complete(id: number, outcome: SandboxDeliveryOutcome, now: number): Promise<void>;
  /** Counts a failed attempt and tries again at `dueAt`. */
  postpone(id: number, dueAt: number): Promise<void>;
}

/** Idempotency-key records of mutating API requests (idempotency.ts). */
export interface IdempotencyPort {
  /**
   * Atomically: the live record of (scope, key), or null after inserting `claim` as in flight.
   * A record is dead (replaced by the claim) when created before `expiredBefore`, or when still
   * in flight and created before `abandonedBefore` or held by a holder that is dead (its host's
   * epoch is over or its lease ended). An in-flight record that already recorded an effect is
   * taken over only by the same request (fingerprint); the taker keeps the effect.
   */
  claim(
    claim: NewIdempotencyClaim,
    now: number,
    limits: { readonly expiredBefore: number; readonly abandonedBefore: number },
  ): Promise<IdempotencyRecord | null>;
  /** With `claimId`, only while that attempt still holds the claim (not taken over). */
  complete(
    scope: string,
    key: string,
    response: StoredResponse,
    now: number,
    claimId?: string,
  ): Promise<void>;
  /**
   * Forgets an in-flight claim whose request failed without a replayable answer; with
   * `claimId`, only that attempt's. A claim whose effect was recorded stays (a retry must find
   * the effect): it gives way once abandoned.
   */
  release(scope: string, key: string, claimId?: string): Promise<void>;
}
