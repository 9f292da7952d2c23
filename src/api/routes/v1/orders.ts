/** Buying a number and looking at orders. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ORDER_STATUSES, usdToUnits } from '../../../domain/index.js';
import { SimpoolError } from '../../../shared/index.js';
import type { ApiDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import { claimedKeyOf } from '../../plugins/idempotency.js';
import { defined, orderObject, orderSummary } from '../../present.js';
import {
  OrderRefParams,
  OrderSchema,
  OrderSummarySchema,
  PageQuery,
  errors,
  page,
} from '../../schemas.js';
import { ownOrder } from './order-access.js';

const PurchaseBody = Type.Object(
  {
    service: Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9A-Za-z_-]+$' }),
    country: Type.String({ pattern: '^[A-Za-z]{2}$' }),
    max_price: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

function maxPriceUnits(usd: number): number {
  try {
    return usdToUnits(usd);
  } catch {
    throw new SimpoolError('validation_failed', 'max_price: at most 4 decimals', {
      details: { field: 'max_price', issue: 'at most 4 decimals' },
    });
  }
}

export function orderRoutes(deps: ApiDeps): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.post(
      '/purchase',
      { schema: { body: PurchaseBody, response: { 201: OrderSchema, ...errors } } },
      async (request, reply) => {
        const principal = principalOf(request);
        const { service, country, max_price } = request.body;
        const claimedKey = claimedKeyOf(request);
        const order = await deps.orders.purchase(principal, {
          service,
          country: country.toUpperCase(),
          ...(max_price !== undefined ? { maxPriceUnits: maxPriceUnits(max_price) } : {}),
          ...(claimedKey !== undefined ? { claimedKey } : {}),
        });
        return reply.code(201).send(orderObject(order));
      },
    );

    app.get(
      '/order/:id',
      { schema: { params: OrderRefParams, response: { 200: OrderSchema, ...errors } } },
      async (request) => orderObject(await ownOrder(deps, principalOf(request), request.params.id)),
    );

    app.get(
      '/orders',
      {
        schema: {
          querystring: Type.Object({
            status: Type.Optional(Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s)))),
            ...PageQuery,
          }),
          response: { 200: page(OrderSummarySchema), ...errors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const result = await deps.orders.list(principal.customerId, defined(request.query));
        return {
          success: true as const,
          // The page is the customer's; the other mode's orders are left out of it.
          data: result.items.filter((o) => o.sandbox === principal.sandbox).map(orderSummary),
          next_cursor: result.nextCursor,
        };
      },
    );
    done();
  };
}
