import { Submit } from 'node-pdu';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/index.js';
import { ModemBank, startControlServer, type ControlServer } from '../../../src/simulator/index.js';
import { SimClient } from '../../helpers/sim-client.js';

describe('simulator control HTTP API', () => {
  let bank: ModemBank;
  let server: ControlServer;

  beforeEach(async () => {
    bank = new ModemBank({ count: 3, flavour: 'mixed', clock: new ManualClock() });
    server = await startControlServer(bank, { port: 0 });
  });

  afterEach(async () => {
    await server.close();
    bank.close();
  });

  async function call(
    method: string,
    route: string,
    body?: string,
  ): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${server.url}${route}`, {
      method,
      ...(body === undefined ? {} : { body }),
    });
    return { status: response.status, json: await response.json() };
  }

  it('listens on 127.0.0.1 and lists the modems with identities', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { status, json } = await call('GET', '/modems');
    expect(status).toBe(200);
    const modems = json as {
      index: number;
      link: string;
      imei: string;
      flavour: string;
      iccid: string;
    }[];
    expect(modems.map((m) => [m.index, m.link, m.flavour])).toEqual([
      [0, 'memory:sim0', 'sim800c'],
      [1, 'memory:sim1', 'ec25'],
      [2, 'memory:sim2', 'sim800c'],
    ]);
    expect(modems[1]?.imei).toBe(bank.modem(1).identity.imei);
  });

  it('injects an SMS that a connected client sees as +CMTI', async () => {
    const client = new SimClient(await bank.modem(0).connect());
    const { status, json } = await call(
      'POST',
      '/modems/0/sms',
      JSON.stringify({ from: '+447700900555', text: 'hi', parts: 2, outOfOrder: true }),
    );
    expect(status).toBe(201);
    expect((json as { parts: unknown[] }).parts).toHaveLength(2);
    await client.waitForText('+CMTI: "SM",2');
  });

  it('injects a raw PDU', async () => {
    const pdu = '07919730071111F1000B919746121611F10000811170021222230DC8329BFD6681EE6F399B1C02';
    const { status } = await call('POST', '/modems/1/sms', JSON.stringify({ pdu }));
    expect(status).toBe(201);
    expect(bank.modem(1).stored()[0]?.pdu).toBe(pdu);
  });

  it('lists what a modem sent', async () => {
    const client = new SimClient(await bank.modem(2).connect());
    const pdu = new Submit('+447700900123', 'out').toString();
    await client.command(`AT+CMGS=${pdu.length / 2 - 1}`);
    await client.send(`${pdu}\x1a`);
    await client.waitForText('OK');
    const { json } = await call('GET', '/modems/2/sent');
    expect(json).toEqual([
      expect.objectContaining({ to: '+447700900123', text: 'out', encoding: 'gsm7' }),
    ]);
  });

  it('injects faults', async () => {
    const { status, json } = await call(
      'POST',
      '/modems/0/fault',
      JSON.stringify({ kind: 'slow', ms: 200 }),
    );
    expect(status).toBe(200);
    expect(json).toEqual({ ok: true, fault: { kind: 'slow', ms: 200 } });
    expect((await call('POST', '/modems/0/fault', JSON.stringify({ kind: 'unplug' }))).status).toBe(
      200,
    );
    expect(bank.modem(0).plugged).toBe(false);
    expect((await call('POST', '/modems/0/fault', '{"kind":"clear"}')).status).toBe(200);
    expect(bank.modem(0).plugged).toBe(true);
  });

  it('answers bad input with clear 400/404 JSON errors', async () => {
    const cases: [string, string, string | undefined, number, string][] = [
      ['POST', '/modems/0/sms', '{not json', 400, 'simulator_invalid_request'],
      [
        'POST',
        '/modems/0/sms',
        '{"from":"+1","text":"x","colour":"red"}',
        400,
        'simulator_invalid_request',
      ],
      ['POST', '/modems/0/sms', '{"text":"x"}', 400, 'simulator_invalid_request'],
      ['POST', '/modems/0/sms', '[]', 400, 'simulator_invalid_request'],
      [
        'POST',
        '/modems/0/sms',
        '{"from":"+1","text":"x","encoding":"latin9"}',
        400,
        'simulator_invalid_request',
      ],
      ['POST', '/modems/0/sms', '{"from":"+1","text":"€uro","encoding":"gsm7"}', 201, ''],
      [
        'POST',
        '/modems/0/sms',
        '{"from":"+1","text":"Привет","encoding":"gsm7"}',
        400,
        'sms_encoding_unsupported',
      ],
      ['POST', '/modems/0/sms', '{"from":"not a number!","text":"x"}', 400, 'invalid_argument'],
      ['POST', '/modems/0/sms', '{"pdu":"XYZ"}', 400, 'simulator_invalid_request'],
      ['POST', '/modems/0/fault', '{"kind":"explode"}', 400, 'simulator_invalid_request'],
      ['POST', '/modems/0/fault', '{"kind":"slow"}', 400, 'simulator_invalid_request'],
      ['POST', '/modems/0/fault', '{"kind":"hang","ms":3}', 400, 'simulator_invalid_request'],
      ['POST', '/modems/9/sms', '{"from":"+1","text":"x"}', 404, 'simulator_unknown_modem'],
      ['GET', '/modems/abc/sent', undefined, 404, 'simulator_unknown_modem'],
      ['GET', '/nothing', undefined, 404, 'not_found'],
    ];
    for (const [method, route, body, status, code] of cases) {
      const result = await call(method, route, body);
      expect([route, body, result.status]).toEqual([route, body, status]);
      if (code) expect((result.json as { error: { code: string } }).error.code).toBe(code);
    }
    // Still serving.
    expect((await call('GET', '/modems')).status).toBe(200);
  });
});
