/** The JSON catalogue and list actions (rows 31–36). */
import {
  OPEN_STATUSES,
  type Country,
  type Order,
  type OrderStatus,
} from '../../../domain/index.js';
import type { LegacyContext } from './context.js';
import { legacyTime, phoneDigits, usd, usdNumber } from './format.js';
import { json, LegacyToken, type LegacyReply } from './reply.js';

/** LEGACY-API.md's activationStatus codes. */
const ACTIVATION_STATUS: Record<OrderStatus, string> = {
  waiting: '4',
  received: '2',
  retry: '3',
  finished: '6',
  cancelled: '8',
  expired: '8',
};

/** ISO-2 → the country's sms-activate row (the virtual rows are never priced or sold). */
async function countriesByIso(ctx: LegacyContext): Promise<Map<string, Country>> {
  const countries = await ctx.deps.catalog.listCountries();
  return new Map(countries.filter((c) => !c.virtual).map((c) => [c.iso2, c]));
}

/** The optional `country` filter: digits only, resolved through the catalog. */
async function countryFilter(ctx: LegacyContext): Promise<Country | undefined> {
  const ref = ctx.params.get('country')?.trim();
  if (ref === undefined || ref === '') return undefined;
  if (!/^\d{1,6}$/.test(ref)) throw new LegacyToken('BAD_COUNTRY');
  return ctx.deps.catalog.resolveCountry(ref);
}

async function openOrders(ctx: LegacyContext): Promise<Order[]> {
  const found: Order[] = [];
  for (const status of OPEN_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await ctx.deps.orders.list(ctx.auth.customer.id, {
        status,
        limit: 200,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      found.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }
  // A live key sees live rentals, a sandbox key sandbox ones (like its balance).
  return found
    .filter((o) => o.sandbox === ctx.auth.key.sandbox)
    .sort((a, b) => b.activationId - a.activationId);
}

export async function getActiveActivations(ctx: LegacyContext): Promise<LegacyReply> {
  const orders = await openOrders(ctx);
  if (orders.length === 0) return json({ status: 'error', error: 'NO_ACTIVATIONS' });
  const countries = await countriesByIso(ctx);
  const activations = [];
  for (const order of orders) {
    const messages =
      order.smsCount > 0
        ? (await ctx.deps.orders.get(ctx.auth.customer.id, order.id)).messages
        : [];
    const codes = messages.flatMap((m) => (m.code === null ? [] : [m.code]));
    const country = countries.get(order.country);
    activations.push({
      activationId: String(order.activationId),
      serviceCode: order.service,
      phoneNumber: phoneDigits(order.phoneNumber),
      activationCost: usd(order.priceUnits),
      activationStatus: ACTIVATION_STATUS[order.status],
      smsCode: messages.length > 0 ? codes : null,
      smsText: messages[messages.length - 1]?.text ?? null,
      activationTime: legacyTime(order.createdAt),
      countryCode: country ? String(country.activateId) : '',
      countryName: country?.eng ?? order.country,
      canGetAnotherSms: '1',
    });
  }
  return json({ status: 'success', activeActivations: activations, data: activations });
}

export async function getPrices(ctx: LegacyContext): Promise<LegacyReply> {
  const service = ctx.params.get('service')?.trim() || undefined;
  if (service !== undefined) await ctx.deps.catalog.getService(service);
  const country = await countryFilter(ctx);
  if (country?.virtual) return json({});
  const entries = await ctx.deps.catalog.prices(
    {
      ...(service !== undefined ? { service } : {}),
      ...(country ? { country: country.iso2 } : {}),
    },
    ctx.auth.key.sandbox,
  );
  const countries = await countriesByIso(ctx);
  const out: Record<string, Record<string, { cost: number; count: number }>> = {};
  for (const entry of entries) {
    const id = countries.get(entry.country)?.activateId;
    if (id === undefined) continue;
    (out[String(id)] ??= {})[entry.service] = {
      cost: usdNumber(entry.priceUnits),
      count: entry.available,
    };
  }
  return json(out);
}

export async function getCountries(ctx: LegacyContext): Promise<LegacyReply> {
  const out: Record<string, unknown> = {};
  for (const c of await ctx.deps.catalog.listCountries()) {
    out[String(c.activateId)] = {
      id: c.activateId,
      rus: c.rus,
      eng: c.eng,
      chn: c.chn,
      visible: c.enabled ? 1 : 0,
      retry: 1,
      rent: 0,
      multiService: 0,
    };
  }
  return json(out);
}

export async function getServicesList(ctx: LegacyContext): Promise<LegacyReply> {
  const services = (await ctx.deps.catalog.listServices())
    .filter((s) => s.enabled)
    .map((s) => ({ code: s.code, name: s.name }));
  return json({ status: 'success', services });
}

/** `{"tg_0":12}`: free SIMs per service in a country (`_0`: sms-activate's "no forwarding"). */
export async function getNumbersStatus(ctx: LegacyContext): Promise<LegacyReply> {
  const country = (await countryFilter(ctx)) ?? (await ctx.deps.catalog.resolveCountry('0'));
  const out: Record<string, number> = {};
  if (country.virtual) {
    for (const s of await ctx.deps.catalog.listServices()) if (s.enabled) out[`${s.code}_0`] = 0;
    return json(out);
  }
  const entries = await ctx.deps.catalog.prices({ country: country.iso2 }, ctx.auth.key.sandbox);
  for (const entry of entries) out[`${entry.service}_0`] = entry.available;
  return json(out);
}
