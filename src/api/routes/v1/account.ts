/** The asking key's account: balance, profile and ledger (sandbox keys see the sandbox ones). */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { LEDGER_TYPES, unitsToUsd } from '../../../domain/index.js';
import type { ApiDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import { iso } from '../../present.js';
import { Iso, Nullable, PageQuery, Usd, errors, page } from '../../schemas.js';

const LedgerRow = Type.Object({
  id: Type.Integer(),
  amount: Usd,
  type: Type.String(),
  description: Type.String(),
  order_id: Nullable(Type.String()),
  balance_before: Usd,
  balance_after: Usd,
  created_at: Iso,
});

export function accountRoutes(deps: ApiDeps): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/balance',
      {
        schema: {
          response: { 200: Type.Object({ success: Type.Literal(true), balance: Usd }), ...errors },
        },
      },
      async (request) => {
        const { customerId, sandbox } = principalOf(request);
        return {
          success: true as const,
          balance: unitsToUsd(await deps.customers.balance(customerId, sandbox)),
        };
      },
    );

    app.get(
      '/profile',
      {
        schema: {
          response: {
            200: Type.Object({
              success: Type.Literal(true),
              id: Type.String(),
              email: Type.String(),
              balance: Usd,
              total_spent: Usd,
              total_orders: Type.Integer(),
              active_api_keys: Type.Integer(),
              created_at: Iso,
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const { customerId, sandbox } = principalOf(request);
        const profile = await deps.customers.profile(customerId, sandbox);
        return {
          success: true as const,
          id: profile.customer.id,
          email: profile.customer.email,
          balance: unitsToUsd(profile.balanceUnits),
          total_spent: unitsToUsd(profile.totalSpentUnits),
          total_orders: profile.totalOrders,
          active_api_keys: profile.activeApiKeys,
          created_at: iso(profile.customer.createdAt),
        };
      },
    );

    app.get(
      '/transactions',
      {
        schema: {
          querystring: Type.Object({
            type: Type.Optional(Type.Union(LEDGER_TYPES.map((t) => Type.Literal(t)))),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            ...PageQuery,
          }),
          response: { 200: page(LedgerRow), ...errors },
        },
      },
      async (request) => {
        const { customerId, sandbox } = principalOf(request);
        const { type, from, to, limit, cursor } = request.query;
        const result = await deps.customers.ledger(customerId, {
          sandbox,
          ...(type !== undefined ? { type } : {}),
          ...(from !== undefined ? { from: Date.parse(from) } : {}),
          ...(to !== undefined ? { to: Date.parse(to) } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        });
        return {
          success: true as const,
          data: result.items.map((e) => ({
            id: e.id,
            amount: unitsToUsd(e.amountUnits),
            type: e.type,
            description: e.description,
            order_id: e.orderId,
            balance_before: unitsToUsd(e.balanceBeforeUnits),
            balance_after: unitsToUsd(e.balanceAfterUnits),
            created_at: iso(e.createdAt),
          })),
          next_cursor: result.nextCursor,
        };
      },
    );
    done();
  };
}
