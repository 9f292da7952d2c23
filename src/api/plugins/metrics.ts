/**
 * `GET /metrics` in the Prometheus text format (API.md "Operational endpoints"), and the HTTP
 * latency histogram behind it. Public like /healthz: scrapers sit on the operator's network and
 * the figures hold no personal data. Restricting it is a config option to add if a deployment
 * exposes the port more widely.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ApiDeps } from '../deps.js';
import { ApplianceMetrics } from './metric-families.js';

export const METRICS_PATH = '/metrics';
/** The route label of requests no route matched (404s): never the URL as sent. */
const UNMATCHED = 'unmatched';

/**
 * Call in buildServer before the route plugins load: the `onResponse` hook is added to the root
 * scope, so every route registered afterwards (any plugin) is timed.
 */
export function registerMetrics(app: FastifyInstance, deps: ApiDeps): ApplianceMetrics {
  const metrics = new ApplianceMetrics(deps.metrics, () => deps.clock.now());

  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      {
        // The route's pattern (`/api/v1/customer/order/:id`), never the path with its ids.
        route: request.routeOptions.url ?? UNMATCHED,
        method: request.method,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  void app.register((scope, _options, done) => {
    scope.get(
      METRICS_PATH,
      {
        schema: {
          summary: 'Prometheus metrics (text exposition format)',
          description:
            'SMS in and out, modems (state, signal), queue depths, webhook deliveries and lag, ' +
            'orders by status, HTTP latency, and the process figures.',
          response: {
            200: {
              description: 'Prometheus text format 0.0.4',
              content: { 'text/plain': { schema: Type.String() } },
            },
          },
        },
      },
      async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
    );
    done();
  });
  return metrics;
}
