/** Order use cases for one customer's key: buy, look, cancel, swap, retry, finish; and expiry. */
import type { Clock } from '../shared/index.js';
import { allocationPolicy, type AllocationPolicy } from './allocation.js';
import type { Page } from './customers.js';
import type { ClaimedIdempotencyKey } from './idempotency.js';
import { DEFAULT_ORDER_RULES, type OrderRulesConfig } from './order-rules.js';
import type { ExpiryReport, Order, OrderDetail, OrderStatus } from './order-types.js';
import { ORDER_STATUSES } from './order-types.js';
import type { OrderCommandContext, OrderPort } from './ports.js';
import { refusalError, unwrap } from './refusals.js';
import { pageLimit, requireInteger, requireText, validationError } from './validation.js';

export interface OrderServiceOptions {
  readonly rules?: Partial<OrderRulesConfig>;
  readonly policy?: AllocationPolicy;
}

/** Who is asking: the authenticated customer and the key used (limits, sandbox). */
export interface Principal {
  readonly customerId: string;
  readonly apiKeyId: string;
}

export interface PurchaseInput {
  readonly service: string;
  /** ISO-2 or sms-activate numeric id. */
  readonly country: string;
  readonly maxPriceUnits?: number;
  /** The request's Idempotency-Key claim, when it came with one. */
  readonly claimedKey?: ClaimedIdempotencyKey;
}

export class OrderService {
  readonly rules: OrderRulesConfig;
  private readonly policy: AllocationPolicy;

  constructor(
    private readonly port: OrderPort,
    private readonly clock: Clock,
    options: OrderServiceOptions = {},
  ) {
    this.rules = { ...DEFAULT_ORDER_RULES, ...options.rules };
    this.policy = options.policy ?? allocationPolicy('lru');
  }

  private ctx(): OrderCommandContext {
    return { now: this.clock.now(), rules: this.rules, policy: this.policy };
  }

  async purchase(principal: Principal, input: PurchaseInput): Promise<Order> {
    const service = requireText('service', input.service, 32);
    const country = requireText('country', input.country, 8);
    if (input.maxPriceUnits !== undefined) {
      requireInteger('maxPrice', input.maxPriceUnits, 0, Number.MAX_SAFE_INTEGER);
    }
    return unwrap(
      await this.port.purchase(
        {
          customerId: principal.customerId,
          apiKeyId: principal.apiKeyId,
          service,
          country,
          ...(input.maxPriceUnits !== undefined ? { maxPriceUnits: input.maxPriceUnits } : {}),
          ...(input.claimedKey !== undefined ? { claimedKey: input.claimedKey } : {}),
        },
        this.ctx(),
      ),
    );
  }

  /** `ref`: `ord_…` or activation id digits. Another customer's order is `order_not_found`. */
  async get(customerId: string, ref: string | number): Promise<OrderDetail> {
    const order = await this.port.getOrder(customerId, String(ref));
    if (!order) throw refusalError({ code: 'order_not_found' });
    return order;
  }

  list(
    customerId: string,
    query: { status?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<Order>> {
    if (
      query.status !== undefined &&
      !(ORDER_STATUSES as readonly string[]).includes(query.status)
    ) {
      throw validationError('status', `must be one of ${ORDER_STATUSES.join(', ')}`);
    }
    return this.port.listOrders(customerId, {
      limit: pageLimit(query.limit),
      ...(query.status !== undefined ? { status: query.status as OrderStatus } : {}),
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    });
  }

  async cancel(
    customerId: string,
    ref: string | number,
  ): Promise<{ order: Order; refundUnits: number }> {
    return unwrap(await this.port.cancel(customerId, String(ref), this.ctx()));
  }

  async swap(
    customerId: string,
    ref: string | number,
    claimedKey?: ClaimedIdempotencyKey,
  ): Promise<{ order: Order; previousNumber: string }> {
    return unwrap(await this.port.swap(customerId, String(ref), this.ctx(), claimedKey));
  }

  async retry(customerId: string, ref: string | number): Promise<Order> {
    return unwrap(await this.port.retry(customerId, String(ref), this.ctx()));
  }

  async finish(customerId: string, ref: string | number): Promise<Order> {
    return unwrap(await this.port.finish(customerId, String(ref), this.ctx()));
  }

  /** Run from a timer (nextExpiry) and at start: timers are rows, so a restart loses none. */
  expireDue(): Promise<ExpiryReport> {
    return this.port.expireDue(this.ctx());
  }

  nextExpiry(): Promise<number | null> {
    return this.port.nextExpiry();
  }
}
