import { describe, expect, it } from 'vitest';
import { parseClip, WorkPriority, type IncomingCall } from '../../../src/modem/index.js';
import type { AtWireEvent } from '../../../src/at/index.js';
import {
  advanceBy,
  advanceUntil,
  setup,
  started,
  trackHarnesses,
  whileAdvancing,
} from './harness.js';

const track = trackHarnesses();
const RING_MS = 4000;

function collectCalls(h: ReturnType<typeof setup>): IncomingCall[] {
  const calls: IncomingCall[] = [];
  h.driver.on('call', (call) => calls.push(call));
  return calls;
}

/** Everything the driver's AT engine writes and reads from now on. */
function tapWire(h: ReturnType<typeof setup>): AtWireEvent[] {
  const wire: AtWireEvent[] = [];
  h.driver.session?.engine.on('wire', (event) => wire.push(event));
  return wire;
}

describe('incoming calls on the modem driver', () => {
  it('turns caller id on at init', async () => {
    const h = track(setup());
    expect(h.modem.settings.clip).toBe(false);
    await started(h);
    expect(h.modem.settings.clip).toBe(true);
  });

  it('rejects by default: ATH after the first RING, one call event with the caller', async () => {
    const h = track(setup({ modem: { timing: { ringIntervalMs: RING_MS } } }));
    const calls = collectCalls(h);
    await started(h);
    const startedAt = h.clock.now();
    h.modem.incomingCall({ from: '+447700900123', rings: 5 });
    await advanceUntil(h.clock, () => calls.length > 0);
    // Hung up by the host after one RING: the caller never got to ring a second time.
    expect(h.modem.calls).toEqual([expect.objectContaining({ rings: 1, endedBy: 'host_hung_up' })]);
    expect(calls).toEqual([
      {
        imei: h.modem.identity.imei,
        iccid: h.modem.identity.iccid,
        caller: '+447700900123',
        callerType: 145,
        startedAt,
        endedAt: expect.any(Number) as number,
        rings: 1,
        end: 'rejected',
      },
    ]);
    await advanceBy(h.clock, 5 * RING_MS);
    expect(calls).toHaveLength(1);
    expect(h.driver.state).toBe('ready');
  });

  it('ignore: no ATH; the call rings until the caller hangs up (NO CARRIER)', async () => {
    const h = track(
      setup({
        modem: { timing: { ringIntervalMs: RING_MS } },
        driver: { calls: { onIncoming: 'ignore' } },
      }),
    );
    const calls = collectCalls(h);
    await started(h);
    const wire = tapWire(h);
    h.modem.incomingCall({ from: '07700900123', rings: 3, hangupAfterMs: 1000 });
    await advanceBy(h.clock, 2 * RING_MS + 500);
    expect(calls).toHaveLength(0);
    await advanceUntil(h.clock, () => calls.length > 0);
    expect(wire.some((w) => w.direction === 'tx' && w.text.startsWith('ATH'))).toBe(false);
    expect(calls).toEqual([
      expect.objectContaining({ caller: '07700900123', callerType: 129, rings: 3 }),
    ]);
    expect(calls[0]?.end).toBe('caller_hung_up');
    expect(h.modem.calls[0]?.endedBy).toBe('caller_hung_up');
  });

  it('ATH waits for the command in flight: written only after the final result of that command', async () => {
    const h = track(setup({ modem: { timing: { ringIntervalMs: RING_MS } } }));
    const calls = collectCalls(h);
    await started(h);
    const wire = tapWire(h);
    h.modem.fault({ kind: 'slow', ms: 2000 });
    const inFlight = h.driver.runItem(WorkPriority.send, (engine) => engine.send('AT+CSQ'));
    await h.clock.advance(100);
    h.modem.incomingCall({ from: '+447700900123', rings: 5 });
    await whileAdvancing(h.clock, inFlight);
    await advanceUntil(h.clock, () => calls.length > 0);
    const tx = wire.filter((w) => w.direction === 'tx').map((w) => w.text);
    expect(tx.findIndex((t) => t.startsWith('ATH'))).toBe(
      tx.findIndex((t) => t.startsWith('AT+CSQ')) + 1,
    );
    // Everything received before ATH went out holds the RING and CSQ's whole answer.
    const athAt = wire.findIndex((w) => w.direction === 'tx' && w.text.startsWith('ATH'));
    const before = wire
      .slice(0, athAt)
      .filter((w) => w.direction === 'rx')
      .map((w) => w.text);
    expect(before.join('')).toMatch(/RING[\s\S]*\+CSQ: [^\r]*\r\n\r\nOK\r\n$/);
    expect(calls[0]).toMatchObject({ end: 'rejected', rings: 1 });
  });
});

describe('parseClip', () => {
  it('reads number and type, and refuses withheld or malformed ids', () => {
    expect(parseClip('"+447700900123",145,"",0,"",0')).toEqual({
      number: '+447700900123',
      type: 145,
    });
    expect(parseClip('"07700900123",129')).toEqual({ number: '07700900123', type: 129 });
    expect(parseClip('"",128,"",0,"",1')).toBeNull();
    expect(parseClip('"Bank; DROP",145')).toBeNull();
    expect(parseClip(null)).toBeNull();
  });
});
