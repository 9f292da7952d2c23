import { describe, expect, it } from 'vitest';
import {
  AtPriority,
  isAtTimeout,
  isCmeError,
  wavecomProfile,
  huaweiProfile,
} from '../../../src/at/index.js';
import { flushIo, lines } from '../../helpers/scripted-modem.js';
import { settle, setup } from './harness.js';

describe('AtEngine basics', () => {
  it('answers a command with its body lines, echo removed', async () => {
    const { engine, modem } = setup();
    modem.on('AT+CGSN', lines('867530012345678', 'OK'));
    const response = await engine.send('AT+CGSN');
    expect(response).toEqual({
      command: 'AT+CGSN',
      lines: ['867530012345678'],
      final: { kind: 'ok', line: 'OK' },
    });
  });

  it('recognises an echo with line noise glued before it', async () => {
    const { engine, modem } = setup({ modem: { echo: false } });
    modem.on('AT+CGSN', 'x#q@AT+CGSN\r\r\n867530012345678\r\n\r\nOK\r\n');
    expect((await engine.send('AT+CGSN')).lines).toEqual(['867530012345678']);
  });

  it('works with echo off and after switching echo mid-session', async () => {
    const { engine, modem } = setup({ modem: { echo: false } });
    modem.on('AT+CSQ', lines('+CSQ: 21,99', 'OK'));
    expect((await engine.send('AT+CSQ')).lines).toEqual(['+CSQ: 21,99']);
    await engine.send('ATE1');
    expect((await engine.send('AT+CSQ')).lines).toEqual(['+CSQ: 21,99']);
    await engine.send('ATE0');
    expect((await engine.send('AT+CSQ')).lines).toEqual(['+CSQ: 21,99']);
    expect(modem.commands).toEqual(['AT+CSQ', 'ATE1', 'AT+CSQ', 'ATE0', 'AT+CSQ']);
  });

  it('ends a chained command on its one final result', async () => {
    const { engine, modem, urcs } = setup();
    modem.on('AT+CMEE=1;+CREG?', lines('+CREG: 0,1', 'OK'));
    const response = await engine.send('AT+CMEE=1;+CREG?');
    expect(response.lines).toEqual(['+CREG: 0,1']);
    expect(urcs).toEqual([]);
  });

  it('survives answers delivered one byte at a time', async () => {
    const { engine, modem } = setup({ modem: { chunkSize: 1 } });
    modem.on('AT+CPMS?', lines('+CPMS: "SM",3,30,"SM",3,30,"SM",3,30', 'OK'));
    expect((await engine.send('AT+CPMS?')).lines).toEqual(['+CPMS: "SM",3,30,"SM",3,30,"SM",3,30']);
  });

  it('does not let garbage bytes between lines break attribution', async () => {
    const { engine, modem, noise } = setup();
    modem.on('AT+CSQ', `\x00\x00\xff${lines('+CSQ: 20,99')}\x00\xfe\x80${lines('OK')}`);
    expect((await engine.send('AT+CSQ')).lines).toEqual(['+CSQ: 20,99']);
    expect(noise.filter((n) => n.reason === 'binary')).toHaveLength(2);
  });

  it('rejects commands that would break the framing', async () => {
    const { engine } = setup();
    await expect(engine.send('AT+CSQ\r\nAT')).rejects.toMatchObject({ code: 'at_invalid_command' });
    await expect(engine.send('CSQ')).rejects.toMatchObject({ code: 'at_invalid_command' });
  });

  it('emits a line that arrives with nothing pending as unsolicited noise', async () => {
    const { modem, noise } = setup();
    await modem.send(lines('OK', 'stray text'));
    await flushIo();
    expect(noise).toEqual([
      { reason: 'unsolicited', line: 'OK' },
      { reason: 'unsolicited', line: 'stray text' },
    ]);
  });
});

describe('AtEngine errors', () => {
  it('rejects ERROR with at_error and CME/CMS errors with their number and name', async () => {
    const { engine, modem } = setup();
    modem.on('AT+X', lines('ERROR'));
    modem.on('AT+CPIN?', lines('+CME ERROR: 10'));
    modem.on('AT+CMGR=9', lines('+CMS ERROR: 321'));
    await expect(engine.send('AT+X')).rejects.toMatchObject({
      code: 'at_error',
      details: { command: 'AT+X', final: 'ERROR' },
    });
    const cme = await settle(engine.send('AT+CPIN?'));
    expect(!cme.ok && isCmeError(cme.error, 10)).toBe(true);
    expect(cme.ok ? null : cme.error).toMatchObject({
      details: { number: 10, name: 'sim_not_inserted' },
    });
    await expect(engine.send('AT+CMGR=9')).rejects.toMatchObject({
      code: 'at_cms_error',
      details: { number: 321, name: 'invalid_index' },
    });
  });

  it('treats Huawei COMMAND NOT SUPPORT and a profile’s extra finals as errors', async () => {
    const { engine, modem } = setup({ engine: { profile: huaweiProfile } });
    modem.on('AT^FOO', lines('COMMAND NOT SUPPORT'));
    modem.on('AT^BAR=1,2,3', lines('TOO MANY PARAMETERS'));
    await expect(engine.send('AT^FOO')).rejects.toMatchObject({ code: 'at_error' });
    await expect(engine.send('AT^BAR=1,2,3')).rejects.toMatchObject({
      code: 'at_error',
      details: { final: 'TOO MANY PARAMETERS' },
    });
  });

  it('completes +CPIN? without OK on a Wavecom profile', async () => {
    const { engine, modem } = setup({ engine: { profile: wavecomProfile } });
    modem.on('AT+CPIN?', lines('+CPIN: READY'));
    expect((await engine.send('AT+CPIN?')).lines).toEqual(['+CPIN: READY']);
  });
});

describe('AtEngine queue', () => {
  it('keeps one command in flight and runs higher priority first', async () => {
    const { engine, modem } = setup();
    modem.once('AT+FIRST', null);
    modem.on(/^AT\+(LOW|HIGH)$/, lines('OK'));
    const first = engine.send('AT+FIRST');
    await modem.waitFor(/^AT\+FIRST$/);
    const low = engine.send('AT+LOW', { priority: AtPriority.background });
    const high = engine.send('AT+HIGH', { priority: AtPriority.high });
    await flushIo();
    expect(modem.commands).toEqual(['AT+FIRST']);
    expect(engine.queueLength).toBe(2);
    await modem.send(lines('OK'));
    await Promise.all([first, low, high]);
    expect(modem.commands).toEqual(['AT+FIRST', 'AT+HIGH', 'AT+LOW']);
  });

  it('orders commands issued in the same tick by priority', async () => {
    const { engine, modem } = setup();
    modem.on(/^AT\+[ABC]$/, lines('OK'));
    await Promise.all([
      engine.send('AT+A', { priority: 0 }),
      engine.send('AT+B', { priority: 5 }),
      engine.send('AT+C', { priority: 0 }),
    ]);
    expect(modem.commands).toEqual(['AT+B', 'AT+A', 'AT+C']);
  });
});

describe('AtEngine timeout and resync', () => {
  it('rejects with the partial lines, resyncs with AT (no stray ESC), then runs the next command', async () => {
    const { engine, modem, clock, timeouts, resyncs } = setup();
    modem.on('AT+CMGL=4', lines('+CMGL: 1,0,,23', '0791AABB'));
    modem.on('AT+CSQ', lines('+CSQ: 20,99', 'OK'));
    const list = settle(engine.send('AT+CMGL=4'));
    const next = engine.send('AT+CSQ');
    await modem.waitFor(/^AT\+CMGL=4$/);
    await flushIo();
    await clock.advance(9_999);
    expect(modem.commands).toEqual(['AT+CMGL=4']);
    await clock.advance(1);
    const result = await list;
    expect(result.ok).toBe(false);
    const error = result.ok ? undefined : result.error;
    expect(isAtTimeout(error)).toBe(true);
    expect(error).toMatchObject({
      details: { command: 'AT+CMGL=4', partialLines: ['+CMGL: 1,0,,23', '0791AABB'] },
    });
    expect((await next).lines).toEqual(['+CSQ: 20,99']);
    expect(modem.log).toEqual(['AT+CMGL=4', 'AT', 'AT+CSQ']);
    expect(timeouts).toEqual([
      {
        command: 'AT+CMGL=4',
        phase: 'awaiting_final',
        timeoutMs: 10_000,
        partialLines: ['+CMGL: 1,0,,23', '0791AABB'],
      },
    ]);
    expect(resyncs).toEqual([{ ok: true, attempts: 1 }]);
  });

  it('starts the timer only once the write resolved and honours a per-call timeout', async () => {
    const { engine, modem, clock } = setup();
    modem.on('AT+COPS=?', null);
    const scan = settle(engine.send('AT+COPS=?', { timeoutMs: 500 }));
    await modem.waitFor(/COPS/);
    await clock.advance(499);
    await flushIo();
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1);
    expect(await scan).toMatchObject({
      ok: false,
      error: { code: 'at_timeout', details: { timeoutMs: 500 } },
    });
  });

  it('gives up resync after a bounded number of AT probes and says so', async () => {
    const { engine, modem, clock, resyncs } = setup({
      engine: { resyncAttempts: 3, resyncTimeoutMs: 1_000 },
    });
    modem.on('AT', null);
    modem.on('AT+CSQ', null);
    const sent = settle(engine.send('AT+CSQ'));
    await modem.waitFor(/^AT\+CSQ$/);
    await clock.advance(10_000);
    expect(await sent).toMatchObject({ ok: false });
    for (let i = 0; i < 3; i++) {
      await flushIo();
      await clock.advance(1_000);
    }
    await flushIo();
    expect(resyncs).toEqual([{ ok: false, attempts: 3 }]);
    // ESC only once the modem did not answer (it might sit in a prompt).
    expect(modem.log).toEqual(['AT+CSQ', 'AT', '<ESC>', 'AT', '<ESC>', 'AT']);
  });

  it('does not take a late OK of the timed-out command for the answer to its resync AT', async () => {
    const { engine, modem, clock, resyncs } = setup({ engine: { resyncQuietMs: 200 } });
    modem.on('AT+CSQ', null);
    // The first resync AT is answered twice: once by the stale OK of AT+CSQ, once for itself.
    modem.once('AT', lines('OK', '+CSQ: 20,99', 'OK'));
    const sent = settle(engine.send('AT+CSQ'));
    await modem.waitFor(/^AT\+CSQ$/);
    await clock.advance(10_000);
    expect(await sent).toMatchObject({ ok: false, error: { code: 'at_timeout' } });
    for (let i = 0; i < 5 && resyncs.length === 0; i++) {
      await flushIo();
      await clock.advance(200);
    }
    expect(resyncs).toEqual([{ ok: true, attempts: 2 }]);
    expect(modem.log).toEqual(['AT+CSQ', 'AT', '<ESC>', 'AT']);
  });

  it('runs a resync on request ahead of queued commands', async () => {
    const { engine, modem } = setup();
    modem.on('AT+CSQ', lines('OK'));
    const both = Promise.all([engine.send('AT+CSQ'), engine.resync()]);
    expect((await both)[1]).toBe(true);
    expect(modem.log).toEqual(['<ESC>', 'AT', 'AT+CSQ']);
  });
});

describe('AtEngine busy retry', () => {
  it('retries SIM busy after a clock-based pause', async () => {
    const { engine, modem, clock } = setup({ engine: { busyRetryDelayMs: 2_000 } });
    modem.on('AT+CPMS?', lines('+CPMS: "SM",0,30', 'OK'));
    modem.once('AT+CPMS?', lines('+CME ERROR: 14'));
    const result = settle(engine.send('AT+CPMS?'));
    await modem.waitFor(/CPMS/);
    await flushIo();
    expect(modem.commands).toEqual(['AT+CPMS?']);
    await clock.advance(2_000);
    expect(await result).toMatchObject({ ok: true, value: { lines: ['+CPMS: "SM",0,30'] } });
    expect(modem.commands).toEqual(['AT+CPMS?', 'AT+CPMS?']);
  });

  it('gives up after the bounded number of busy retries', async () => {
    const { engine, modem, clock } = setup();
    modem.on('AT+CMGL=4', lines('+CMS ERROR: 500'));
    const result = settle(engine.send('AT+CMGL=4', { busyRetries: 2 }));
    for (let i = 0; i < 3; i++) {
      await flushIo();
      await clock.advance(2_000);
    }
    expect(await result).toMatchObject({
      ok: false,
      error: { code: 'at_cms_error', details: { number: 500 } },
    });
    expect(modem.commands).toEqual(['AT+CMGL=4', 'AT+CMGL=4', 'AT+CMGL=4']);
  });
});

describe('AtEngine closing', () => {
  it('rejects the pending and queued commands when the link disconnects', async () => {
    const { engine, modem } = setup();
    const disconnects: string[] = [];
    engine.on('disconnect', (event) => disconnects.push(event.reason));
    modem.on('AT+CSQ', null);
    const pending = settle(engine.send('AT+CSQ'));
    const queued = settle(engine.send('AT+CREG?'));
    await modem.waitFor(/CSQ/);
    await modem.link.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'at_engine_closed' } });
    expect(await queued).toMatchObject({ ok: false, error: { code: 'at_engine_closed' } });
    expect(disconnects).toEqual(['remote_closed']);
    expect(engine.isClosed).toBe(true);
    await expect(engine.send('AT')).rejects.toMatchObject({ code: 'at_engine_closed' });
  });

  it('rejects everything and closes the link on close()', async () => {
    const { engine, modem } = setup();
    modem.on('AT+CSQ', null);
    const pending = settle(engine.send('AT+CSQ'));
    await modem.waitFor(/CSQ/);
    await engine.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'at_engine_closed' } });
    await flushIo();
    expect(modem.link.isOpen).toBe(false);
  });

  it('rejects a busy retry waiting for its pause when the engine closes', async () => {
    const { engine, modem } = setup();
    modem.on('AT+CPMS?', lines('+CME ERROR: 14'));
    const result = settle(engine.send('AT+CPMS?'));
    await modem.waitFor(/CPMS/);
    await flushIo();
    await engine.close();
    expect(await result).toMatchObject({ ok: false, error: { code: 'at_engine_closed' } });
  });
});
