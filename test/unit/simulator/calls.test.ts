import { describe, expect, it } from 'vitest';
import { ManualClock, isSimpoolError } from '../../../src/shared/index.js';
import { ModemBank, startControlServer } from '../../../src/simulator/index.js';
import { connectedModem } from '../../helpers/sim-harness.js';

const RING_MS = 1000;

describe('simulated modem incoming calls', () => {
  it('rings every interval, +CLIP after AT+CLIP=1, then NO CARRIER when the caller gives up', async () => {
    const { client, modem, clock } = await connectedModem({ timing: { ringIntervalMs: RING_MS } });
    await client.command('ATE0');
    expect(await client.command('AT+CLIP=1')).toBe('\r\nOK\r\n');
    expect(await client.command('AT+CLIP?')).toBe('\r\n+CLIP: 1,1\r\n\r\nOK\r\n');
    modem.incomingCall({ from: '+447700900123', rings: 2, hangupAfterMs: 500 });
    await client.waitForText('+CLIP');
    expect(client.take()).toBe('\r\nRING\r\n\r\n+CLIP: "+447700900123",145,"",0,"",0\r\n');
    await clock.advance(RING_MS - 1);
    expect(await client.quietFor()).toBe('');
    await clock.advance(1);
    await client.waitForText('+CLIP');
    expect(client.take()).toBe('\r\nRING\r\n\r\n+CLIP: "+447700900123",145,"",0,"",0\r\n');
    await clock.advance(500);
    await client.waitForText('NO CARRIER');
    expect(client.take()).toBe('\r\nNO CARRIER\r\n');
    expect(modem.activeCall).toBeUndefined();
    expect(modem.calls).toEqual([
      expect.objectContaining({ from: '+447700900123', rings: 2, endedBy: 'caller_hung_up' }),
    ]);
    await clock.advance(10 * RING_MS);
    expect(await client.quietFor()).toBe('');
  });

  it('without AT+CLIP=1 only RING; national numbers get type 129; AT+CRC=1 rings as +CRING', async () => {
    const { client, modem, clock } = await connectedModem({ timing: { ringIntervalMs: RING_MS } });
    await client.command('ATE0');
    modem.incomingCall({ from: '07700900123', rings: 1 });
    await client.waitForText('RING');
    expect(await client.quietFor()).toBe('\r\nRING\r\n');
    await clock.advance(RING_MS);
    await client.waitForText('NO CARRIER');
    client.take();
    await client.command('AT+CLIP=1;+CRC=1');
    modem.incomingCall({ from: '07700900123', rings: 1 });
    await client.waitForText('+CLIP');
    expect(client.take()).toBe('\r\n+CRING: VOICE\r\n\r\n+CLIP: "07700900123",129,"",0,"",0\r\n');
  });

  it('ATH ends a ringing call with OK and no NO CARRIER ever follows', async () => {
    const { client, modem, clock } = await connectedModem({ timing: { ringIntervalMs: RING_MS } });
    await client.command('ATE0');
    modem.incomingCall({ from: '+447700900123', rings: 5 });
    await client.waitForText('RING');
    expect(await client.command('ATH')).toBe('\r\nOK\r\n');
    await clock.advance(20 * RING_MS);
    expect(await client.quietFor()).toBe('');
    expect(modem.calls[0]).toMatchObject({ rings: 1, endedBy: 'host_hung_up' });
    // A second call is possible once the line is free; ATH0 is ATH.
    modem.incomingCall({ from: '+447700900124' });
    await client.waitForText('RING');
    expect(await client.command('ATH0')).toBe('\r\nOK\r\n');
    expect(modem.activeCall).toBeUndefined();
  });

  it('ATA answers (no more RINGs); the caller hangs up after talking: NO CARRIER', async () => {
    const { client, modem, clock } = await connectedModem({ timing: { ringIntervalMs: RING_MS } });
    await client.command('ATE0');
    // SimClient.command waits for OK/ERROR only: ATA's NO CARRIER is awaited by hand.
    await client.send('ATA\r');
    await client.waitForText('NO CARRIER');
    expect(client.take()).toBe('\r\nNO CARRIER\r\n');
    modem.incomingCall({ from: '+447700900123', rings: 5, talkMs: 3000 });
    await client.waitForText('RING');
    expect(await client.command('ATA')).toBe('\r\nOK\r\n');
    await clock.advance(2999);
    expect(await client.quietFor()).toBe('');
    await clock.advance(1);
    await client.waitForText('NO CARRIER');
    expect(client.take()).toBe('\r\nNO CARRIER\r\n');
    expect(modem.calls[0]).toMatchObject({ answered: true, endedBy: 'caller_hung_up' });
  });

  it('refuses a second call while one rings, bad numbers, and calls to a modem off the network', async () => {
    const { modem } = await connectedModem();
    modem.incomingCall({ from: '+447700900123' });
    const refused = (fn: () => unknown): boolean => {
      try {
        fn();
        return false;
      } catch (error) {
        return isSimpoolError(error, 'simulator_invalid_request');
      }
    };
    expect(refused(() => modem.incomingCall({ from: '+447700900124' }))).toBe(true);
    expect(refused(() => modem.incomingCall({ from: 'Bank' }))).toBe(true);
    modem.fault({ kind: 'reset' });
    expect(modem.activeCall).toBeUndefined();
    expect(modem.calls[0]?.endedBy).toBe('power_lost');
    modem.fault({ kind: 'no_network' });
    expect(refused(() => modem.incomingCall({ from: '+447700900123' }))).toBe(true);
  });

  it('call noise puts RING and NO CARRIER between a response line and its OK', async () => {
    const { client, modem, clock } = await connectedModem({
      seed: 7,
      timing: { ringIntervalMs: RING_MS },
      callNoise: { meanIntervalMs: 2000, maxRings: 1, insideResponses: 1 },
    });
    await client.command('ATE0');
    await client.command('AT+CLIP=1');
    let inside = 0;
    for (let i = 0; i < 40 && inside < 2; i++) {
      await clock.advance(500);
      const answer = await client.command('AT+CSQ');
      // The call lines sit between the +CSQ line and its OK.
      if (
        /^\r\n\+CSQ: [^\r]*\r\n(\r\n(RING|\+CLIP: [^\r]*|NO CARRIER)\r\n)+\r\nOK\r\n$/.test(answer)
      ) {
        inside++;
      }
    }
    expect(inside).toBe(2);
    expect(modem.calls.length).toBeGreaterThan(0);
    modem.setCallNoise(undefined);
    await clock.advance(10_000);
    const quiet = modem.calls.length;
    await clock.advance(60_000);
    expect(modem.calls.length).toBe(quiet);
  });
});

describe('simulator control API: calls', () => {
  it('POST /modems/{i}/call rings the modem; bad bodies are 400 and ring nothing', async () => {
    const bank = new ModemBank({ count: 1, clock: new ManualClock() });
    const server = await startControlServer(bank, { port: 0 });
    try {
      const post = async (route: string, body: unknown) => {
        const response = await fetch(`${server.url}${route}`, {
          method: 'POST',
          body: JSON.stringify(body),
        });
        return {
          status: response.status,
          json: (await response.json()) as Record<string, unknown>,
        };
      };
      for (const bad of [
        {},
        { from: 'Bank' },
        { from: '+447700900123', rings: 0 },
        { from: '+447700900123', x: 1 },
      ]) {
        const refused = await post('/modems/0/call', bad);
        expect(refused.status).toBe(400);
        expect(refused.json.error).toMatchObject({ code: 'simulator_invalid_request' });
      }
      expect(bank.modem(0).calls).toHaveLength(0);
      const rang = await post('/modems/0/call', { from: '+447700900123', rings: 2 });
      expect(rang.status).toBe(201);
      expect(rang.json).toMatchObject({ from: '+447700900123', rings: 1, endedBy: null });
      expect((await post('/modems/0/call', { from: '+447700900124' })).status).toBe(400);
      expect((await post('/modems/5/call', { from: '+447700900124' })).status).toBe(404);
      const listed = await fetch(`${server.url}/modems/0/calls`);
      expect(await listed.json()).toEqual([expect.objectContaining({ from: '+447700900123' })]);
      const modem = (await (await fetch(`${server.url}/modems/0`)).json()) as { call: unknown };
      expect(modem.call).toMatchObject({ from: '+447700900123' });

      expect((await post('/modems/0/call-noise', { meanIntervalMs: 0 })).status).toBe(400);
      expect(
        (await post('/modems/0/call-noise', { meanIntervalMs: 10, insideResponses: 2 })).status,
      ).toBe(400);
      const noisy = await post('/modems/0/call-noise', { meanIntervalMs: 5000, maxRings: 2 });
      expect(noisy.json).toEqual({ ok: true, callNoise: { meanIntervalMs: 5000, maxRings: 2 } });
      const off = await fetch(`${server.url}/modems/0/call-noise`, { method: 'DELETE' });
      expect(await off.json()).toEqual({ ok: true, callNoise: null });
    } finally {
      await server.close();
      bank.close();
    }
  });
});
