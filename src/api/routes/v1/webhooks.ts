/**
 * Webhook endpoint management (API.md "Webhooks") for the asking key's customer: create (the
 * `whsec_` secret is in that response only), list, get, PATCH, DELETE, a test event and the
 * delivery log. Every lookup is scoped to the customer, so another customer's endpoint id is a
 * 404 exactly like an unknown one (ids cannot be probed).
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  WEBHOOK_EVENT_TYPES,
  type WebhookScope,
  type WebhookService,
} from '../../../domain/index.js';
import { principalOf } from '../../plugins/auth.js';
import { NoBody, Nullable, PageQuery, errors, page } from '../../schemas.js';
import {
  webhookDeliveryFields,
  webhookDeliveryObject,
  webhookEndpointFields,
  webhookEndpointObject,
} from '../../webhook-objects.js';
import { defined, pageBody } from '../../present.js';

/**
 * Customer keys subscribe to customer events only; admin-only types are refused here. An enum,
 * not a union of literals: one "allowed values" issue per bad entry instead of one per type.
 */
const EventType = Type.Enum([...WEBHOOK_EVENT_TYPES]);
const Events = Type.Array(EventType, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length * 2 });
// The URL's rules (scheme, private addresses) are the service's: it names the `url` field too,
// and the delivery worker re-applies the same ones before every attempt.
const Url = Type.String({ minLength: 1, maxLength: 2048 });
const Description = Type.String({ maxLength: 500 });
/** balance.low threshold in USD; null (on PATCH) clears it. */
const Threshold = Nullable(Type.Number({ minimum: 0, maximum: 1_000_000_000 }));

const CreateBody = Type.Object(
  {
    url: Url,
    events: Events,
    description: Type.Optional(Description),
    threshold: Type.Optional(Threshold),
  },
  { additionalProperties: false },
);

const PatchBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    threshold: Type.Optional(Threshold),
    active: Type.Optional(Type.Boolean()),
    paused: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

const EndpointParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^whe_[0-9A-Za-z]+$' }),
});

const EndpointItem = Type.Object(webhookEndpointFields);
const EndpointSchema = Type.Object({ success: Type.Literal(true), ...webhookEndpointFields });
const CreatedSchema = Type.Object({
  success: Type.Literal(true),
  ...webhookEndpointFields,
  secret: Type.String(),
});

const DeliveryItem = Type.Object(webhookDeliveryFields);
const TestSchema = Type.Object({ success: Type.Literal(true), ...webhookDeliveryFields });
const DeletedSchema = Type.Object({
  success: Type.Literal(true),
  id: Type.String(),
  deleted: Type.Literal(true),
});

/** Endpoints belong to the customer (WebhookScope has no mode): live and sandbox keys share them. */
const scopeOf = (request: FastifyRequest): WebhookScope => ({
  customerId: principalOf(request).customerId,
});

/** Registered under the customer prefix, after the auth, rate-limit and idempotency hooks. */
export function webhookRoutes(webhooks: WebhookService): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.post(
      '/webhooks',
      { schema: { body: CreateBody, response: { 201: CreatedSchema, ...errors } } },
      async (request, reply) => {
        const { url, events, description, threshold } = request.body;
        const created = await webhooks.create(scopeOf(request), {
          url,
          events,
          ...(description !== undefined ? { description } : {}),
          ...(threshold !== undefined ? { threshold } : {}),
        });
        return reply.code(201).send({
          success: true as const,
          ...webhookEndpointObject(created.endpoint),
          secret: created.secret,
        });
      },
    );

    app.get(
      '/webhooks',
      { schema: { response: { 200: page(EndpointItem), ...errors } } },
      async (request) => ({
        success: true as const,
        // A customer has a handful of endpoints: one page, in the shape of every other list.
        data: (await webhooks.list(scopeOf(request))).map(webhookEndpointObject),
        next_cursor: null,
      }),
    );

    app.get(
      '/webhooks/:id',
      { schema: { params: EndpointParams, response: { 200: EndpointSchema, ...errors } } },
      async (request) => ({
        success: true as const,
        ...webhookEndpointObject(await webhooks.get(scopeOf(request), request.params.id)),
      }),
    );

    app.patch(
      '/webhooks/:id',
      {
        schema: {
          params: EndpointParams,
          body: PatchBody,
          response: { 200: EndpointSchema, ...errors },
        },
      },
      async (request) => {
        const patch = Object.fromEntries(
          Object.entries(request.body).filter(([, value]) => value !== undefined),
        );
        const updated = await webhooks.update(scopeOf(request), request.params.id, patch);
        return { success: true as const, ...webhookEndpointObject(updated) };
      },
    );

    app.delete(
      '/webhooks/:id',
      { schema: { params: EndpointParams, response: { 200: DeletedSchema, ...errors } } },
      async (request) => {
        await webhooks.delete(scopeOf(request), request.params.id);
        return { success: true as const, id: request.params.id, deleted: true as const };
      },
    );

    app.post(
      '/webhooks/:id/test',
      {
        schema: {
          params: EndpointParams,
          body: NoBody,
          response: { 202: TestSchema, ...errors },
        },
      },
      async (request, reply) => {
        const delivery = await webhooks.sendTest(scopeOf(request), request.params.id);
        // Queued, not yet sent: the delivery log shows how it went.
        return reply.code(202).send({ success: true as const, ...webhookDeliveryObject(delivery) });
      },
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        schema: {
          params: EndpointParams,
          querystring: Type.Object({ ...PageQuery }),
          response: { 200: page(DeliveryItem), ...errors },
        },
      },
      async (request) => {
        const result = await webhooks.deliveries(
          scopeOf(request),
          request.params.id,
          defined(request.query),
        );
        return pageBody(result, webhookDeliveryObject);
      },
    );
    done();
  };
}
