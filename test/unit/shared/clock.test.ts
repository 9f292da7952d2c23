import { describe, expect, it } from 'vitest';
import { ManualClock, sleep } from '../../../src/shared/index.js';

describe('ManualClock', () => {
  it('fires timers in due order and only when time reaches them', async () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@30'), 30);
    clock.setTimeout(() => fired.push('a@10'), 10);
    await clock.advance(9);
    expect(fired).toEqual([]);
    await clock.advance(25);
    expect(fired).toEqual(['a@10', 'b@30']);
    expect(clock.now()).toBe(1034);
  });

  it('runs timers that earlier timers schedule within the same advance', async () => {
    const clock = new ManualClock(0);
    const times: number[] = [];
    const chain = async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(clock, 100);
        times.push(clock.now());
      }
    };
    const done = chain();
    await clock.advance(1000);
    await done;
    expect(times).toEqual([100, 200, 300]);
  });

  it('never fires a cleared timer', async () => {
    const clock = new ManualClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 5);
    clock.clearTimeout(handle);
    await clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});
