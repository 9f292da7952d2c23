/** The catalog as the operator edits it: services, countries, every price. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CALL_CODE_DIGITS, unitsToUsd } from '../../../domain/index.js';
import { Usd } from '../../schemas.js';
import type { AdminContext } from './context.js';
import { Ok, adminSchema } from './schemas.js';

const ServiceCode = Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9A-Za-z_-]+$' });

export function catalogRoutes({ admin }: AdminContext): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/catalog',
      adminSchema(
        { summary: 'Services, countries and every price' },
        {
          200: Type.Object({
            success: Type.Literal(true),
            services: Type.Array(
              Type.Object({
                code: Type.String(),
                name: Type.String(),
                enabled: Type.Boolean(),
                call_code_digits: Type.Union([Type.Integer(), Type.Null()]),
              }),
            ),
            countries: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
            prices: Type.Array(
              Type.Object({
                service: Type.String(),
                country: Type.String(),
                price: Usd,
                available: Type.Integer(),
              }),
            ),
          }),
        },
      ),
      async () => {
        const catalog = await admin.catalog();
        return {
          success: true as const,
          services: catalog.services.map((s) => ({
            code: s.code,
            name: s.name,
            enabled: s.enabled,
            call_code_digits: s.callCodeDigits,
          })),
          countries: catalog.countries.map((c) => ({ id: c.iso2, name: c.eng })),
          prices: catalog.prices.map((p) => ({
            service: p.service,
            country: p.country,
            price: unitsToUsd(p.priceUnits),
            available: p.available,
          })),
        };
      },
    );

    app.put(
      '/prices',
      adminSchema(
        {
          summary: 'Set the price of a (service, country) pair',
          body: Type.Object(
            {
              service: ServiceCode,
              country: Type.String({ pattern: '^[A-Za-z]{2}$' }),
              price: Type.Number({ minimum: 0, maximum: 10_000 }),
            },
            { additionalProperties: false },
          ),
        },
        { 200: Ok },
      ),
      async (request) => {
        const { service, country, price } = request.body;
        await admin.setPrice(service, country, price);
        return { success: true as const };
      },
    );
    app.patch(
      '/services/:code',
      adminSchema(
        {
          summary: "Missed-call verification: the caller's last N digits are the code (null: off)",
          params: Type.Object({ code: ServiceCode }),
          body: Type.Object(
            {
              call_code_digits: Type.Union([
                Type.Integer({ minimum: CALL_CODE_DIGITS.min, maximum: CALL_CODE_DIGITS.max }),
                Type.Null(),
              ]),
            },
            { additionalProperties: false },
          ),
        },
        {
          200: Type.Object({
            success: Type.Literal(true),
            code: Type.String(),
            call_code_digits: Type.Union([Type.Integer(), Type.Null()]),
          }),
        },
      ),
      async (request) => {
        const service = await admin.setCallCodeDigits(
          request.params.code,
          request.body.call_code_digits,
        );
        return {
          success: true as const,
          code: service.code,
          call_code_digits: service.callCodeDigits,
        };
      },
    );
    done();
  };
}
