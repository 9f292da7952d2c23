/** Every webhook endpoint (customers' and the operator's), their delivery logs, manual retry. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { WebhookEndpoint } from '../../../domain/index.js';
import { NoBody, Nullable, page, PageQuery } from '../../schemas.js';
import {
  webhookDeliveryFields,
  webhookDeliveryObject,
  webhookEndpointFields,
  webhookEndpointObject,
} from '../../webhook-objects.js';
import type { AdminContext } from './context.js';
import { Ok, adminSchema, dataOf } from './schemas.js';
import { defined, pageBody } from '../../present.js';

// The customer routes' fields with the owner (null: the operator's own endpoint) after the id.
const { id: EndpointId, ...endpointRest } = webhookEndpointFields;
const EndpointSchema = Type.Object({
  id: EndpointId,
  customer_id: Nullable(Type.String()),
  ...endpointRest,
});

const DeliverySchema = Type.Object(webhookDeliveryFields);

function endpointObject(e: WebhookEndpoint) {
  const { id, ...rest } = webhookEndpointObject(e);
  return { id, customer_id: e.customerId, ...rest };
}

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
        { 200: page(DeliverySchema) },
      ),
      async (request) => {
        const result = await admin.deliveries(request.params.id, defined(request.query));
        return pageBody(result, webhookDeliveryObject);
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
