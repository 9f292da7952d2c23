import { afterEach, describe, expect, it } from 'vitest';
import { DaemonBench, sentMessages } from '../helpers/daemon-harness.js';
import { queueOutbound } from '../helpers/outbound-queue.js';
import { pollUntil } from '../helpers/sim-process.js';

/**
 * Real SIMs get called. The daemon against four simulated modems on pseudo-terminals whose
 * callers ring every couple of seconds and hang up at random — their RING, +CLIP and NO CARRIER
 * lines landing inside the answers to AT+CMGR, AT+CMGD, AT+CMGL, AT+CMGS and the health polls —
 * while 1,000 SMS come in and 300 go out: nothing is lost, duplicated or sent twice.
 */
let bench: DaemonBench | undefined;
afterEach(async () => {
  await bench?.dispose();
  bench = undefined;
});

const MODEMS = 4;
const INBOUND = 1000;
const OUTBOUND = 300;
const TO = '+447700900900';

interface SimulatedCall {
  readonly endedBy: string | null;
  readonly rings: number;
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
}

async function callsOf(controlUrl: string, index: number): Promise<SimulatedCall[]> {
  const response = await fetch(`${controlUrl}/modems/${index}/calls`);
  return (await response.json()) as SimulatedCall[];
}

/** Injects `count` SMS over the modems in turn, a few at a time per modem. */
async function injectInbound(b: DaemonBench, count: number): Promise<string[]> {
  const texts = Array.from({ length: count }, (_, i) => `inbound ${i} code ${100000 + i}`);
  await Promise.all(
    Array.from({ length: MODEMS }, async (_, modem) => {
      for (let i = modem; i < count; i += MODEMS) {
        await b.control.injectSms(modem, { from: '+447700900123', text: texts[i] });
      }
    }),
  );
  return texts;
}

describe('incoming calls during traffic', () => {
  it('loses, duplicates and sends twice nothing while callers ring and hang up', async () => {
    bench = await DaemonBench.create({
      count: MODEMS,
      simulateArgs: ['--send-delay', '20'],
      config: { messaging: { throttle: { enabled: false } } },
    });
    const b = bench;
    const daemon = await b.startDaemon();
    await b.waitForReadyModems(MODEMS);
    for (let i = 0; i < MODEMS; i++) {
      await post(`${b.control.url}/modems/${i}/call-noise`, {
        meanIntervalMs: 2000,
        maxRings: 3,
        insideResponses: 0.8,
      });
    }

    const outTexts = Array.from({ length: OUTBOUND }, (_, i) => `outbound ${i}`);
    const queued = queueOutbound(b, daemon, null, TO, outTexts);
    const inTexts = await injectInbound(b, INBOUND);

    const inbox = await pollUntil(
      () => {
        const messages = b.read((r) => r.inbound.listMessages({ limit: 5000 }));
        return messages.length >= INBOUND ? messages : undefined;
      },
      150_000,
      `${INBOUND} messages in the inbox`,
      500,
    );
    // One connection per poll (not one per message): a reader must not starve the daemon.
    const ids = queued.map((m) => m.id);
    const rows = await pollUntil(
      () => {
        const found = b.read((r) => ids.map((id) => r.outbound.getMessage(id)));
        const done = found.every((row) => row?.status === 'sent' || row?.status === 'delivered');
        return done ? found : undefined;
      },
      150_000,
      `${OUTBOUND} outbound messages sent`,
      500,
    );
    // Two more sweeps: a duplicate would show up now.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const finalInbox = b.read((r) => r.inbound.listMessages({ limit: 5000 }));

    const networkParts = (
      await Promise.all(Array.from({ length: MODEMS }, (_, i) => b.control.sent(i)))
    ).flat();
    const network = sentMessages(networkParts);
    const references = b.read((r) =>
      ids.map((id) => ({
        body: r.outbound.getMessage(id)?.body,
        mr: r.outbound.getParts(id)[0]?.messageReference,
      })),
    );
    const timesSent = new Map<string, number>();
    for (const message of network) {
      timesSent.set(message.text, (timesSent.get(message.text) ?? 0) + 1);
    }
    const calls = (
      await Promise.all(Array.from({ length: MODEMS }, (_, i) => callsOf(b.control.url, i)))
    ).flat();
    const figures = {
      inboundInjected: INBOUND,
      inboundStored: finalInbox.length,
      inboundLost: inTexts.filter((t) => !finalInbox.some((m) => m.text === t)).length,
      inboundDuplicated: finalInbox.length - new Set(finalInbox.map((m) => m.text)).size,
      outboundQueued: OUTBOUND,
      outboundSentOnce: outTexts.filter((t) => timesSent.get(t) === 1).length,
      outboundSentTwice: outTexts.filter((t) => (timesSent.get(t) ?? 0) > 1).length,
      outboundNeverSent: outTexts.filter((t) => !timesSent.has(t)).length,
      calls: calls.length,
      callerHungUp: calls.filter((c) => c.endedBy === 'caller_hung_up').length,
      hostHungUp: calls.filter((c) => c.endedBy === 'host_hung_up').length,
    };
    console.log(`call noise figures: ${JSON.stringify(figures)}`);

    expect(inbox.length).toBeGreaterThanOrEqual(INBOUND);
    expect(figures.inboundLost).toBe(0);
    expect(figures.inboundDuplicated).toBe(0);
    expect(finalInbox).toHaveLength(INBOUND);
    expect(figures.outboundSentTwice).toBe(0);
    expect(figures.outboundNeverSent).toBe(0);
    // Every message reported sent went out, under its own reference.
    expect(rows.every((row) => row?.status === 'sent' || row?.status === 'delivered')).toBe(true);
    const mrOf = new Map(networkParts.map((part) => [part.text, part.mr]));
    expect(references.filter((ref) => ref.mr !== mrOf.get(ref.body ?? ''))).toEqual([]);
    // The calls were real: both hang-ups happened, many times.
    expect(figures.calls).toBeGreaterThanOrEqual(10);
    expect(figures.callerHungUp + figures.hostHungUp).toBeGreaterThanOrEqual(10);
  }, 240_000);
});
