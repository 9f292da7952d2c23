/** Buying a number: getNumber (plain text) and getNumberV2 (JSON), rows 5–13 and 38. */
import type { Country, Order } from '../../../domain/index.js';
import { principalOf, type LegacyContext } from './context.js';
import { legacyTime, parseUsdUnits, phoneDigits, usd } from './format.js';
import { json, LegacyToken, text, type LegacyReply } from './reply.js';

/** sms-activate's default country when the parameter is missing (0 = Russia). */
const DEFAULT_COUNTRY = '0';
/** sms-activate's operator when none is known. */
const ANY_OPERATOR = 'any';
/** ISO 4217 numeric code of USD: every price here is in dollars. */
const USD_CURRENCY = 840;

interface Bought {
  readonly order: Order;
  readonly country: Country;
  readonly headers: Record<string, string> | undefined;
}

async function buy(ctx: LegacyContext): Promise<Bought> {
  const service = ctx.params.get('service')?.trim() ?? '';
  if (!/^[a-z0-9_]{1,32}$/i.test(service)) throw new LegacyToken('BAD_SERVICE');
  const countryParam = ctx.params.get('country')?.trim() || DEFAULT_COUNTRY;
  // The protocol's countries are sms-activate numeric ids; ISO codes are a REST API thing.
  if (!/^\d{1,6}$/.test(countryParam)) throw new LegacyToken('BAD_COUNTRY');
  const country = await ctx.deps.catalog.resolveCountry(countryParam);
  const maxPrice = ctx.params.get('maxPrice');
  // An unreadable maxPrice counts as 0, so the answer carries the real price to retry with.
  const maxPriceUnits = maxPrice === undefined ? undefined : (parseUsdUnits(maxPrice) ?? 0);
  const order = await ctx.deps.orders.purchase(principalOf(ctx), {
    service,
    country: countryParam,
    ...(maxPriceUnits !== undefined ? { maxPriceUnits } : {}),
  });
  const headers = ctx.mode === 'daisysms' ? { 'X-Price': usd(order.priceUnits) } : undefined;
  return { order, country, headers };
}

export async function getNumber(ctx: LegacyContext): Promise<LegacyReply> {
  const { order, headers } = await buy(ctx);
  return text(`ACCESS_NUMBER:${order.activationId}:${phoneDigits(order.phoneNumber)}`, headers);
}

export async function getNumberV2(ctx: LegacyContext): Promise<LegacyReply> {
  const { order, country, headers } = await buy(ctx);
  const detail = await ctx.deps.orders.get(order.customerId, order.id);
  return json(
    {
      activationId: String(order.activationId),
      phoneNumber: phoneDigits(order.phoneNumber),
      activationCost: usd(order.priceUnits),
      currency: USD_CURRENCY,
      countryCode: String(country.activateId),
      countryPhoneCode: country.callingCode,
      canGetAnotherSms: '1',
      activationTime: legacyTime(order.createdAt),
      activationEndTime: legacyTime(order.expiresAt),
      activationOperator: detail.simOperator ?? ANY_OPERATOR,
      serviceCode: order.service,
    },
    headers,
  );
}
