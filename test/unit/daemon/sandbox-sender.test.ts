import { describe, expect, it } from 'vitest';
import { startSandboxSender, type InjectableModem } from '../../../src/daemon/sandbox-sender.js';
import type {
  DueSandboxDelivery,
  SandboxDeliveryOutcome,
  SandboxDeliveryPort,
} from '../../../src/domain/index.js';
import { ManualClock, silentLogger } from '../../../src/shared/index.js';

/** An in-memory schedule: rows with due times, outcomes recorded. */
class FakeDeliveries implements SandboxDeliveryPort {
  readonly rows = new Map<number, DueSandboxDelivery & { dueAt: number; outcome?: string }>();
  add(id: number, dueAt: number, patch: Partial<DueSandboxDelivery> = {}): void {
    this.rows.set(id, {
      id,
      dueAt,
      orderId: `ord_${id}`,
      kind: 'purchase',
      simIccid: 'ICC1',
      slotPath: 'simulated:1',
      attempts: 0,
      order: { status: 'waiting', simIccid: 'ICC1' },
      service: { code: 'tg', name: 'Telegram' },
      ...patch,
    });
  }
  due(now: number, limit: number): Promise<DueSandboxDelivery[]> {
    const due = [...this.rows.values()].filter((r) => !r.outcome && r.dueAt <= now);
    return Promise.resolve(due.slice(0, limit));
  }
  complete(id: number, outcome: SandboxDeliveryOutcome): Promise<void> {
    const row = this.rows.get(id)!;
    this.rows.set(id, { ...row, outcome });
    return Promise.resolve();
  }
  postpone(id: number, dueAt: number): Promise<void> {
    const row = this.rows.get(id)!;
    this.rows.set(id, { ...row, dueAt, attempts: row.attempts + 1 });
    return Promise.resolve();
  }
}

function modem(index: number, iccid: string, sent: Array<[number, string, string]>) {
  return {
    index,
    identity: { iccid },
    injectSms: (sms: { from: string; text: string }) => sent.push([index, sms.from, sms.text]),
  } satisfies InjectableModem;
}

describe('sandbox sender', () => {
  it('injects due rows into the modem holding the SIM and leaves later ones alone', async () => {
    const clock = new ManualClock(1_000_000);
    const port = new FakeDeliveries();
    const sent: Array<[number, string, string]> = [];
    port.add(1, 1_000_000);
    port.add(2, 1_002_000, {
      simIccid: 'ICC0',
      slotPath: 'simulated:7',
      order: { status: 'retry', simIccid: 'ICC0' },
    });
    const sender = startSandboxSender({
      deliveries: port,
      modems: [modem(0, 'ICC0', sent), modem(1, 'ICC1', sent)],
      clock,
      logger: silentLogger,
      random: () => 0.5,
    });
    await clock.advance(0);
    expect(sent).toEqual([
      [1, 'Telegram', expect.stringMatching(/^Your Telegram code is 5\d{4}\./)],
    ]);
    expect(port.rows.get(2)?.outcome).toBeUndefined();
    await clock.advance(2_500);
    // The slot path was stale (simulated:7): found by ICCID instead.
    expect(sent.map((s) => s[0])).toEqual([1, 0]);
    expect([...port.rows.values()].map((r) => r.outcome)).toEqual(['injected', 'injected']);
    await sender.stop();
  });

  it('skips closed or swapped orders and gives up on a SIM no modem holds', async () => {
    const clock = new ManualClock(0);
    const port = new FakeDeliveries();
    const sent: Array<[number, string, string]> = [];
    port.add(1, 0, { order: { status: 'cancelled', simIccid: 'ICC1' } });
    port.add(2, 0, { order: { status: 'waiting', simIccid: 'ICC9' } });
    port.add(3, 0, { simIccid: 'GONE', order: { status: 'waiting', simIccid: 'GONE' } });
    const sender = startSandboxSender({
      deliveries: port,
      modems: [modem(1, 'ICC1', sent)],
      clock,
      logger: silentLogger,
    });
    await clock.advance(0);
    expect(port.rows.get(1)?.outcome).toBe('skipped');
    expect(port.rows.get(2)?.outcome).toBe('skipped');
    expect(port.rows.get(3)).toMatchObject({ attempts: 1 });
    expect(port.rows.get(3)?.outcome).toBeUndefined();
    await clock.advance(60_000);
    expect(port.rows.get(3)).toMatchObject({ attempts: 4, outcome: 'failed' });
    expect(sent).toEqual([]);
    await sender.stop();
  });
});
