/**
 * The Messaging API (API.md): POST /api/v1/messages queues an SMS (scope `messages`, 202), GET
 * reads the SMS in and out the key may see. Authentication, the per-key rate limit and
 * idempotency keys are the scope's hooks (server.ts); a customer key (scope `orders`) may read
 * the SMS of its own orders but not send.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { MessagingPrincipal, MessagingService } from '../../../domain/index.js';
import { SimpoolError } from '../../../shared/index.js';
import { principalOf } from '../../plugins/auth.js';
import { claimedKeyOf } from '../../plugins/idempotency.js';
import {
  getSchema,
  listSchema,
  messageItem,
  messageObject,
  queuedObject,
  sendSchema,
} from './message-schemas.js';
import { defined, pageBody } from '../../present.js';

function messagingPrincipal(request: FastifyRequest): MessagingPrincipal {
  const principal = principalOf(request);
  return {
    customerId: principal.customerId,
    apiKeyId: principal.apiKeyId,
    scopes: principal.key.scopes,
    sandbox: principal.sandbox,
  };
}

/** Before validation and idempotency: a key that may not send learns that first. */
function requireMessagesScope(request: FastifyRequest): Promise<void> {
  if (!principalOf(request).key.scopes.includes('messages')) {
    return Promise.reject(new SimpoolError('forbidden', 'this key lacks the messages scope'));
  }
  return Promise.resolve();
}

export function messageRoutes(messaging: MessagingService): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.post(
      '/',
      { onRequest: requireMessagesScope, schema: sendSchema },
      async (request, reply) => {
        const { to, body, from, delivery_report, valid_until, priority } = request.body;
        const claimedKey = claimedKeyOf(request);
        const queued = await messaging.send(
          {
            to,
            body,
            ...(from !== undefined ? { from } : {}),
            ...(delivery_report !== undefined ? { deliveryReport: delivery_report } : {}),
            ...(valid_until !== undefined ? { validUntil: valid_until } : {}),
            ...(priority !== undefined ? { priority } : {}),
            ...(claimedKey !== undefined ? { claimedKey } : {}),
          },
          messagingPrincipal(request),
        );
        return reply.code(202).send(queuedObject(queued));
      },
    );

    app.get('/:id', { schema: getSchema }, async (request) =>
      messageObject(await messaging.get(request.params.id, messagingPrincipal(request))),
    );

    app.get('/', { schema: listSchema }, async (request) => {
      const result = await messaging.list(defined(request.query), messagingPrincipal(request));
      return pageBody(result, messageItem);
    });
    done();
  };
}
