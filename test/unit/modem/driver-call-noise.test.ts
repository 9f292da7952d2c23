/**
 * A SIM whose number gets called: the simulated modem's callers ring and hang up at random, and
 * every RING, +CLIP and NO CARRIER is held back to land inside the next answer — of a read, a
 * delete, a listing, a send or a health poll. The driver must still read, commit and delete
 * every SMS exactly once and send every part exactly once, under its own message reference.
 */
import { describe, expect, it } from 'vitest';
import type { CallPolicy, SendOutcome } from '../../../src/modem/index.js';
import type { FlavourName } from '../../../src/simulator/index.js';
import { encodeSubmit } from '../../../src/sms/index.js';
import { advanceBy, setup, started, trackHarnesses, whileAdvancing } from './harness.js';

const track = trackHarnesses();
const ROUNDS = 60;
const FINAL = /^(OK|ERROR|\+CM[ES] ERROR:.*)$/;
/** The commands of each kind of work the driver does. */
const KINDS: Record<string, readonly string[]> = {
  read: ['AT+CMGR'],
  delete: ['AT+CMGD'],
  sweep: ['AT+CPMS', 'AT+CMGL'],
  send: ['AT+CMGS', 'AT+CMGW', 'AT+CMSS'],
  health: ['AT+CSQ', 'AT+CREG', 'AT+CEREG', 'AT+COPS', 'AT+CPIN'],
};

/** Which commands had a call's NO CARRIER arrive between their writing and their final. */
class HangUpsInside {
  readonly byCommand = new Map<string, number>();
  private inFlight: string | null = null;
  private rx = '';

  tx(text: string): void {
    const command = /^(AT[+^]?[A-Z]*)/i.exec(text)?.[1];
    if (command && text.endsWith('\r')) this.inFlight = command.toUpperCase();
  }

  received(text: string): void {
    this.rx += text;
    const lines = this.rx.split('\r\n');
    this.rx = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'NO CARRIER' && this.inFlight) {
        this.byCommand.set(this.inFlight, (this.byCommand.get(this.inFlight) ?? 0) + 1);
      } else if (FINAL.test(line)) {
        this.inFlight = null;
      }
    }
  }
}

function part(text: string) {
  const [first] = encodeSubmit({ to: '+447700900999', text, requestStatusReport: false });
  return { pduHex: first!.pduHex, tpduLength: first!.tpduLength };
}

describe.each<FlavourName>(['sim800c', 'ec25'])('calls ringing on a simulated %s', (flavour) => {
  const policies: CallPolicy[] = [{ onIncoming: 'ignore' }, { onIncoming: 'reject' }];
  it.each(policies)(
    'reads, deletes, lists, polls and sends exactly once with calls ($onIncoming)',
    async (calls) => {
      const h = track(
        setup({
          modem: {
            flavour,
            seed: 7,
            callNoise: { meanIntervalMs: 500, maxRings: 2, insideResponses: 1 },
          },
          driver: { calls, healthIntervalMs: 1_500, sweepIntervalMs: 2_000 },
        }),
      );
      await started(h);
      const hangUps = new HangUpsInside();
      h.driver.session!.engine.on('wire', (event) =>
        event.direction === 'tx' ? hangUps.tx(event.text) : hangUps.received(event.text),
      );

      const outcomes: SendOutcome[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < 3; k++) {
          h.modem.injectSms({ from: '+447700900123', text: `code ${round}-${k}` });
        }
        outcomes.push(await whileAdvancing(h.clock, h.driver.send(part(`out ${round}`))));
      }
      await advanceBy(h.clock, 6_000);

      const texts = h.sink.committed.map((read) => read.pdu);
      expect(h.sink.committed).toHaveLength(ROUNDS * 3);
      expect(new Set(texts).size).toBe(ROUNDS * 3);
      expect(h.modem.stored()).toEqual([]);
      expect(h.modem.sent.map((sent) => sent.text)).toEqual(
        Array.from({ length: ROUNDS }, (_, i) => `out ${i}`),
      );
      expect(outcomes.map((o) => (o.ok ? o.messageReference : o.detail))).toEqual(
        h.modem.sent.map((sent) => sent.mr),
      );
      expect(h.modem.calls.length).toBeGreaterThanOrEqual(10);
      if (calls.onIncoming === 'ignore') {
        // The hang-ups really landed inside every kind of answer.
        const seen = JSON.stringify([...hangUps.byCommand]);
        for (const [kind, commands] of Object.entries(KINDS)) {
          const count = commands.reduce((n, c) => n + (hangUps.byCommand.get(c) ?? 0), 0);
          expect(count, `${kind} in ${seen}`).toBeGreaterThan(0);
        }
      }
    },
    60_000,
  );
});
