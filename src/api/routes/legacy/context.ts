import type { Authenticated } from '../../../domain/index.js';
import type { ServerDeps } from '../../deps.js';
import type { LegacyParams } from './params.js';
import type { LegacyMode, LegacyReply } from './reply.js';

/** What an action gets: the services, the authenticated key, the parameters, the spelling. */
export interface LegacyContext {
  readonly deps: ServerDeps;
  readonly auth: Authenticated;
  readonly params: LegacyParams;
  readonly mode: LegacyMode;
}

export type LegacyAction = (ctx: LegacyContext) => Promise<LegacyReply>;

export const principalOf = (ctx: LegacyContext) => ({
  customerId: ctx.auth.customer.id,
  apiKeyId: ctx.auth.key.id,
});
