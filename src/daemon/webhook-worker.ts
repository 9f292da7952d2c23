/**
 * Delivers webhooks: fans new outbox events out into delivery rows, claims due rows and POSTs
 * them, signed afresh for each attempt. Deliveries to different endpoints run in parallel up to
 * `concurrency`, at most one in flight per endpoint (the claim guarantees it), so one slow or
 * dead receiver only ever occupies one slot and never delays the others. Every timer — polling,
 * the 10 s request timeout, retry times — comes from the injected clock.
 */
import {
  DELIVERY_TIMEOUT_MS,
  decideAttempt,
  webhookHeaders,
  type AttemptResult,
  type ClaimedDelivery,
  type DeliverySettings,
  type WebhookPort,
} from '../domain/index.js';
import { describeError, type Clock, type Logger, type TimerHandle } from '../shared/index.js';
import { httpSend, type WebhookSend } from './webhook-http.js';

export interface WebhookWorkerOptions {
  readonly port: WebhookPort;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The POST of one attempt; the daemon's resolves and checks the URL first (`checkedSend`). */
  readonly send?: WebhookSend;
  /** Parallel deliveries (to different endpoints). Default 8. */
  readonly concurrency?: number;
  /** How often the outbox is checked for new events. Default 1 s. */
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  /** When a failing endpoint is paused and how often it is probed then (defaults 24 h, 30 min). */
  readonly settings?: DeliverySettings;
}

export interface WebhookWorker {
  /** Look for work now (new events, a test event, an un-paused endpoint). */
  poke(): void;
  /** Resolves once nothing is being claimed or sent (for tests and orderly stops). */
  idle(): Promise<void>;
  readonly inFlight: number;
  stop(): Promise<void>;
}

const FAN_OUT_BATCH = 500;

export async function startWebhookWorker(options: WebhookWorkerOptions): Promise<WebhookWorker> {
  const { port, clock, logger } = options;
  const send = options.send ?? httpSend;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const pollMs = options.pollMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let stopped = false;
  let pumping: Promise<void> | undefined;
  let again = false;
  let timer: TimerHandle | undefined;

  // A previous process died mid-send: those attempts never completed, so they go again.
  const released = await port.releaseInFlight();
  if (released > 0)
    logger.warn({ released }, 'webhook deliveries interrupted by a restart resumed');

  const attempt = async (delivery: ClaimedDelivery, controller: AbortController): Promise<void> => {
    const timeout = clock.setTimeout(
      () => controller.abort(new Error(`timed out after ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    let result: AttemptResult;
    try {
      const response = await send({
        url: delivery.url,
        headers: webhookHeaders({
          secret: delivery.secret,
          eventId: delivery.eventId,
          deliveryId: delivery.id,
          body: delivery.payload,
          now: clock.now(),
        }),
        body: delivery.payload,
        signal: controller.signal,
      });
      result = { kind: 'response', ...response };
    } catch (error) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      result = { kind: 'error', message: describeError(reason) };
    } finally {
      clock.clearTimeout(timeout);
    }
    // Stopping aborts sends; those attempts did not happen (the row is released, not counted).
    if (stopped) return;
    const record = decideAttempt(delivery, result, clock.now(), options.settings);
    const change = await port.recordAttempt(record);
    const facts = { delivery: delivery.id, endpoint: delivery.endpointId, attempt: record.attempt };
    if (record.status === 'succeeded') logger.debug(facts, 'webhook delivered');
    else
      logger.warn(
        { ...facts, status: record.status, err: record.errorMessage },
        'webhook attempt failed',
      );
    if (record.endpoint.disable) logger.warn(facts, 'webhook endpoint disabled (410 Gone)');
    else if (change === 'pause') {
      const since = new Date(record.endpoint.failingSince ?? record.now).toISOString();
      logger.warn(
        { ...facts, failingSince: since },
        'webhook endpoint paused: failing, probing it',
      );
    } else if (change === 'resume')
      logger.info(facts, 'webhook endpoint resumed: a probe succeeded');
  };

  const start = (delivery: ClaimedDelivery): void => {
    const controller = new AbortController();
    const done = attempt(delivery, controller)
      .catch((error: unknown) =>
        logger.error(
          { err: describeError(error), delivery: delivery.id },
          'webhook attempt crashed',
        ),
      )
      .finally(() => {
        inFlight.delete(delivery.id);
        poke();
      });
    inFlight.set(delivery.id, { controller, done });
  };

  const schedule = async (): Promise<void> => {
    if (stopped) return;
    const now = clock.now();
    const due = await port.nextDueAt();
    // Something due now but not claimable is waiting for a slot or for its endpoint's in-flight
    // attempt; a completion pokes us then.
    const delay = due !== null && due > now ? Math.min(pollMs, due - now) : pollMs;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(poke, delay);
  };

  const pumpOnce = async (): Promise<void> => {
    while ((await port.fanOut(FAN_OUT_BATCH, clock.now())) === FAN_OUT_BATCH && !stopped);
    const free = concurrency - inFlight.size;
    if (free > 0 && !stopped) {
      for (const delivery of await port.claimDue(clock.now(), free)) start(delivery);
    }
  };

  // One pump at a time; a poke during a pump makes it go round again (even from its final
  // schedule step), so no event written meanwhile waits for the next poll.
  function poke(): void {
    if (stopped) return;
    again = true;
    if (pumping) return;
    pumping = (async () => {
      while (again && !stopped) {
        again = false;
        await pumpOnce();
      }
      await schedule();
    })()
      .catch((error: unknown) =>
        logger.error({ err: describeError(error) }, 'webhook worker failed'),
      )
      .finally(() => {
        pumping = undefined;
        if (again) poke();
      });
  }

  const idle = async (): Promise<void> => {
    while (pumping || inFlight.size > 0) {
      await Promise.all([pumping, ...[...inFlight.values()].map((f) => f.done)]);
    }
  };

  poke();
  return {
    poke,
    idle,
    get inFlight() {
      return inFlight.size;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      for (const flight of inFlight.values()) flight.controller.abort(new Error('worker stopped'));
      await Promise.all([pumping, ...[...inFlight.values()].map((f) => f.done)]);
      await port.releaseInFlight();
    },
  };
}
