/** TypeBox schemas shared by the routes: error body, order object, pagination. */
import { Type, type TSchema } from 'typebox';

export const Iso = Type.String({ format: 'date-time' });
/** USD as a JSON number with at most 4 decimals. */
export const Usd = Type.Number();
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ErrorBodySchema = Type.Object({
  success: Type.Literal(false),
  error: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), issue: Type.String() }))),
  request_id: Type.String(),
  // Facts of some codes (API.md): 402 required/current, 425 seconds_remaining, 403 until.
  required: Type.Optional(Type.Number()),
  current: Type.Optional(Type.Number()),
  seconds_remaining: Type.Optional(Type.Integer()),
  until: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer()),
  price: Type.Optional(Type.Number()),
  status: Type.Optional(Type.String()),
});

/** Every route's error responses; merge with the success ones: `{ 200: X, ...errors }`. */
export const errors = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema } as const;

export const OrderMessageSchema = Type.Object({
  id: Type.String(),
  sender: Type.String(),
  content: Type.String(),
  code: Nullable(Type.String()),
  received_at: Iso,
});

const orderFields = {
  order_id: Type.String(),
  activation_id: Type.String({ pattern: '^[0-9]+$' }),
  phone_number: Type.String(),
  service: Type.String(),
  country: Type.String(),
  price: Usd,
  status: Type.String(),
  sms_received: Type.Boolean(),
  code: Nullable(Type.String()),
  created_at: Iso,
  expires_at: Iso,
  cancel_available_at: Iso,
  swap_available_at: Iso,
  rules: Type.Object({
    cancel_cooldown_seconds: Type.Integer(),
    swap_cooldown_seconds: Type.Integer(),
  }),
};

/** An incoming voice call to the order's number (missed-call verification: `code`). */
export const OrderCallSchema = Type.Object({
  id: Type.String(),
  caller: Nullable(Type.String({ description: 'Caller id; null when withheld' })),
  code: Nullable(
    Type.String({ description: "The caller's last digits, for services verifying by call" }),
  ),
  rings: Type.Integer({ minimum: 0 }),
  started_at: Iso,
  ended_at: Iso,
});

/** An order in a list: the order object without its messages. */
export const OrderSummarySchema = Type.Object(orderFields);

/** GET order/{id}, purchase, retry, finish: the order object of API.md. */
export const OrderSchema = Type.Object({
  success: Type.Literal(true),
  ...orderFields,
  messages: Type.Array(OrderMessageSchema),
  calls: Type.Array(OrderCallSchema),
});

export const SwapSchema = Type.Object({
  success: Type.Literal(true),
  ...orderFields,
  messages: Type.Array(OrderMessageSchema),
  calls: Type.Array(OrderCallSchema),
  previous_number: Type.String(),
});

export const OrderRefParams = Type.Object({
  // `ord_…` or activation id digits; anything else cannot be an order of anyone.
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^(ord_[0-9A-Za-z]+|[0-9]+)$' }),
});

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

export const page = <T extends TSchema>(item: T) =>
  Type.Object({
    success: Type.Literal(true),
    data: Type.Array(item),
    next_cursor: Nullable(Type.String()),
  });

/** Mutating POSTs accept an empty body or an empty JSON object. */
export const NoBody = Type.Union([
  Type.Object({}, { additionalProperties: false }),
  Type.Null(),
  Type.Undefined(),
]);
