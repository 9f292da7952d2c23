/** Every order and message, the overview, the SMS-per-hour chart and the system summary. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ORDER_STATUSES } from '../../../domain/index.js';
import { defined, iso, pageBody } from '../../present.js';
import { Iso, page, PageQuery } from '../../schemas.js';
import type { AdminContext } from './context.js';
import {
  AdminOrderSchema,
  MessageSchema,
  adminOrderObject,
  adminSchema,
  messageObject,
} from './schemas.js';

const Search = Type.Optional(Type.String({ maxLength: 200 }));

export function activityRoutes({ admin, deps }: AdminContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/overview',
      adminSchema(
        { summary: 'Modems, SMS per minute, open orders, webhook lag, errors' },
        {
          200: Type.Object({
            success: Type.Literal(true),
            modems: Type.Object({
              ready: Type.Integer(),
              degraded: Type.Integer(),
              offline: Type.Integer(),
            }),
            sms_in_last_minute: Type.Integer(),
            sms_out_last_minute: Type.Integer(),
            open_orders: Type.Integer(),
            webhook_lag_seconds: Type.Integer(),
            recent_errors: Type.Array(
              Type.Object({ at: Iso, source: Type.String(), message: Type.String() }),
            ),
          }),
        },
      ),
      async () => {
        const o = await admin.overview();
        return {
          success: true as const,
          modems: o.modems,
          sms_in_last_minute: o.smsInLastMinute,
          sms_out_last_minute: o.smsOutLastMinute,
          open_orders: o.openOrders,
          webhook_lag_seconds: o.webhookLagSeconds,
          recent_errors: o.recentErrors.map((e) => ({ ...e, at: iso(e.at) })),
        };
      },
    );

    app.get(
      '/orders',
      adminSchema(
        {
          summary: "Every customer's orders, newest first",
          querystring: Type.Object({
            status: Type.Optional(Type.Enum([...ORDER_STATUSES])),
            q: Search,
            ...PageQuery,
          }),
        },
        { 200: page(AdminOrderSchema) },
      ),
      async (request) => {
        const result = await admin.orders(defined(request.query));
        return pageBody(result, adminOrderObject);
      },
    );

    app.get(
      '/messages',
      adminSchema(
        {
          summary: 'Every SMS in and out, newest first',
          querystring: Type.Object({
            direction: Type.Optional(Type.Enum(['in', 'out'])),
            status: Type.Optional(Type.String({ maxLength: 32 })),
            q: Search,
            ...PageQuery,
          }),
        },
        { 200: page(MessageSchema) },
      ),
      async (request) => {
        const result = await admin.messages(defined(request.query));
        return pageBody(result, messageObject);
      },
    );

    app.get(
      '/stats/sms-per-hour',
      adminSchema(
        { summary: 'SMS in and out per hour, the last 24 hours, oldest first' },
        {
          200: Type.Object({
            success: Type.Literal(true),
            data: Type.Array(Type.Object({ hour: Iso, in: Type.Integer(), out: Type.Integer() })),
          }),
        },
      ),
      async () => ({
        success: true as const,
        data: (await admin.smsPerHour()).map((h) => ({ hour: iso(h.hour), in: h.in, out: h.out })),
      }),
    );

    app.get(
      '/system',
      adminSchema(
        { summary: 'Version, uptime, configuration summary, health' },
        {
          200: Type.Object({
            success: Type.Literal(true),
            version: Type.String(),
            uptime_seconds: Type.Integer(),
            started_at: Iso,
            config: Type.Record(Type.String(), Type.Unknown()),
            health: Type.Object({ database: Type.Boolean(), modems_ready: Type.Integer() }),
          }),
        },
      ),
      async () => {
        const now = deps.clock.now();
        const system = deps.system ?? { version: 'unknown', startedAt: now, config: {} };
        const readiness = deps.readiness ? await deps.readiness() : undefined;
        const modems = await admin.modems();
        return {
          success: true as const,
          version: system.version,
          uptime_seconds: Math.max(0, Math.floor((now - system.startedAt) / 1000)),
          started_at: iso(system.startedAt),
          config: { ...system.config },
          health: {
            database: readiness?.checks.database ?? true,
            modems_ready: modems.filter((m) => m.state === 'ready').length,
          },
        };
      },
    );
    done();
  };
}
