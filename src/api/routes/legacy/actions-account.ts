import type { LegacyContext } from './context.js';
import { usd } from './format.js';
import { text, type LegacyReply } from './reply.js';

/** getBalance / getBalanceAndCashBack: the key's balance (a sandbox key has its own). */
export async function getBalance(ctx: LegacyContext): Promise<LegacyReply> {
  const units = await ctx.deps.customers.balance(ctx.auth.customer.id, ctx.auth.key.sandbox);
  return text(`ACCESS_BALANCE:${usd(units, 'balance')}`);
}
