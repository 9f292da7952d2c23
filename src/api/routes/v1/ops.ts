/** Operational endpoints for supervisors and load balancers: liveness, readiness, modem health. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from '../../deps.js';
import { errors } from '../../schemas.js';

const Checks = Type.Record(Type.String(), Type.Boolean());

export function opsRoutes(deps: ApiDeps): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/healthz',
      {
        schema: {
          summary: 'Liveness: the process answers',
          response: {
            200: Type.Object({ success: Type.Literal(true), status: Type.Literal('alive') }),
            ...errors,
          },
        },
      },
      () => ({ success: true as const, status: 'alive' as const }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          summary: 'Readiness: database writable and at least one modem ready (else 503)',
          response: {
            200: Type.Object({
              success: Type.Literal(true),
              ready: Type.Boolean(),
              checks: Checks,
            }),
            503: Type.Object({
              success: Type.Literal(false),
              ready: Type.Boolean(),
              checks: Checks,
            }),
            ...errors,
          },
        },
      },
      async (_request, reply) => {
        const readiness = deps.readiness ? await deps.readiness() : { ready: true, checks: {} };
        if (readiness.ready) return { success: true as const, ...readiness };
        return reply.code(503).send({ success: false as const, ...readiness });
      },
    );

    // The daemon's modem status document (kept from the status server; health checks use it).
    app.get(
      '/health',
      {
        schema: {
          summary: "The modems' status document",
          response: {
            200: Type.Object({
              status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
              modems: Type.Array(Type.Unknown()),
            }),
            ...errors,
          },
        },
      },
      () => {
        const report = deps.health?.();
        return report
          ? { status: report.status, modems: [...report.modems] }
          : { status: 'degraded' as const, modems: [] };
      },
    );
    done();
  };
}
