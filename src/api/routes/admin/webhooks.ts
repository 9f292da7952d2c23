/** Every webhook endpoint (customers' and the operator's), their delivery logs, manual retry. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { unitsToUsd, type WebhookDelivery, type WebhookEndpoint } from '../../../domain/index.js';
import { iso } from '../../present.js';
import { Iso, NoBody, Nullable, PageQuery, Usd } from '../../schemas.js';
import type { AdminContext } from './context.js';
import { Ok, adminSchema, dataOf, listOf } from './schemas.js';

const EndpointSchema = Type.Object({
  id: Type.String(),
  customer_id: Nullable(Type.String()),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.String(),
  threshold: Nullable(Usd),
  active: Type.Boolean(),
  paused: Type.Boolean(),
  failure_count: Type.Integer(),
  created_at: Iso,
  updated_at: Iso,
});

const DeliverySchema = Type.Object({
  id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  attempt: Type.Integer(),
  status: Type.String(),
  response_status: Nullable(Type.Integer()),
  response_body: Nullable(Type.String()),
  scheduled_for: Nullable(Iso),
  delivered_at: Nullable(Iso),
  error_message: Nullable(Type.String()),
  created_at: Iso,
});

const endpointObject = (e: WebhookEndpoint) => ({
  id: e.id,
  customer_id: e.customerId,
  url: e.url,
  events: [...e.events],
  description: e.description,
  threshold: e.thresholdUnits === null ? null : unitsToUsd(e.thresholdUnits),
  active: e.active,
  paused: e.paused,
  failure_count: e.failureCount,
  created_at: iso(e.createdAt),
  updated_at: iso(e.updatedAt),
});

const deliveryObject = (d: WebhookDelivery) => ({
  id: d.id,
  event_id: d.eventId,
  event_type: d.eventType,
  attempt: d.attempt,
  status: d.status,
  response_status: d.responseStatus,
  response_body: d.responseBody,
  scheduled_for: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt),
  delivered_at: d.deliveredAt === null ? null : iso(d.deliveredAt),
  error_message: d.errorMessage,
  created_at: iso(d.createdAt),
});

const Id = (prefix: string) =>
  Type.String({ minLength: 1, maxLength: 64, pattern: `^${prefix}_[0-9A-Za-z]+$` });

export function webhookRoutes({ admin }: AdminContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/webhooks',
      adminSchema({ summary: 'Every webhook endpoint' }, { 200: dataOf(EndpointSchema) }),
      async () => ({
        success: true as const,
        data: (await admin.webhookEndpoints()).map(endpointObject),
      }),
    );

    app.get(
      '/webhooks/:id/deliveries',
      adminSchema(
        {
          summary: "An endpoint's delivery log, newest first",
          params: Type.Object({ id: Id('whe') }),
          querystring: Type.Object({ ...PageQuery }),
        },
        { 200: listOf(DeliverySchema) },
      ),
      async (request) => {
        const { limit, cursor } = request.query;
        const result = await admin.deliveries(request.params.id, {
          ...(limit !== undefined ? { limit } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        });
        return {
          success: true as const,
          data: result.items.map(deliveryObject),
          next_cursor: result.nextCursor,
        };
      },
    );

    app.post(
      '/webhooks/deliveries/:deliveryId/retry',
      adminSchema(
        {
          summary: 'Try a failed delivery again now',
          params: Type.Object({ deliveryId: Id('whd') }),
          body: NoBody,
        },
        { 200: Ok },
      ),
      async (request) => {
        await admin.retryDelivery(request.params.deliveryId);
        return { success: true as const };
      },
    );
    done();
  };
}
