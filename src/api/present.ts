/** Domain records → the JSON shapes of API.md (snake_case, USD numbers, RFC 3339 UTC times). */
import {
  unitsToUsd,
  type Order,
  type OrderCall,
  type OrderMessage,
  type Page,
} from '../domain/index.js';

export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A query without the parameters the client left out: the services' inputs are optional fields
 * that may not be `undefined` (exactOptionalPropertyTypes).
 */
export const defined = <T extends Record<string, unknown>>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };

/** A page of domain records as API.md's list body. */
export function pageBody<T, R>(result: Page<T>, present: (item: T) => R) {
  return {
    success: true as const,
    data: result.items.map(present),
    next_cursor: result.nextCursor,
  };
}

export function orderSummary(order: Order) {
  // The hold restarts with every number (a swap), so its length is read from the current one.
  const holdSeconds = Math.max(0, Math.round((order.holdUntil - order.numberAssignedAt) / 1000));
  return {
    order_id: order.id,
    activation_id: String(order.activationId),
    phone_number: order.phoneNumber,
    service: order.service,
    country: order.country,
    price: unitsToUsd(order.priceUnits),
    status: order.status,
    sms_received: order.smsCount > 0,
    code: order.lastCode,
    created_at: iso(order.createdAt),
    expires_at: iso(order.expiresAt),
    cancel_available_at: iso(order.holdUntil),
    swap_available_at: iso(order.holdUntil),
    rules: { cancel_cooldown_seconds: holdSeconds, swap_cooldown_seconds: holdSeconds },
  };
}

/** `messages` and `calls` default to none: a fresh purchase has had neither yet. */
export function orderObject(
  order: Order & {
    readonly messages?: readonly OrderMessage[];
    readonly calls?: readonly OrderCall[];
  },
) {
  return {
    success: true as const,
    ...orderSummary(order),
    messages: (order.messages ?? []).map((m) => ({
      id: String(m.id),
      sender: m.sender,
      content: m.text,
      code: m.code,
      received_at: iso(m.receivedAt),
    })),
    calls: (order.calls ?? []).map((c) => ({
      id: String(c.id),
      caller: c.caller,
      code: c.code,
      rings: c.rings,
      started_at: iso(c.startedAt),
      ended_at: iso(c.endedAt),
    })),
  };
}
