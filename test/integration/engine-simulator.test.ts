import { afterEach, describe, expect, it } from 'vitest';
import { AtEngine, type AtUrc, type StoredMessageUrc } from '../../src/at/index.js';
import { ManualClock, type Clock } from '../../src/shared/index.js';
import { SimulatedModem, type FlavourName } from '../../src/simulator/index.js';
import { decodePdu, encodeSubmit } from '../../src/sms/index.js';
import { whileAdvancing } from '../helpers/advance.js';

/**
 * Our AT engine and SMS codec against the simulated modem: two independent implementations of
 * the same protocol, so a shared misunderstanding cannot hide. Output is fragmented by the
 * simulator (random chunk sizes) to prove the engine does not depend on write boundaries.
 */
const flavours: FlavourName[] = ['sim800c', 'ec25'];
const engines: AtEngine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

async function connect(
  flavour: FlavourName,
  clock: Clock,
): Promise<{ modem: SimulatedModem; engine: AtEngine; urcs: AtUrc[] }> {
  const modem = new SimulatedModem({ flavour, clock, seed: 7, maxChunk: 5 });
  const engine = new AtEngine(await modem.connect(), { clock });
  engines.push(engine);
  const urcs: AtUrc[] = [];
  engine.on('urc', (urc) => urcs.push(urc));
  return { modem, engine, urcs };
}

function nextStoredMessage(engine: AtEngine, name: '+CMTI' | '+CDSI'): Promise<StoredMessageUrc> {
  return new Promise((resolve) => {
    const listener = (urc: AtUrc): void => {
      if (urc.type === 'stored_message' && urc.name === name) {
        engine.off('urc', listener);
        resolve(urc);
      }
    };
    engine.on('urc', listener);
  });
}

/** The PDU line of an `AT+CMGR` answer: the body line after the `+CMGR:` header. */
function pduOf(lines: readonly string[]): string {
  const header = lines.findIndex((line) => line.startsWith('+CMGR:'));
  const pdu = lines[header + 1];
  if (header < 0 || pdu === undefined) throw new Error(`no PDU in ${JSON.stringify(lines)}`);
  return pdu;
}

describe.each(flavours)('AT engine and codec against a simulated %s', (flavour) => {
  it('runs the init and identity sequence and reads the identity the modem holds', async () => {
    const { modem, engine } = await connect(flavour, new ManualClock());
    await engine.send('AT');
    await engine.send('ATE0');
    await engine.send('AT+CMEE=1');
    const manufacturer = await engine.send('AT+CGMI');
    const imei = await engine.send('AT+CGSN');
    const imsi = await engine.send('AT+CIMI');
    const iccid = await engine.send(flavour === 'ec25' ? 'AT+QCCID' : 'AT+CCID');
    const crsm = await engine.send('AT+CRSM=176,12258,0,0,10');
    await engine.send('AT+CMGF=0');
    const storage = await engine.send('AT+CPMS="SM","SM","SM"');
    await engine.send('AT+CNMI=2,1,0,2,0');

    expect(manufacturer.lines[0]).toMatch(flavour === 'ec25' ? /Quectel/i : /SIMCOM/i);
    expect(imei.lines).toEqual([modem.identity.imei]);
    expect(imsi.lines).toEqual([modem.identity.imsi]);
    expect(iccid.lines.join(' ')).toContain(modem.identity.iccid);
    expect(crsm.lines[0]).toMatch(/^\+CRSM: 144,0,"[0-9A-F]{20}"$/);
    expect(storage.lines[0]).toMatch(/^\+CPMS: \d+,(30|50),\d+,(30|50),\d+,(30|50)$/);
  });

  it('reads an SMS announced by +CMTI with AT+CMGR and deletes exactly that index', async () => {
    const { modem, engine } = await connect(flavour, new ManualClock());
    await engine.send('AT+CMGF=0');
    await engine.send('AT+CNMI=2,1,0,2,0');
    const announced = nextStoredMessage(engine, '+CMTI');
    modem.injectSms({ from: '+447700900123', text: 'Your Telegram code is 58213 {ok}' });
    const cmti = await announced;

    const read = await engine.send(`AT+CMGR=${cmti.index}`);
    const decoded = decodePdu(pduOf(read.lines));
    expect(decoded.type).toBe('deliver');
    if (decoded.type !== 'deliver') return;
    expect(decoded.sender.value).toBe('+447700900123');
    expect(decoded.text).toBe('Your Telegram code is 58213 {ok}');

    expect(modem.stored()).toHaveLength(1);
    await engine.send(`AT+CMGD=${cmti.index}`);
    expect(modem.stored()).toHaveLength(0);
  });

  it('sends a two-part SMS through the prompt and matches the status reports by reference', async () => {
    const clock = new ManualClock();
    const { modem, engine, urcs } = await connect(flavour, clock);
    await engine.send('AT+CMGF=0');
    await engine.send('AT+CNMI=2,1,0,2,0');
    const text = `${'Ünïcode 🙂 '.repeat(8)}end`;
    const parts = encodeSubmit({
      to: '+447700900999',
      text,
      requestStatusReport: true,
      reference: 42,
    });
    expect(parts).toHaveLength(2);

    const references: number[] = [];
    for (const part of parts) {
      const answer = await whileAdvancing(
        clock,
        engine.sendWithPrompt(`AT+CMGS=${part.tpduLength}`, part.pduHex),
      );
      const match = /^\+CMGS: (\d+)$/.exec(answer.lines[0] ?? '');
      expect(match).not.toBeNull();
      references.push(Number(match![1]));
    }
    expect(modem.sent.map((m) => m.to)).toEqual(['+447700900999', '+447700900999']);
    expect(modem.sent.map((m) => m.text).join('')).toBe(text);

    await clock.advance(10_000);
    const announced = urcs.filter(
      (urc): urc is StoredMessageUrc => urc.type === 'stored_message' && urc.name === '+CDSI',
    );
    expect(announced).toHaveLength(2);
    const reports: number[] = [];
    for (const cdsi of announced) {
      const read = await engine.send(`AT+CMGR=${cdsi.index}`);
      const report = decodePdu(pduOf(read.lines));
      expect(report.type).toBe('status-report');
      if (report.type === 'status-report') {
        expect(report.statusClass).toBe('delivered');
        reports.push(report.messageReference);
      }
      await engine.send(`AT+CMGD=${cdsi.index}`);
    }
    expect(reports.sort()).toEqual([...references].sort());
  });

  it('times out on a hung modem with the partial lines, then resyncs once it is power-cycled', async () => {
    const clock = new ManualClock();
    const { modem, engine } = await connect(flavour, clock);
    const resyncs: boolean[] = [];
    engine.on('resync', (event) => resyncs.push(event.ok));
    modem.fault({ kind: 'hang' });
    const stuck = engine.send('AT+CSQ');
    const failure = expect(stuck).rejects.toMatchObject({
      code: 'at_timeout',
      details: { command: 'AT+CSQ', partialLines: [] },
    });
    await clock.advance(10_000);
    await failure;

    modem.fault({ kind: 'clear' }); // power-cycles the hung modem: silent until it has booted
    const imei = await whileAdvancing(clock, engine.send('AT+CGSN'));
    expect(imei.lines).toEqual([modem.identity.imei]);
    expect(resyncs).toEqual([true]);
  });

  it('keeps the answer when line noise and binary garbage surround it', async () => {
    const { modem, engine } = await connect(flavour, new ManualClock());
    modem.fault({ kind: 'garbage', bytes: 64, continuous: true });
    const noise: unknown[] = [];
    engine.on('noise', (n) => noise.push(n));
    const fifteenDigits = (line: string): boolean => /^\d{15}$/.test(line);
    // Printable garbage may stand on a line of its own (no framer can tell it from data), so
    // the answer is picked by its shape, as the modem layer's parsers do.
    expect((await engine.send('AT+CIMI')).lines.filter(fifteenDigits)).toEqual([
      modem.identity.imsi,
    ]);
    expect((await engine.send('AT+CGSN')).lines.filter(fifteenDigits)).toEqual([
      modem.identity.imei,
    ]);
    expect(noise.length).toBeGreaterThan(0);
  });
});
