import { describe, expect, it } from 'vitest';
import type { ByteLink } from '../../../src/transport/index.js';
import { SimpoolError } from '../../../src/shared/index.js';
import { flushIo, lines } from '../../helpers/scripted-modem.js';
import { settle, setup } from './harness.js';

const PDU = '0011000B916407281553F80000AA0AE8329BFD4697D9EC37';

/** A link whose writes fail when they match, as a serial write error would. */
function failingWrites(link: ByteLink, fails: (text: string) => boolean): ByteLink {
  return {
    get address() {
      return link.address;
    },
    get isOpen() {
      return link.isOpen;
    },
    write: (bytes) => {
      const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
      if (fails(text)) return Promise.reject(new SimpoolError('transport_write_failed', 'EIO'));
      return link.write(bytes);
    },
    onData: (listener) => link.onData(listener),
    onDisconnect: (listener) => link.onDisconnect(listener),
    close: () => link.close(),
  };
}

describe('sendWithPrompt', () => {
  it('waits for the prompt, writes payload and Ctrl-Z, and returns +CMGS', async () => {
    const { engine, modem } = setup();
    modem.onPrompt('AT+CMGS=23', () => lines('+CMGS: 42', 'OK'));
    const response = await engine.sendWithPrompt('AT+CMGS=23', PDU);
    expect(response.lines).toEqual(['+CMGS: 42']);
    expect(modem.log).toEqual(['AT+CMGS=23', `<PAYLOAD:${PDU}>`]);
  });

  it('drops the payload echo some modems send after the prompt', async () => {
    const { engine, modem } = setup({ modem: { echoPayload: true, chunkSize: 3 } });
    modem.onPrompt('AT+CMGS=23', () => lines('+CMGS: 7', 'OK'));
    expect((await engine.sendWithPrompt('AT+CMGS=23', PDU)).lines).toEqual(['+CMGS: 7']);
  });

  it('accepts a URC while waiting for the prompt', async () => {
    const { engine, modem, urcs } = setup();
    modem.onPrompt('AT+CMGS=23', () => lines('+CMGS: 8', 'OK'), `${lines('+CMTI: "SM",4')}\r\n> `);
    expect((await engine.sendWithPrompt('AT+CMGS=23', PDU)).lines).toEqual(['+CMGS: 8']);
    expect(urcs).toMatchObject([{ type: 'stored_message', index: 4 }]);
  });

  it('rejects a +CMS ERROR that arrives instead of the prompt, with no ESC (no prompt is open)', async () => {
    const { engine, modem } = setup();
    modem.on('AT+CMGS=23', lines('+CMS ERROR: 330'));
    await expect(engine.sendWithPrompt('AT+CMGS=23', PDU)).rejects.toMatchObject({
      code: 'at_cms_error',
      details: { number: 330, name: 'smsc_unknown' },
    });
    await flushIo();
    expect(modem.log).toEqual(['AT+CMGS=23']);
  });

  it('retries a busy error instead of the prompt, but never once the payload went out', async () => {
    const { engine, modem, clock } = setup();
    modem.onPrompt('AT+CMGS=23', () => lines('+CMS ERROR: 500'));
    modem.once('AT+CMGS=23', lines('+CMS ERROR: 500'));
    const result = settle(engine.sendWithPrompt('AT+CMGS=23', PDU));
    await modem.waitFor(/CMGS/);
    await flushIo();
    await clock.advance(2_000);
    expect(await result).toMatchObject({
      ok: false,
      error: { code: 'at_cms_error', details: { number: 500 } },
    });
    await flushIo();
    // No ESC anywhere: each final result closed the prompt.
    expect(modem.log).toEqual(['AT+CMGS=23', 'AT+CMGS=23', `<PAYLOAD:${PDU}>`]);
  });

  it('resyncs with ESC first when the prompt never comes (it may come late)', async () => {
    const { engine, modem, clock, resyncs } = setup();
    modem.on('AT+CMGS=23', null);
    const result = settle(engine.sendWithPrompt('AT+CMGS=23', PDU));
    await modem.waitFor(/CMGS/);
    await flushIo();
    await clock.advance(10_000);
    expect(await result).toMatchObject({
      ok: false,
      error: { code: 'at_prompt_failed', details: { reason: 'prompt_timeout' } },
    });
    await flushIo();
    expect(modem.log).toEqual(['AT+CMGS=23', '<ESC>', 'AT']);
    expect(resyncs).toEqual([{ ok: true, attempts: 1 }]);
  });

  it('resyncs without ESC when +CMGS never comes after the payload (120 s default)', async () => {
    const { engine, modem, clock, timeouts } = setup();
    modem.onPrompt('AT+CMGS=23', () => null);
    const result = settle(engine.sendWithPrompt('AT+CMGS=23', PDU));
    await modem.waitFor(/PAYLOAD/);
    await flushIo();
    await clock.advance(119_999);
    expect(timeouts).toEqual([]);
    await clock.advance(1);
    expect(await result).toMatchObject({ ok: false, error: { code: 'at_timeout' } });
    await flushIo();
    // Ctrl-Z closed the prompt: an ESC now would only be a stray byte before the next command.
    expect(modem.log).toEqual(['AT+CMGS=23', `<PAYLOAD:${PDU}>`, 'AT']);
  });

  it('sends no ESC after a network error for the message (the final closed the prompt)', async () => {
    const { engine, modem } = setup();
    modem.onPrompt('AT+CMGS=23', () => lines('+CMS ERROR: 38'));
    await expect(engine.sendWithPrompt('AT+CMGS=23', PDU)).rejects.toMatchObject({
      code: 'at_cms_error',
      details: { name: 'network_out_of_order' },
    });
    await flushIo();
    expect(modem.log).toEqual(['AT+CMGS=23', `<PAYLOAD:${PDU}>`]);
  });

  it('fails with at_prompt_failed, sends ESC to the open prompt and resyncs when writing the payload fails', async () => {
    const { engine, modem } = setup({
      wrap: (link) => failingWrites(link, (text) => text.endsWith('\x1a')),
    });
    modem.onPrompt('AT+CMGS=23', () => lines('+CMGS: 1', 'OK'));
    await expect(engine.sendWithPrompt('AT+CMGS=23', PDU)).rejects.toMatchObject({
      code: 'at_prompt_failed',
      details: { reason: 'payload_write_failed' },
    });
    await flushIo();
    expect(modem.log).toEqual(['AT+CMGS=23', '<ESC>', 'AT']);
  });

  it('answers a prompt nobody asked for with ESC', async () => {
    const { modem, noise } = setup();
    await modem.send('\r\n> ');
    await flushIo();
    expect(noise).toEqual([{ reason: 'unexpected_prompt' }]);
    expect(modem.log).toEqual(['<ESC>']);
  });

  it('rejects a payload with control characters before sending anything', async () => {
    const { engine, modem } = setup();
    await expect(engine.sendWithPrompt('AT+CMGS=1', 'AB\x1aCD')).rejects.toMatchObject({
      code: 'at_invalid_command',
    });
    expect(modem.log).toEqual([]);
  });
});
