/**
 * `GET /openapi.json` (OpenAPI 3.1) and `GET /docs` (Swagger UI), generated from the route
 * schemas by @fastify/swagger. Registered by buildServer BEFORE any route: the generator learns
 * routes through an `onRoute` hook, so a route registered earlier would be missing.
 *
 * Routes need not repeat what their path says: a route without `tags` or `security` gets the
 * ones of its area (`describeByPath`). The Swagger UI files are served from the installed
 * package (no CDN), so the page works on an appliance without internet access.
 *
 * Not described: `GET /ws/orders` and `GET /ws/admin`. They are WebSocket upgrades handled on
 * the HTTP server's `upgrade` event, not Fastify routes, and OpenAPI has no way to describe
 * their frames; API.md "WebSocket feeds" (linked from the description) does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { Type } from 'typebox';
import { SESSION_COOKIE } from './admin-auth.js';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PREFIX = '/docs';

type Security = ReadonlyArray<Readonly<Record<string, readonly string[]>>>;

const CUSTOMER_KEY: Security = [{ ApiKey: [] }, { bearer: [] }];
const ADMIN: Security = [{ adminCookie: [] }, { ApiKey: [] }, { bearer: [] }];
const NONE: Security = [];

/** The first prefix that matches gives a route its tag and who may call it. */
const AREAS: ReadonlyArray<{ prefix: string; tag: string; security: Security }> = [
  { prefix: '/api/v1/customer/webhooks', tag: 'webhooks', security: CUSTOMER_KEY },
  { prefix: '/api/v1/customer/', tag: 'customer', security: CUSTOMER_KEY },
  { prefix: '/api/v1/price', tag: 'customer', security: NONE },
  { prefix: '/api/v1/messages', tag: 'messages', security: CUSTOMER_KEY },
  { prefix: '/api/v1/admin', tag: 'admin', security: ADMIN },
  // The key may also come as the api_key parameter (documented on the route): {} = optional.
  { prefix: '/stubs/', tag: 'legacy', security: [{ ApiKey: [] }, {}] },
];
const OPERATIONS = { tag: 'operations', security: NONE };

const TAGS = [
  { name: 'customer', description: 'Number rental (scope `orders`).' },
  { name: 'messages', description: 'Send and read SMS (scope `messages`).' },
  { name: 'webhooks', description: 'Webhook endpoints and their delivery log.' },
  { name: 'admin', description: 'The operator API behind the admin credential.' },
  { name: 'legacy', description: 'sms-activate / DaisySMS compatible API (LEGACY-API.md).' },
  { name: 'operations', description: 'Health, readiness, metrics and this document.' },
];

const DESCRIPTION = `Self-hosted SMS gateway: GSM modem banks as a number-rental and messaging
service. Errors are \`{"success":false,"error":"<code>","message","request_id"}\` with the HTTP
status. The WebSocket feeds \`GET /ws/orders\` (customer key) and \`GET /ws/admin\` (admin
credential) are upgrades, not described here: see API.md "WebSocket feeds".

Every POST of the customer and messaging APIs accepts \`Idempotency-Key\` (or
\`X-Idempotency-Key\`, 1–255 visible characters). The same key and body within 24 h answer the
stored response again (\`Idempotent-Replayed: true\`); another body with the key: 422
\`idempotency_mismatch\`; the first request still running: 409 \`idempotency_conflict\` (retry
after a second). If the host running the first request died, a retry (on any host) gets the first
request's outcome once that host's lease is over: the same order, swap or message, never a
second one. Cancel and finish are not repeated either: done already, they answer 409
\`bad_status\`.`;

/** Fills a route's `tags` and `security` from its path when the route does not say. */
function describeByPath(url: string, schema: FastifySchema | undefined): FastifySchema {
  const area = AREAS.find((a) => url.startsWith(a.prefix)) ?? OPERATIONS;
  const given = (schema ?? {}) as FastifySchema & { tags?: unknown; security?: unknown };
  return { ...given, tags: given.tags ?? [area.tag], security: given.security ?? area.security };
}

function packageVersion(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      const found = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (found.name === 'simpool' && found.version) return found.version;
    } catch {
      // no package.json here: look one folder up
    }
    if (path.dirname(dir) === dir) return '0.0.0';
  }
}

const SWAGGER_OPTIONS: FastifyDynamicSwaggerOptions = {
  openapi: {
    // 3.1: schemas are JSON Schema 2020-12, so TypeBox's `const` and unions need no rewriting.
    openapi: '3.1.0',
    info: { title: 'simpool', version: packageVersion(), description: DESCRIPTION },
    tags: TAGS,
    components: {
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearer: { type: 'http', scheme: 'bearer', description: 'The API key as a bearer token.' },
        adminCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
      },
    },
  },
  transform: ({ schema, url }) => ({ schema: describeByPath(url, schema), url }),
};

/**
 * Swagger UI's own CSP would add `upgrade-insecure-requests`, which breaks the page on a LAN
 * appliance served over plain HTTP. Its inline styles need 'unsafe-inline'; scripts are files.
 */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/** Call first in buildServer, before any route is registered. */
export function registerOpenApi(app: FastifyInstance): void {
  void app.register(swagger, SWAGGER_OPTIONS);
  void app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: DOCS_CSP,
    // No call to validator.swagger.io from the operator's browser.
    uiConfig: { validatorUrl: null },
  });
  void app.register((scope, _options, done) => {
    scope.get(
      OPENAPI_PATH,
      {
        schema: {
          summary: 'This API as an OpenAPI 3.1 document',
          response: {
            200: Type.Object({ openapi: Type.String() }, { additionalProperties: true }),
          },
        },
      },
      () => scope.swagger(),
    );
    done();
  });
}
