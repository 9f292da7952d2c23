/** Modems (by slot address, URL-encoded in paths) and the SIM inventory. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { NoBody } from '../../schemas.js';
import type { AdminContext } from './context.js';
import {
  ModemDetailSchema,
  ModemSchema,
  Ok,
  SimSchema,
  adminSchema,
  dataOf,
  eventObject,
  modemObject,
  simObject,
} from './schemas.js';

const ModemParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const SimParams = Type.Object({
  iccid: Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9A-Fa-f]+$' }),
});
const ServiceCode = Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9A-Za-z_-]+$' });

export function modemRoutes({ admin }: AdminContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/modems',
      adminSchema(
        { summary: 'Every modem with its state, signal and SIM' },
        {
          200: dataOf(ModemSchema),
        },
      ),
      async () => ({ success: true as const, data: (await admin.modems()).map(modemObject) }),
    );

    app.get(
      '/modems/:id',
      adminSchema(
        { summary: 'One modem with its event timeline', params: ModemParams },
        {
          200: ModemDetailSchema,
        },
      ),
      async (request) => {
        const modem = await admin.modem(request.params.id);
        return {
          success: true as const,
          ...modemObject(modem),
          events: modem.events.map(eventObject),
        };
      },
    );

    app.post(
      '/modems/:id/reset',
      adminSchema({ summary: 'Reset the modem', params: ModemParams, body: NoBody }, { 200: Ok }),
      async (request) => {
        await admin.resetModem(request.params.id);
        return { success: true as const };
      },
    );

    app.post(
      '/modems/:id/ussd',
      adminSchema(
        {
          summary: 'Send a USSD code; answers with the network reply',
          params: ModemParams,
          body: Type.Object(
            { code: Type.String({ minLength: 1, maxLength: 32 }) },
            { additionalProperties: false },
          ),
        },
        { 200: Type.Object({ success: Type.Literal(true), response: Type.String() }) },
      ),
      async (request) => ({
        success: true as const,
        response: await admin.ussd(request.params.id, request.body.code),
      }),
    );

    app.post(
      '/modems/:id/test-sms',
      adminSchema(
        {
          summary: "Queue an SMS from this modem's SIM",
          params: ModemParams,
          body: Type.Object(
            {
              to: Type.String({ minLength: 1, maxLength: 20 }),
              body: Type.String({ minLength: 1, maxLength: 1600 }),
            },
            { additionalProperties: false },
          ),
        },
        { 202: Type.Object({ success: Type.Literal(true), id: Type.String() }) },
      ),
      async (request, reply) => {
        const id = await admin.sendTestSms(request.params.id, request.body.to, request.body.body);
        return reply.code(202).send({ success: true as const, id });
      },
    );

    app.get(
      '/sims',
      adminSchema({ summary: 'The SIM inventory by ICCID' }, { 200: dataOf(SimSchema) }),
      async () => ({ success: true as const, data: (await admin.sims()).map(simObject) }),
    );

    app.patch(
      '/sims/:iccid',
      adminSchema(
        {
          summary: 'Enable or disable a SIM, edit its notes and service blacklist',
          params: SimParams,
          body: Type.Object(
            {
              enabled: Type.Optional(Type.Boolean()),
              notes: Type.Optional(Type.String({ maxLength: 2000 })),
              blacklist: Type.Optional(Type.Array(ServiceCode, { maxItems: 500 })),
            },
            { additionalProperties: false },
          ),
        },
        { 200: Type.Object({ success: Type.Literal(true), ...SimSchema.properties }) },
      ),
      async (request) => {
        const { enabled, notes, blacklist } = request.body;
        const sim = await admin.updateSim(request.params.iccid, {
          ...(enabled !== undefined ? { enabled } : {}),
          ...(notes !== undefined ? { notes } : {}),
          ...(blacklist !== undefined ? { blacklist: [...new Set(blacklist)] } : {}),
        });
        return { success: true as const, ...simObject(sim) };
      },
    );
    done();
  };
}
