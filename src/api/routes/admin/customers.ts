/** Customers (list, create with a key, top up) and their API keys. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { API_SCOPES, unitsToUsd, usdToUnits } from '../../../domain/index.js';
import { page, PageQuery, Usd } from '../../schemas.js';
import type { AdminContext } from './context.js';
import {
  CustomerIdParam,
  CustomerSchema,
  KeyIdParam,
  KeySchema,
  Ok,
  adminSchema,
  customerObject,
  dataOf,
  keyObject,
} from './schemas.js';
import { defined, pageBody } from '../../present.js';

const Amount = Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 });
const CustomerParams = Type.Object({ id: CustomerIdParam });
/** Key routes also take `operator`: the built-in operator account's own keys. */
const KeyOwnerParams = Type.Object({
  id: Type.Union([CustomerIdParam, Type.Literal('operator')]),
});

export function customerRoutes({ admin, deps }: AdminContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/customers',
      adminSchema(
        {
          summary: 'Customers, newest first; q searches the e-mail and id',
          querystring: Type.Object({
            q: Type.Optional(Type.String({ maxLength: 200 })),
            ...PageQuery,
          }),
        },
        { 200: page(CustomerSchema) },
      ),
      async (request) => {
        const result = await admin.customers(defined(request.query));
        const now = deps.clock.now();
        return pageBody(result, (c) => customerObject(c, now));
      },
    );

    app.post(
      '/customers',
      adminSchema(
        {
          summary: 'Create a customer with an orders key (shown once) and an opening balance',
          body: Type.Object(
            {
              email: Type.String({ minLength: 3, maxLength: 254 }),
              balance: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
            },
            { additionalProperties: false },
          ),
        },
        {
          201: Type.Object({
            success: Type.Literal(true),
            customer: CustomerSchema,
            api_key: Type.String(),
            key_id: Type.String(),
          }),
        },
      ),
      async (request, reply) => {
        const balance = request.body.balance ?? 0;
        const { customer, created, balanceUnits } = await admin.createCustomer(
          request.body.email,
          usdToUnits(balance),
        );
        const summary = { customer, balanceUnits, openOrders: 0 };
        return reply.code(201).send({
          success: true as const,
          customer: customerObject(summary, deps.clock.now()),
          api_key: created.plainKey,
          key_id: created.key.id,
        });
      },
    );

    app.post(
      '/customers/:id/topup',
      adminSchema(
        {
          summary: 'Credit a deposit to the live balance',
          params: CustomerParams,
          body: Type.Object({ amount: Amount }, { additionalProperties: false }),
        },
        { 200: Type.Object({ success: Type.Literal(true), balance: Usd }) },
      ),
      async (request) => {
        const units = await admin.topup(request.params.id, usdToUnits(request.body.amount));
        return { success: true as const, balance: unitsToUsd(units) };
      },
    );

    app.get(
      '/customers/:id/keys',
      adminSchema(
        { summary: "The customer's API keys", params: KeyOwnerParams },
        {
          200: dataOf(KeySchema),
        },
      ),
      async (request) => ({
        success: true as const,
        data: (await admin.keys(request.params.id)).map(keyObject),
      }),
    );

    app.post(
      '/customers/:id/keys',
      adminSchema(
        {
          summary: 'Create an API key (shown once)',
          params: KeyOwnerParams,
          body: Type.Union([
            Type.Object(
              {
                scopes: Type.Optional(
                  Type.Array(Type.Enum([...API_SCOPES]), { minItems: 1, maxItems: 3 }),
                ),
                sandbox: Type.Optional(Type.Boolean()),
              },
              { additionalProperties: false },
            ),
            Type.Null(),
            Type.Undefined(),
          ]),
        },
        {
          201: Type.Object({
            success: Type.Literal(true),
            key_id: Type.String(),
            api_key: Type.String(),
            scopes: Type.Array(Type.String()),
            sandbox: Type.Boolean(),
          }),
        },
      ),
      async (request, reply) => {
        const body = request.body ?? {};
        const created = await admin.createKey(request.params.id, {
          ...(body.scopes !== undefined ? { scopes: body.scopes } : {}),
          ...(body.sandbox !== undefined ? { sandbox: body.sandbox } : {}),
        });
        return reply.code(201).send({
          success: true as const,
          key_id: created.key.id,
          api_key: created.plainKey,
          scopes: [...created.key.scopes],
          sandbox: created.key.sandbox,
        });
      },
    );

    app.delete(
      '/customers/:id/keys/:keyId',
      adminSchema(
        {
          summary: 'Revoke an API key at once',
          params: Type.Object({ id: KeyOwnerParams.properties.id, keyId: KeyIdParam }),
        },
        { 200: Ok },
      ),
      async (request) => {
        await admin.revokeKey(request.params.id, request.params.keyId);
        return { success: true as const };
      },
    );
    done();
  };
}
