/** What a customer does with an open order: cancel, swap, retry, finish. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { unitsToUsd } from '../../../domain/index.js';
import type { ApiDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import { claimedKeyOf } from '../../plugins/idempotency.js';
import { orderObject } from '../../present.js';
import { NoBody, OrderRefParams, OrderSchema, SwapSchema, errors } from '../../schemas.js';
import { ownOrder } from './order-access.js';

const CancelSchema = Type.Object({
  success: Type.Literal(true),
  order_id: Type.String(),
  status: Type.Literal('cancelled'),
  refund_amount: Type.Number(),
});

export function orderActionRoutes(deps: ApiDeps): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.post(
      '/cancel/:id',
      {
        schema: {
          params: OrderRefParams,
          body: NoBody,
          response: { 200: CancelSchema, ...errors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const own = await ownOrder(deps, principal, request.params.id);
        const { order, refundUnits } = await deps.orders.cancel(principal.customerId, own.id);
        return {
          success: true as const,
          order_id: order.id,
          status: 'cancelled' as const,
          refund_amount: unitsToUsd(refundUnits),
        };
      },
    );

    app.post(
      '/swap/:id',
      {
        schema: { params: OrderRefParams, body: NoBody, response: { 200: SwapSchema, ...errors } },
      },
      async (request) => {
        const principal = principalOf(request);
        const own = await ownOrder(deps, principal, request.params.id);
        const { order, previousNumber } = await deps.orders.swap(
          principal.customerId,
          own.id,
          claimedKeyOf(request),
        );
        const detail = await deps.orders.get(principal.customerId, order.id);
        return { ...orderObject(detail), previous_number: previousNumber };
      },
    );

    for (const action of ['retry', 'finish'] as const) {
      app.post(
        `/order/:id/${action}`,
        {
          schema: {
            params: OrderRefParams,
            body: NoBody,
            response: { 200: OrderSchema, ...errors },
          },
        },
        async (request) => {
          const principal = principalOf(request);
          const own = await ownOrder(deps, principal, request.params.id);
          await deps.orders[action](principal.customerId, own.id);
          return orderObject(await deps.orders.get(principal.customerId, own.id));
        },
      );
    }
    done();
  };
}
