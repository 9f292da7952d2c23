import {
  CatalogService,
  CustomerService,
  MatchingService,
  OrderService,
  allocationPolicy,
  usdToUnits,
  type OrderRulesConfig,
} from '../domain/index.js';
import type { ModemPool, ModemPoolEvents, StoredInboundMessage } from '../pool/index.js';
import { describeError, type Clock, type Logger, type TimerHandle } from '../shared/index.js';
import type { Store } from '../store/index.js';
import type { Config } from './config.js';

export interface OrderEngine {
  readonly catalog: CatalogService;
  readonly customers: CustomerService;
  readonly orders: OrderService;
  readonly matching: MatchingService;
  /**
   * Offers the recent SMS of these hosts' SIMs to the matching again: a host that died between
   * committing an SMS and matching it left it unattached, and its order open, until it comes back
   * (if ever); any host can attach it (matching is idempotent and runs on the shared tables).
   */
  replayUnmatchedOf(hostIds: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/** How far back the start-up replay looks for SMS that arrived but were never matched. */
const REPLAY_WINDOW_MS = 24 * 60 * 60_000;
const EXPIRY_CHECK_MS = 1_000;

/**
 * The number-rental engine inside the daemon: the catalog seeded on first start, every committed
 * inbound SMS offered to the order matching, and order expiry run from a timer. Expiry times
 * and matches are rows, so a restart loses neither: at start-up overdue orders expire and SMS
 * received while the process was down (or between commit and match) are matched again (matching
 * is idempotent).
 */
export async function startOrderEngine(
  store: Store,
  pool: ModemPool,
  config: Config,
  deps: { readonly clock: Clock; readonly logger: Logger },
): Promise<OrderEngine> {
  const { clock, logger } = deps;
  const rules: OrderRulesConfig = {
    maxCancelsPerService: config.orders.maxCancelsPerService,
    cooldownMs: config.orders.cooldownSeconds * 1000,
    defaultMaxOpenOrders: config.orders.defaultMaxOpenOrders,
    smsClockSkewMs: config.orders.smsClockSkewSeconds * 1000,
    liveOnSimulated: config.orders.liveOnSimulated,
    sandboxSmsDelayMs: config.orders.sandboxSmsDelaySeconds * 1000,
  };
  const catalog = new CatalogService(store.catalog, clock, {
    defaultPriceUnits: usdToUnits(config.orders.defaultPriceUsd),
    defaultHoldSeconds: config.orders.holdSeconds,
    defaultLifetimeSeconds: config.orders.lifetimeMinutes * 60,
    eligibility: rules,
  });
  const customers = new CustomerService(store.customers, clock, {
    sandboxStartingBalanceUnits: usdToUnits(config.orders.sandboxStartingBalanceUsd),
    authCacheMs: config.api.authCacheMs,
  });
  const orders = new OrderService(store.orders, clock, {
    rules,
    policy: allocationPolicy(config.orders.allocationPolicy),
  });
  const matching = new MatchingService(store.orders, clock, rules);

  const seeded = await catalog.seed();
  logger.info({ ...seeded }, 'catalog ready');

  const match = async (message: StoredInboundMessage): Promise<void> => {
    try {
      const result = await matching.onInboundSms({
        iccid: message.iccid,
        inboundMessageId: message.id,
        sender: message.sender,
        text: message.text,
        sentAt: message.sentAt,
        receivedAt: message.receivedAt,
      });
      if (result.kind === 'matched') {
        // The code is the customer's secret (anyone reading the log could use it): info says
        // only whether one was found; the order itself holds it.
        logger.info(
          { order: result.order.id, codeFound: result.code !== null },
          'SMS attached to its order',
        );
      }
    } catch (error) {
      logger.error({ err: describeError(error), message: message.id }, 'order matching failed');
    }
  };
  // Listen first, then replay: an SMS committed in between is seen twice, never missed.
  const onMessage = (message: StoredInboundMessage): void => void match(message);
  pool.on('message', onMessage);
  const onCall = (call: ModemPoolEvents['call'][0]): void => void recordCall(call);
  const recordCall = async (call: ModemPoolEvents['call'][0]): Promise<void> => {
    if (call.iccid === null) {
      logger.warn({ modem: call.address }, 'call on a modem without a SIM: not recorded');
      return;
    }
    try {
      const result = await matching.onIncomingCall({
        iccid: call.iccid,
        imei: call.imei,
        caller: call.caller,
        startedAt: call.startedAt,
        endedAt: call.endedAt,
        rings: call.rings,
        end: call.end,
      });
      if (result.kind === 'matched') {
        logger.info({ order: result.order.id, call: result.callId }, 'call attached to its order');
      }
    } catch (error) {
      logger.error({ err: describeError(error), iccid: call.iccid }, 'recording a call failed');
    }
  };
  pool.on('call', onCall);
  /** The SMS of the replay window (of the SIMs `keep` selects), each offered to the matching. */
  const replay = async (keep: (iccid: string) => boolean = () => true): Promise<void> => {
    const since = clock.now() - REPLAY_WINDOW_MS;
    for (const message of await store.inbound.listReceivedSince(since, 100_000)) {
      if (keep(message.iccid)) await match(message);
    }
  };
  await replay();

  let timer: TimerHandle | undefined;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const expire = async (): Promise<void> => {
    try {
      const report = await orders.expireDue();
      if (report.expired.length + report.finished.length > 0) {
        logger.info(
          { expired: report.expired.length, finished: report.finished.length },
          'orders reached their end of life',
        );
      }
    } catch (error) {
      logger.error({ err: describeError(error) }, 'order expiry failed');
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      running = expire().finally(schedule);
    }, EXPIRY_CHECK_MS);
  };
  await expire();
  schedule();

  return {
    catalog,
    customers,
    orders,
    matching,
    async replayUnmatchedOf(hostIds) {
      const sims = await store.inventory.listSims();
      const theirs = new Set(sims.filter((s) => hostIds.includes(s.hostId)).map((s) => s.iccid));
      if (theirs.size > 0) await replay((iccid) => theirs.has(iccid));
    },
    async stop() {
      stopped = true;
      pool.off('message', onMessage);
      pool.off('call', onCall);
      if (timer !== undefined) clock.clearTimeout(timer);
      await running;
    },
  };
}
