/**
 * Answers bound to their own commands: call results that arrive unsolicited (a caller hanging
 * up) never end another command, a late answer is recognised as such (by the echo, or by what
 * it is) and makes the engine resync, and an abort never leaves a stray ESC before the next
 * command.
 */
import { describe, expect, it } from 'vitest';
import type { AtDesyncEvent } from '../../../src/at/index.js';
import { flushIo, lines } from '../../helpers/scripted-modem.js';
import { settle, setup } from './harness.js';

const PDU = '0011000B916407281553F80000AA0AE8329BFD4697D9EC37';
const SLOT_1 = '07914477790706520411D0D4F29C0E0A9E81000062403141000000054D35D82D06';
const SLOT_2 = '07914477790706520411D0D4F29C0E0A9E81000062403141000000054D35D82D07';

describe('call results are URCs except for call commands', () => {
  it('keeps +CMGS: 179 when NO CARRIER lands between it and OK', async () => {
    const { engine, modem, urcs } = setup();
    modem.onPrompt('AT+CMGS=23', () => lines('+CMGS: 179', 'NO CARRIER', 'OK'));
    const answer = await engine.sendWithPrompt('AT+CMGS=23', PDU);
    expect(answer.lines).toEqual(['+CMGS: 179']);
    expect(answer.final.line).toBe('OK');
    expect(urcs.map((urc) => urc.name)).toEqual(['NO CARRIER']);
  });

  it('does not end AT+CMGD on NO CARRIER, so the next read gets its own slot', async () => {
    const { engine, modem, urcs } = setup();
    // The caller hangs up while the modem deletes; its OK comes a moment later.
    modem.on('AT+CMGD=59', lines('NO CARRIER'));
    modem.on('AT+CMGR=1', lines('+CMGR: 0,,30', SLOT_1, 'OK'));
    modem.on('AT+CMGR=2', lines('+CMGR: 0,,30', SLOT_2, 'OK'));
    const deleted = settle(engine.send('AT+CMGD=59'));
    const first = engine.send('AT+CMGR=1');
    const second = engine.send('AT+CMGR=2');
    await modem.waitFor(/CMGD/);
    await flushIo();
    expect(modem.commands).toEqual(['AT+CMGD=59']);
    await modem.send(lines('OK'));
    expect(await deleted).toMatchObject({ ok: true, value: { lines: [] } });
    expect((await first).lines).toEqual(['+CMGR: 0,,30', SLOT_1]);
    expect((await second).lines).toEqual(['+CMGR: 0,,30', SLOT_2]);
    expect(urcs.map((urc) => urc.name)).toEqual(['NO CARRIER']);
  });

  it('keeps a listing whole when NO CARRIER lands between its entries', async () => {
    const { engine, modem, urcs } = setup();
    modem.on(
      'AT+CMGL=4',
      lines('+CMGL: 1,0,,30', SLOT_1, 'RING', 'NO CARRIER', '+CMGL: 2,0,,30', SLOT_2, 'OK'),
    );
    const listing = await engine.send('AT+CMGL=4');
    expect(listing.lines).toEqual(['+CMGL: 1,0,,30', SLOT_1, '+CMGL: 2,0,,30', SLOT_2]);
    expect(urcs.map((urc) => urc.name)).toEqual(['RING', 'NO CARRIER']);
  });

  it.each(['BUSY', 'NO ANSWER', 'NO DIALTONE', 'NO CARRIER'])(
    'takes %s as the final result of a dial, and as a URC during a health poll',
    async (result) => {
      const { engine, modem, urcs } = setup();
      modem.on('ATD+447700900123;', lines(result));
      modem.on('AT+CSQ', lines('+CSQ: 20,99', result, 'OK'));
      await expect(engine.send('ATD+447700900123;')).rejects.toMatchObject({
        code: 'at_error',
        details: { final: result },
      });
      expect((await engine.send('AT+CSQ')).lines).toEqual(['+CSQ: 20,99']);
      expect(urcs.map((urc) => urc.name)).toEqual([result]);
    },
  );

  it('lets ATH end with NO CARRIER (hanging up a call that was answered)', async () => {
    const { engine, modem } = setup();
    modem.on('ATH', lines('NO CARRIER'));
    await expect(engine.send('ATH')).rejects.toMatchObject({ details: { final: 'NO CARRIER' } });
  });
});

describe('a late answer gives the desync away', () => {
  it('with echo on, drops lines before the echo, keeps its own answer and resyncs', async () => {
    const { engine, modem, resyncs } = setup();
    const desyncs: AtDesyncEvent[] = [];
    engine.on('desync', (event) => desyncs.push(event));
    modem.on('AT+CSQ', lines('+CSQ: 20,99', 'OK'));
    await engine.send('AT+CSQ'); // the engine sees an echo: echo is on
    const epoch = engine.syncEpoch;
    // Slot 1's answer, late, then the echo of AT+CMGR=2 and its own answer.
    modem.echo = false;
    modem.on(
      'AT+CMGR=2',
      `${lines('+CMGR: 0,,30', SLOT_1, 'OK')}AT+CMGR=2\r${lines('+CMGR: 0,,30', SLOT_2, 'OK')}`,
    );
    const read = await engine.send('AT+CMGR=2');
    expect(read.lines).toEqual(['+CMGR: 0,,30', SLOT_2]);
    expect(desyncs.map((event) => event.reason)).toEqual([
      'before_echo',
      'before_echo',
      'before_echo',
    ]);
    expect(desyncs[0]).toMatchObject({ line: '+CMGR: 0,,30', command: 'AT+CMGR=2' });
    expect(engine.syncEpoch).toBeGreaterThan(epoch);
    // A resync runs before the next command.
    modem.echo = true;
    await engine.send('AT+CSQ');
    expect(modem.commands.slice(-2)).toEqual(['AT', 'AT+CSQ']);
    expect(resyncs).toEqual([{ ok: true, attempts: 1 }]);
  });

  it('with echo off, fails a delete that receives a read answer with at_desync', async () => {
    const { engine, modem } = setup({ modem: { echo: false } });
    const desyncs: AtDesyncEvent[] = [];
    engine.on('desync', (event) => desyncs.push(event));
    modem.on('AT+CMGD=2', lines('+CMGR: 0,,30', SLOT_1, 'OK'));
    await expect(engine.send('AT+CMGD=2')).rejects.toMatchObject({
      code: 'at_desync',
      details: { command: 'AT+CMGD=2' },
    });
    expect(desyncs.map((event) => event.reason)).toEqual(['foreign_answer', 'foreign_pdu']);
    await engine.send('AT');
    expect(modem.commands).toEqual(['AT+CMGD=2', 'AT', 'AT']);
  });

  it('with echo off, takes a foreign +CMGS for no send of its own', async () => {
    const { engine, modem } = setup({ modem: { echo: false } });
    modem.on('AT+CPMS="SM"', lines('+CMGS: 116', '+CPMS: 1,30,1,30,1,30', 'OK'));
    await expect(engine.send('AT+CPMS="SM"')).rejects.toMatchObject({ code: 'at_desync' });
  });

  it('counts a final result that nobody waits for as a desync (a new sync epoch)', async () => {
    const { engine, modem } = setup();
    const epoch = engine.syncEpoch;
    await modem.send(lines('OK'));
    await flushIo();
    expect(engine.syncEpoch).toBe(epoch + 1);
    await engine.send('AT+CSQ').catch(() => undefined);
    expect(modem.commands[0]).toBe('AT'); // resync first
  });

  it('leaves unknown vendor lines alone: noise, not a desync', async () => {
    const { engine, modem, noise } = setup();
    modem.on('AT+CMGD=3', lines('*PSUTTZ: 2026,12,7,13,0,0,"+0",0', 'OK'));
    const epoch = engine.syncEpoch;
    expect((await engine.send('AT+CMGD=3')).lines).toEqual([]);
    expect(engine.syncEpoch).toBe(epoch);
    expect(noise).toContainEqual({
      reason: 'unsolicited',
      line: '*PSUTTZ: 2026,12,7,13,0,0,"+0",0',
    });
  });
});

describe('ESC only while a prompt is open', () => {
  it('sends no ESC after +CMS ERROR, so the next AT+CMGS is not glued to one', async () => {
    const { engine, modem } = setup({ modem: { escGlues: true } });
    modem.onPrompt('AT+CMGS=23', () => lines('+CMS ERROR: 304'), '\r\n> ', 1);
    await expect(engine.sendWithPrompt('AT+CMGS=23', PDU)).rejects.toMatchObject({
      code: 'at_cms_error',
    });
    modem.onPrompt('AT+CMGS=23', () => lines('+CMGS: 12', 'OK'));
    expect((await engine.sendWithPrompt('AT+CMGS=23', PDU)).lines).toEqual(['+CMGS: 12']);
    expect(modem.log.filter((entry) => entry === '<ESC>')).toEqual([]);
  });

  it('after an abort in the prompt, resyncs so the next command starts on a clean line', async () => {
    const { engine, modem, clock } = setup({ modem: { escGlues: true } });
    // The prompt comes, but too late: the engine has given up and answers it with ESC.
    modem.on('AT+CMGS=23', null);
    modem.on('AT+CSQ', lines('+CSQ: 20,99', 'OK'));
    const send = settle(engine.sendWithPrompt('AT+CMGS=23', PDU));
    await modem.waitFor(/CMGS/);
    await flushIo();
    await clock.advance(10_000);
    expect(await send).toMatchObject({ ok: false, error: { code: 'at_prompt_failed' } });
    const next = engine.send('AT+CSQ');
    for (let i = 0; i < 5; i++) {
      await flushIo();
      await clock.advance(1_000);
    }
    expect((await next).lines).toEqual(['+CSQ: 20,99']);
    // The ESC glued to the first probe (ERROR, still a final); the second starts clean.
    expect(modem.commands.at(-1)).toBe('AT+CSQ');
  });
});
