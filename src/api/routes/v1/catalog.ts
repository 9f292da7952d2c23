/** What can be bought and for how much: the public price and the customer catalog lists. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SimpoolError } from '../../../shared/index.js';
import { unitsToUsd, type PriceEntry } from '../../../domain/index.js';
import type { ApiDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import { Usd, errors } from '../../schemas.js';

const ServiceCode = Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9A-Za-z_-]+$' });
const CountryRef = Type.String({ minLength: 1, maxLength: 8, pattern: '^[0-9A-Za-z]+$' });

/** `GET /api/v1/price`: public, no key (the storefront shows it). */
export function publicRoutes(deps: ApiDeps): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/price',
      {
        schema: {
          querystring: Type.Object({ service: ServiceCode, country: CountryRef }),
          response: {
            200: Type.Object({
              success: Type.Literal(true),
              service: Type.String(),
              country: Type.String(),
              service_name: Type.String(),
              country_name: Type.String(),
              price: Usd,
              available: Type.Integer(),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const service = await deps.catalog.getService(request.query.service);
        const country = await deps.catalog.resolveCountry(request.query.country.toUpperCase());
        const [entry] = await deps.catalog.prices({ service: service.code, country: country.iso2 });
        if (!entry || !service.enabled) {
          throw new SimpoolError('not_found', 'this service is not sold in this country');
        }
        return {
          success: true as const,
          service: service.code,
          country: country.iso2,
          service_name: service.name,
          country_name: country.eng,
          price: unitsToUsd(entry.priceUnits),
          available: entry.available,
        };
      },
    );
    done();
  };
}

/** Lowest price and total stock per key of `by` (service or country). */
function summarize(entries: readonly PriceEntry[], by: 'service' | 'country') {
  const out = new Map<string, { minUnits: number; available: number }>();
  for (const entry of entries) {
    const seen = out.get(entry[by]);
    out.set(entry[by], {
      minUnits: Math.min(seen?.minUnits ?? Number.MAX_SAFE_INTEGER, entry.priceUnits),
      available: (seen?.available ?? 0) + entry.available,
    });
  }
  return out;
}

/** `GET services` and `GET countries[?service=]`, with the asking key's (sandbox) stock. */
export function catalogRoutes(deps: ApiDeps): FastifyPluginCallbackTypebox {
  return (app, _options, done) => {
    app.get(
      '/services',
      {
        schema: {
          response: {
            200: Type.Object({
              success: Type.Literal(true),
              services: Type.Array(
                Type.Object({
                  service_id: Type.String(),
                  service_name: Type.String(),
                  base_price: Usd,
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const sandbox = principalOf(request).sandbox;
        const [services, prices] = await Promise.all([
          deps.catalog.listServices(),
          deps.catalog.prices({}, sandbox),
        ]);
        const byService = summarize(prices, 'service');
        return {
          success: true as const,
          services: services.flatMap((s) => {
            const summary = byService.get(s.code);
            if (!s.enabled || !summary) return [];
            return [
              {
                service_id: s.code,
                service_name: s.name,
                base_price: unitsToUsd(summary.minUnits),
              },
            ];
          }),
        };
      },
    );

    app.get(
      '/countries',
      {
        schema: {
          querystring: Type.Object({ service: Type.Optional(ServiceCode) }),
          response: {
            200: Type.Object({
              success: Type.Literal(true),
              countries: Type.Array(
                Type.Object({
                  country_id: Type.String(),
                  country_name: Type.String(),
                  min_price: Usd,
                  available: Type.Integer(),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const sandbox = principalOf(request).sandbox;
        const { service } = request.query;
        if (service !== undefined) await deps.catalog.getService(service);
        const [countries, prices] = await Promise.all([
          deps.catalog.listCountries(),
          deps.catalog.prices(service === undefined ? {} : { service }, sandbox),
        ]);
        const byCountry = summarize(prices, 'country');
        return {
          success: true as const,
          countries: countries.flatMap((c) => {
            const summary = byCountry.get(c.iso2);
            if (c.virtual || !c.enabled || !summary) return [];
            return [
              {
                country_id: c.iso2,
                country_name: c.eng,
                min_price: unitsToUsd(summary.minUnits),
                available: summary.available,
              },
            ];
          }),
        };
      },
    );
    done();
  };
}
