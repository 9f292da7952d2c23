/** Inbound SMS → the open order on that SIM (if it belongs to it), in one transaction. */
import type { Clock } from '../shared/index.js';
import { allocationPolicy } from './allocation.js';
import { DEFAULT_ORDER_RULES, type OrderRulesConfig } from './order-rules.js';
import type { CallMatchResult, IncomingCallRecord } from './calls.js';
import type { InboundSms, MatchResult } from './order-types.js';
import type { OrderPort } from './ports.js';

export class MatchingService {
  private readonly rules: OrderRulesConfig;

  constructor(
    private readonly port: OrderPort,
    private readonly clock: Clock,
    rules: Partial<OrderRulesConfig> = {},
  ) {
    this.rules = { ...DEFAULT_ORDER_RULES, ...rules };
  }

  /**
   * Call after the SMS is committed as an inbound message. 'unmatched' leaves it a plain
   * inbound message; 'duplicate' means this inbound message was attached before (a replay).
   */
  onInboundSms(sms: InboundSms): Promise<MatchResult> {
    return this.port.attachSms(sms, {
      now: this.clock.now(),
      rules: this.rules,
      policy: allocationPolicy('lru'),
    });
  }

  /** Call once the modem reported the call over: recorded on its SIM, given to its order. */
  onIncomingCall(call: IncomingCallRecord): Promise<CallMatchResult> {
    return this.port.attachCall(call, {
      now: this.clock.now(),
      rules: this.rules,
      policy: allocationPolicy('lru'),
    });
  }
}
