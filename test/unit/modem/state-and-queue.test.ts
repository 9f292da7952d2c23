import { describe, expect, it } from 'vitest';
import { ModemStateMachine, canTransition } from '../../../src/modem/index.js';
import { SimpoolError } from '../../../src/shared/index.js';
import { WorkQueue } from '../../../src/modem/work-queue.js';
import { parseCmgl, parseCpmsUse, parseCnmiTest } from '../../../src/modem/responses.js';

describe('modem state machine', () => {
  it('follows the lifecycle and reports every change with its reason', () => {
    const changes: string[] = [];
    const machine = new ModemStateMachine((c) => changes.push(`${c.from}>${c.to}:${c.reason}`));
    machine.transition('initializing', 'link_opened');
    machine.transition('ready', 'initialized');
    machine.transition('degraded', 'not_registered');
    machine.transition('ready', 'registered');
    machine.transition('recovering', 'disconnected');
    machine.transition('offline', 'recovery_exhausted');
    expect(changes).toHaveLength(6);
    expect(machine.state).toBe('offline');
  });

  it('refuses transitions the table does not allow', () => {
    const machine = new ModemStateMachine(() => undefined);
    expect(() => machine.transition('ready', 'initialized')).toThrow(SimpoolError);
    expect(canTransition('offline', 'ready', 'recovered')).toBe(false);
    expect(canTransition('ready', 'offline', 'recovery_exhausted')).toBe(false);
    expect(machine.tryTransition('degraded', 'sim_not_ready')).toBe(false);
    expect(machine.state).toBe('connecting');
  });
});

describe('work queue', () => {
  it('runs the highest priority first, one at a time', async () => {
    const queue = new WorkQueue();
    const order: string[] = [];
    const done = [
      queue.run(10, () => Promise.resolve(void order.push('send'))),
      queue.run(50, () => Promise.resolve(void order.push('health'))),
      queue.run(100, () => Promise.resolve(void order.push('read'))),
    ];
    queue.resume();
    await Promise.all(done);
    expect(order).toEqual(['read', 'health', 'send']);
  });

  it('rejects queued items when closed instead of leaving them pending', async () => {
    const queue = new WorkQueue();
    const item = queue.run(1, () => Promise.resolve('never'));
    queue.close(new SimpoolError('modem_stopped', 'stopped'));
    await expect(item).rejects.toMatchObject({ code: 'modem_stopped' });
    await expect(queue.run(1, () => Promise.resolve(1))).rejects.toMatchObject({
      code: 'modem_stopped',
    });
  });
});

describe('answer parsers', () => {
  it('lists PDUs of AT+CMGL, skipping noise lines', () => {
    expect(
      parseCmgl(['+CMGL: 1,0,,24', '07911326040000F0', 'junk', '+CMGL: 3,1,"",5', 'ABCD']),
    ).toEqual([
      { index: 1, stat: 0, pdu: '07911326040000F0' },
      { index: 3, stat: 1, pdu: 'ABCD' },
    ]);
  });

  it('reads storage use in both +CPMS shapes', () => {
    expect(parseCpmsUse(['+CPMS: "SM",3,30,"SM",3,30,"ME",0,50'])).toEqual([
      { name: 'SM', used: 3, total: 30 },
      { name: 'SM', used: 3, total: 30 },
      { name: 'ME', used: 0, total: 50 },
    ]);
    expect(parseCpmsUse(['+CPMS: 1,50,1,50,1,50'])[2]).toEqual({ name: null, used: 1, total: 50 });
  });

  it('expands +CNMI ranges', () => {
    expect(parseCnmiTest(['+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)'])[3]).toEqual([0, 1, 2]);
  });
});
