/**
 * The HTTP API as one Fastify instance: request ids, JSON parsing, the one error handler, the
 * operational endpoints, the public and customer routes. `buildServer` never listens: tests
 * inject into it, the daemon listens with it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import { trustFunction } from './client-address.js';
import type { ApiDeps, ServerDeps } from './deps.js';
import { toHttpError } from './http-errors.js';
import { adminPage } from './plugins/admin-page.js';
import { AdminSessions } from './plugins/admin-auth.js';
import { requireKey } from './plugins/auth.js';
import { createGuards } from './plugins/guards.js';
import { registerIdempotency } from './plugins/idempotency.js';
import { MemoryIdempotency } from './plugins/memory-idempotency.js';
import { registerMetrics } from './plugins/metrics.js';
import { registerOpenApi } from './plugins/openapi.js';
import { perKeyRateLimit } from './plugins/rate-limit.js';
import { registerAdmin } from './routes/admin/index.js';
import { legacyRoutes } from './routes/legacy/index.js';
import { accountRoutes } from './routes/v1/account.js';
import { catalogRoutes, publicRoutes } from './routes/v1/catalog.js';
import { messageRoutes } from './routes/v1/messages.js';
import { opsRoutes } from './routes/v1/ops.js';
import { orderActionRoutes } from './routes/v1/order-actions.js';
import { orderRoutes } from './routes/v1/orders.js';
import { webhookRoutes } from './routes/v1/webhooks.js';
import { validatorCompiler } from './validator.js';
import { registerOrderFeed } from './ws/index.js';

export type ApiServer = FastifyInstance;

/** An incoming X-Request-Id is kept when it is a plausible id (logs join across proxies). */
const INCOMING_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const BODY_LIMIT = 64 * 1024;

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('base64url')}`;
}

function requestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : newRequestId();
}

export function buildServer(apiDeps: ApiDeps): ApiServer {
  const app = Fastify({
    loggerInstance: apiDeps.logger,
    genReqId: requestId,
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT,
    // request.ip and request.protocol believe X-Forwarded-* from trusted proxies only.
    trustProxy: trustFunction(apiDeps.config.trustProxy ?? false),
    // Query arrays and the like are not part of this API; keep parsing predictable.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Per-request access logs would dominate the log at polling rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // A bad percent-encoding or an over-long path segment is refused by the router before any
    // hook runs; answer it in the API's error format (with an id) instead of Fastify's own body,
    // which echoes the URL back.
    frameworkErrors: (error, request, reply) => {
      const mapped = toHttpError(error, request.id);
      void (reply as FastifyReply)
        .code(mapped.statusCode)
        .headers({ 'x-request-id': request.id, 'x-content-type-options': 'nosniff' })
        .send(mapped.body);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  // A POST without a body (cancel, swap …) often still says application/json: treat it as none.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const source = typeof text === 'string' ? text : text.toString('utf8');
    if (source.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(source));
    } catch {
      const error = new Error('the body is not valid JSON') as FastifyError;
      Object.assign(error, { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
      done(error, undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // Bodies may echo what clients sent (a webhook description): never let a browser sniff
    // them into HTML.
    void reply.header('x-content-type-options', 'nosniff');
  });

  app.setErrorHandler(async (error, request, reply) => {
    const mapped = toHttpError(error, request.id);
    if (mapped.statusCode >= 500) {
      request.log.error({ err: error, requestId: request.id }, 'request failed');
    }
    return reply.code(mapped.statusCode).headers(mapped.headers).send(mapped.body);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const body = toHttpError(
      Object.assign(new Error('not found'), { statusCode: 404 }),
      request.id,
    ).body;
    return reply.code(404).send({ ...body, error: 'not_found', message: 'no such endpoint' });
  });

  const idempotency = apiDeps.idempotency ?? new MemoryIdempotency();
  // First: the OpenAPI generator sees routes registered after it only.
  // (The root scope, seen without the TypeBox provider, as buildServer returns it.)
  registerOpenApi(app as unknown as ApiServer);
  const metrics = registerMetrics(app as unknown as ApiServer, apiDeps);
  // One throttle and one per-key budget for every door (REST, legacy, WebSocket, admin login).
  const deps: ServerDeps = {
    ...apiDeps,
    guards: createGuards(apiDeps, {
      failed: (door) => metrics.authFailures.inc({ door }),
      refused: (door) => metrics.authRefusals.inc({ door }),
    }),
  };
  void app.register(legacyRoutes, { deps });
  const sessions = new AdminSessions(deps);
  void app.register(opsRoutes(deps, sessions));
  void app.register(adminPage());
  void app.register(publicRoutes(deps), { prefix: '/api/v1' });
  void app.register(
    async (customer) => {
      customer.addHook('onRequest', requireKey(deps, 'orders'));
      customer.addHook('onRequest', perKeyRateLimit(deps.guards.keyLimit));
      registerIdempotency(customer, { ...deps, idempotency });
      await customer.register(catalogRoutes(deps));
      await customer.register(accountRoutes(deps));
      await customer.register(orderRoutes(deps));
      await customer.register(orderActionRoutes(deps));
      if (deps.webhooks) await customer.register(webhookRoutes(deps.webhooks));
    },
    { prefix: '/api/v1/customer' },
  );
  const messaging = deps.messaging;
  if (messaging) {
    void app.register(
      async (messages) => {
        // Customer keys may read their orders' SMS; sending needs `messages` (the route says).
        messages.addHook('onRequest', requireKey(deps, ['messages', 'orders', 'admin']));
        messages.addHook('onRequest', perKeyRateLimit(deps.guards.keyLimit));
        registerIdempotency(messages, { ...deps, idempotency });
        await messages.register(messageRoutes(messaging));
      },
      { prefix: '/api/v1/messages' },
    );
  }
  if (deps.events) registerOrderFeed(app, { ...deps, events: deps.events }, deps.orderFeed);
  if (deps.admin) {
    registerAdmin(app as unknown as ApiServer, { ...deps, admin: deps.admin }, sessions);
  }
  return app as unknown as ApiServer;
}
