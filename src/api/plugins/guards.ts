/**
 * What every door that takes a credential shares (REST, the legacy API, the WebSocket feeds,
 * the admin login): the failed-authentication throttle per client address and the request
 * budget per key. `buildServer` makes one set per server; each door answers in its own terms.
 */
import type { Authenticated, CustomerService } from '../../domain/index.js';
import type { Clock, Logger } from '../../shared/index.js';
import type { ApiConfig } from '../deps.js';
import {
  AuthThrottle,
  DEFAULT_AUTH_THROTTLE,
  type AuthDoor,
  type AuthThrottleEvents,
} from './auth-throttle.js';
import { KeyRateLimiter } from './rate-limit.js';

export type { AuthDoor } from './auth-throttle.js';

/** A presented key, checked: refused unseen (throttled address), unknown, or authenticated. */
export type KeyCheck =
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'found'; readonly auth: Authenticated };

export class ApiGuards {
  constructor(
    readonly authThrottle: AuthThrottle,
    readonly keyLimit: KeyRateLimiter,
  ) {}

  /** Authenticates `plain` for the client at `address`, counting a wrong key against it. */
  async checkKey(
    customers: Pick<CustomerService, 'authenticate'>,
    plain: string,
    address: string,
    door: AuthDoor,
  ): Promise<KeyCheck> {
    const retryAfterSeconds = this.authThrottle.refusal(address, door);
    if (retryAfterSeconds > 0) return { kind: 'throttled', retryAfterSeconds };
    const auth = await customers.authenticate(plain);
    if (auth) return { kind: 'found', auth };
    this.authThrottle.failed(address, door);
    return { kind: 'unknown' };
  }
}

export function createGuards(
  deps: { readonly clock: Clock; readonly logger: Logger; readonly config: ApiConfig },
  events?: AuthThrottleEvents,
): ApiGuards {
  const { config } = deps;
  const throttle = new AuthThrottle(
    deps.clock,
    deps.logger,
    {
      maxFailures: config.authFailureLimit ?? DEFAULT_AUTH_THROTTLE.maxFailures,
      windowMs:
        config.authFailureWindowSeconds !== undefined
          ? config.authFailureWindowSeconds * 1000
          : DEFAULT_AUTH_THROTTLE.windowMs,
    },
    events,
  );
  return new ApiGuards(throttle, new KeyRateLimiter(deps.clock, config.rateLimitPerMinute));
}
