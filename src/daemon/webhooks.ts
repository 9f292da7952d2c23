/**
 * Webhooks inside the daemon: the WebhookService the API routes call, and the delivery worker.
 * Test events and un-paused endpoints poke the worker so they go out at once, not at the next
 * poll.
 */
import { WebhookService, type HostResolver } from '../domain/index.js';
import type { Clock, Logger } from '../shared/index.js';
import type { Store } from '../store/index.js';
import type { Config } from './config.js';
import { checkedSend } from './webhook-http.js';
import { startWebhookWorker, type WebhookWorker } from './webhook-worker.js';

export interface Webhooks {
  readonly service: WebhookService;
  readonly worker: WebhookWorker;
  stop(): Promise<void>;
}

export async function startWebhooks(
  store: Store,
  config: Pick<Config, 'webhooks'>,
  deps: {
    readonly clock: Clock;
    readonly logger: Logger;
    /** How webhook hosts are resolved (tests answer for made-up names); default: the system's. */
    readonly resolve?: HostResolver;
  },
): Promise<Webhooks> {
  // The service is built first (each attempt resolves and checks its URL with it); it pokes the
  // worker later.
  const wake: { worker?: WebhookWorker } = {};
  const service = new WebhookService(store.webhooks, deps.clock, {
    allowPrivate: config.webhooks.allowPrivate,
    allowedHosts: config.webhooks.allowedHosts,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
    onQueued: () => wake.worker?.poke(),
  });
  const worker = await startWebhookWorker({
    port: store.webhooks,
    clock: deps.clock,
    logger: deps.logger,
    concurrency: config.webhooks.concurrency,
    settings: {
      pauseAfterMs: config.webhooks.pauseAfterHours * 3_600_000,
      probeIntervalMs: config.webhooks.probeIntervalMinutes * 60_000,
    },
    // Checked again at each attempt (a hostname may have been re-pointed at the LAN since), and
    // sent to the checked addresses only: no second lookup between the check and the connect.
    send: checkedSend((url) => service.deliveryTarget(url)),
  });
  wake.worker = worker;
  return { service, worker, stop: () => worker.stop() };
}
