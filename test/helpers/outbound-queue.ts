import type { Daemon } from '../../src/daemon/index.js';
import {
  composeOutbound,
  type NewOutboundMessage,
  type OutboundMessageRow,
  type OutboundStatus,
} from '../../src/pool/index.js';
import type { DaemonBench } from './daemon-harness.js';
import { pollUntil } from './sim-process.js';

/**
 * Queues like `simpool send` (another connection to the database), then wakes the senders.
 * `iccid` null lets routing pick the SIM.
 */
export async function queueOutbound(
  bench: DaemonBench,
  daemon: Daemon,
  iccid: string | null,
  to: string,
  texts: readonly string[],
): Promise<NewOutboundMessage[]> {
  const now = Date.now();
  const messages = texts.map((text, i) => composeOutbound({ to, text, iccid, now: now + i }));
  await bench.read(async (r) => {
    for (const m of messages) await r.outbound.enqueue(m);
  });
  daemon.pool.wakeSenders();
  return messages;
}

export function outboundRow(
  bench: DaemonBench,
  id: string,
): Promise<OutboundMessageRow | undefined> {
  return bench.read((r) => r.outbound.getMessage(id));
}

/** Waits until every message has `status` (or one of them); returns their rows. */
export function outboundSettled(
  bench: DaemonBench,
  ids: readonly string[],
  status: OutboundStatus | readonly OutboundStatus[],
  timeoutMs = 15_000,
): Promise<OutboundMessageRow[]> {
  const wanted: readonly OutboundStatus[] = typeof status === 'string' ? [status] : status;
  return pollUntil(
    async () => {
      const rows = await bench.read((r) => Promise.all(ids.map((id) => r.outbound.getMessage(id))));
      return rows.every((row) => row !== undefined && wanted.includes(row.status))
        ? (rows as OutboundMessageRow[])
        : undefined;
    },
    timeoutMs,
    `${ids.length} outbound message(s) ${wanted.join(' or ')}`,
  );
}
