/** Operational endpoints for supervisors and load balancers: liveness, readiness, modem health. */
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ServerDeps } from '../../deps.js';
import { requireAdmin, sessionToken, type AdminSessions } from '../../plugins/admin-auth.js';
import { presentedKey } from '../../plugins/auth.js';
import { errors } from '../../schemas.js';

const Checks = Type.Record(Type.String(), Type.Boolean());

/**
 * `sessions`: the admin page's sessions, which may read /health's modem details like an admin
 * key (none without the admin API: then only a key can).
 */
export function opsRoutes(deps: ServerDeps, sessions: AdminSessions): FastifyPluginCallbackTypebox {
  const admin = requireAdmin(deps, sessions);
  return (app, _options, done) => {
    // /health reads the admin session cookie (this scope's own parser, admin API or not).
    void app.register(fastifyCookie);
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
    // Without credentials only the status: modem identities (IMEI, ICCID) are the operator's.
    app.get(
      '/health',
      {
        schema: {
          summary: "Overall status; with an admin key or session also the modems' details",
          description:
            'Without credentials: `{status}` only. With an admin-scoped key (X-API-Key, Bearer) ' +
            'or the admin session cookie: `modems` too (slot, state, IMEI, ICCID, signal). ' +
            'A wrong or non-admin credential is 401/403, not a silent downgrade.',
          response: {
            200: Type.Object({
              status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
              modems: Type.Optional(Type.Array(Type.Unknown())),
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const report = deps.health?.() ?? { status: 'degraded' as const, modems: [] };
        if (presentedKey(request) === undefined && sessionToken(request) === undefined) {
          return { status: report.status };
        }
        await admin(request, reply);
        return { status: report.status, modems: [...report.modems] };
      },
    );
    done();
  };
}
