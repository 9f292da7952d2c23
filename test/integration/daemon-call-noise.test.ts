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
const MAX_ROUNDS = 60;
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

/** Injects `texts` over the modems in turn, one at a time per modem. */
async function injectInbound(b: DaemonBench, texts: readonly string[]): Promise<void> {
  await Promise.all(
    Array.from({ length: MODEMS }, async (_, modem) => {
      for (let i = modem; i < texts.length; i += MODEMS) {
        await b.control.injectSms(modem, { from: '+447700900123', text: texts[i] });
      }
    }),
  );
}

/** The inbox once it holds at least `count` messages (one connection per poll). */
function inboxOf(b: DaemonBench, count: number, timeoutMs: number) {
  return pollUntil(
    async () => {
      const messages = await b.read((r) => r.inbound.listMessages({ limit: 10_000 }));
      return messages.length >= count ? messages : undefined;
    },
    timeoutMs,
    `${count} messages in the inbox`,
    250,
  );
}

async function allCalls(b: DaemonBench): Promise<SimulatedCall[]> {
  const perModem = Array.from({ length: MODEMS }, (_, i) => callsOf(b.control.url, i));
  return (await Promise.all(perModem)).flat();
}

describe('incoming calls during traffic', () => {
  it('loses, duplicates and sends twice nothing while callers ring and hang up', async () => {
    bench = await DaemonBench.create({
      count: MODEMS,
      simulateArgs: ['--send-delay', '20'],
      // Calls left to ring until the caller gives up: every call ends in an unsolicited NO CARRIER.
      config: { messaging: { throttle: { enabled: false } }, calls: { onIncoming: 'ignore' } },
    });
    const b = bench;
    const daemon = await b.startDaemon();
    await b.waitForReadyModems(MODEMS);
    for (let i = 0; i < MODEMS; i++) {
      await post(`${b.control.url}/modems/${i}/call-noise`, {
        meanIntervalMs: 1500,
        maxRings: 2,
        insideResponses: 0.8,
      });
    }

    // Traffic in rounds, each stored before the next, so calls overlap all of it; at least
    // 1,000 in and 300 out, and on until callers hung up inside the traffic a dozen times.
    const inTexts: string[] = [];
    const queued: Awaited<ReturnType<typeof queueOutbound>> = [];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const startedAt = Date.now();
      const calls = await allCalls(b);
      const hungUp = calls.filter((c) => c.endedBy === 'caller_hung_up').length;
      if (inTexts.length >= INBOUND && queued.length >= OUTBOUND && hungUp >= 12) break;
      const outTexts = Array.from({ length: OUTBOUND / 10 }, (_, i) => `out ${round}.${i}`);
      queued.push(...(await queueOutbound(b, daemon, null, TO, outTexts)));
      const texts = Array.from({ length: INBOUND / 10 }, (_, i) => `in ${round}.${i} code ${i}`);
      await injectInbound(b, texts);
      inTexts.push(...texts);
      await inboxOf(b, inTexts.length, 60_000);
      // Callers keep their own pace (simulator time on a real clock): a round lasts a second at
      // least, so the hang-ups come within a bounded number of rounds on a fast machine too.
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, startedAt + 1000 - Date.now())),
      );
    }
    const outTexts = queued.map((m) => m.body);
    const inbox = await inboxOf(b, inTexts.length, 60_000);
    // One connection per poll (not one per message): a reader must not starve the daemon.
    const ids = queued.map((m) => m.id);
    const rows = await pollUntil(
      async () => {
        const found = await b.read((r) => Promise.all(ids.map((id) => r.outbound.getMessage(id))));
        const done = found.every((row) => row?.status === 'sent' || row?.status === 'delivered');
        return done ? found : undefined;
      },
      150_000,
      `${ids.length} outbound messages sent`,
      500,
    );
    // Two more sweeps: a duplicate would show up now.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const finalInbox = await b.read((r) => r.inbound.listMessages({ limit: 10_000 }));

    const networkParts = (
      await Promise.all(Array.from({ length: MODEMS }, (_, i) => b.control.sent(i)))
    ).flat();
    const network = sentMessages(networkParts);
    const references = await b.read((r) =>
      Promise.all(
        ids.map(async (id) => ({
          body: (await r.outbound.getMessage(id))?.body,
          mr: r.outbound.getParts(id)[0]?.messageReference,
        })),
      ),
    );
    const timesSent = new Map<string, number>();
    for (const message of network) {
      timesSent.set(message.text, (timesSent.get(message.text) ?? 0) + 1);
    }
    const calls = await allCalls(b);
    const figures = {
      inboundInjected: inTexts.length,
      inboundStored: finalInbox.length,
      inboundLost: inTexts.filter((t) => !finalInbox.some((m) => m.text === t)).length,
      inboundDuplicated: finalInbox.length - new Set(finalInbox.map((m) => m.text)).size,
      outboundQueued: outTexts.length,
      outboundSentOnce: outTexts.filter((t) => timesSent.get(t) === 1).length,
      outboundSentTwice: outTexts.filter((t) => (timesSent.get(t) ?? 0) > 1).length,
      outboundNeverSent: outTexts.filter((t) => !timesSent.has(t)).length,
      calls: calls.length,
      callerHungUp: calls.filter((c) => c.endedBy === 'caller_hung_up').length,
      hostHungUp: calls.filter((c) => c.endedBy === 'host_hung_up').length,
    };
    console.log(`call noise figures: ${JSON.stringify(figures)}`);

    expect(inTexts.length).toBeGreaterThanOrEqual(INBOUND);
    expect(outTexts.length).toBeGreaterThanOrEqual(OUTBOUND);
    expect(inbox.length).toBeGreaterThanOrEqual(inTexts.length);
    expect(figures.inboundLost).toBe(0);
    expect(figures.inboundDuplicated).toBe(0);
    expect(finalInbox).toHaveLength(inTexts.length);
    expect(figures.outboundSentTwice).toBe(0);
    expect(figures.outboundNeverSent).toBe(0);
    // Every message reported sent went out, under its own reference.
    expect(rows.every((row) => row?.status === 'sent' || row?.status === 'delivered')).toBe(true);
    const mrOf = new Map(networkParts.map((part) => [part.text, part.mr]));
    expect(references.filter((ref) => ref.mr !== mrOf.get(ref.body ?? ''))).toEqual([]);
    // The calls were real: callers hung up inside the traffic a dozen times or more.
    expect(figures.callerHungUp).toBeGreaterThanOrEqual(12);
  }, 240_000);
});
