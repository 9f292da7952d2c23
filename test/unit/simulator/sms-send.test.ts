import { parse, Submit, type Report } from 'node-pdu';
import { describe, expect, it } from 'vitest';
import { connectedModem } from '../../helpers/sim-harness.js';

/** A submit PDU with an explicit SMSC field, and the <len> AT+CMGS wants for it. */
function submit(to: string, text: string, statusReport = false): { pdu: string; length: number } {
  const s = new Submit(to, text);
  if (statusReport) s.type.setStatusReportRequest(1);
  const pdu = s.toString(); // starts with 00: "use the SIM's SMSC"
  return { pdu, length: pdu.length / 2 - 1 };
}

describe('simulated modem sending', () => {
  it('prompts with "> " (no line end), takes the PDU up to Ctrl-Z and answers +CMGS with a rising reference', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0');
    const { pdu, length } = submit('+447700900123', 'hello');
    expect(await client.command(`AT+CMGS=${length}`)).toBe('\r\n> ');
    await client.send(`${pdu}\x1a`);
    await client.waitForText('OK');
    const first = /\+CMGS: (\d+)/.exec(client.take())![1];
    await client.command(`AT+CMGS=${length}`);
    await client.send(`${pdu}\x1a`);
    await client.waitForText('OK');
    const second = /\+CMGS: (\d+)/.exec(client.take())![1];
    expect(Number(second)).toBe((Number(first) + 1) % 256);
    expect(modem.sent).toHaveLength(2);
    expect(modem.sent[0]).toMatchObject({
      to: '+447700900123',
      text: 'hello',
      encoding: 'gsm7',
      mr: Number(first),
      statusReportRequested: false,
      smsc: modem.identity.smsc,
    });
  });

  it('echoes the PDU typed at the prompt when echo is on', async () => {
    const { client } = await connectedModem();
    const { pdu, length } = submit('+447700900123', 'hi');
    await client.command(`AT+CMGS=${length}`);
    await client.send(`${pdu}\x1a`);
    await client.waitForText('OK');
    expect(client.take()).toMatch(new RegExp(`^${pdu}\\r\\n\\+CMGS: \\d+\\r\\n\\r\\nOK\\r\\n$`));
  });

  it('aborts on ESC without sending', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0');
    await client.command('AT+CMGS=20');
    await client.send('0011\x1b');
    await client.waitForText('OK');
    expect(client.take()).toBe('\r\nOK\r\n');
    expect(modem.sent).toEqual([]);
    expect(await client.command('AT')).toBe('\r\nOK\r\n');
  });

  it('rejects a PDU whose length does not match <len>', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0;+CMEE=1');
    const { pdu, length } = submit('+447700900123', 'hello');
    await client.command(`AT+CMGS=${length + 1}`);
    await client.send(`${pdu}\x1a`);
    await client.waitForText('ERROR');
    expect(client.take()).toBe('\r\n+CMS ERROR: 304\r\n');
    expect(modem.sent).toEqual([]);
  });

  it('stores a status report and signals +CDSI after the configured delay when TP-SRR was set', async () => {
    const { client, modem, clock } = await connectedModem({
      timing: { statusReportDelayMs: 5000 },
    });
    await client.command('ATE0;+CNMI=2,1,0,2,0');
    const { pdu, length } = submit('+447700900123', 'track me', true);
    await client.command(`AT+CMGS=${length}`);
    await client.send(`${pdu}\x1a`);
    await client.waitForText('OK');
    const mr = Number(/\+CMGS: (\d+)/.exec(client.take())![1]);
    await clock.advance(4999);
    expect(await client.quietFor()).toBe('');
    await clock.advance(1);
    await client.waitForText('+CDSI');
    expect(client.take()).toBe('\r\n+CDSI: "SM",1\r\n');
    const [stored] = modem.stored();
    expect(stored?.kind).toBe('status-report');
    const report = parse(stored!.pdu) as Report;
    expect(report.reference).toBe(mr);
    expect(report.status).toBe(0);
  });

  it('shows a status report directly as +CDS when ds=1', async () => {
    const { client, clock, modem } = await connectedModem();
    await client.command('ATE0;+CNMI=2,1,0,1,0');
    const { pdu, length } = submit('+447700900123', 'track me', true);
    await client.command(`AT+CMGS=${length}`);
    await client.send(`${pdu}\x1a`);
    await client.waitForText('OK');
    client.take();
    await clock.advance(3000);
    await client.waitForText('+CDS:');
    expect(client.take()).toMatch(/^\r\n\+CDS: 25\r\n07914487\w+\r\n$/);
    expect(modem.stored()).toEqual([]);
  });

  it('fails sends with +CMS ERROR: 331 without network and 310 without SIM', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0;+CMEE=1');
    const { pdu, length } = submit('+447700900123', 'hello');
    modem.fault({ kind: 'no_network' });
    await client.command(`AT+CMGS=${length}`);
    await client.send(`${pdu}\x1a`);
    await client.waitForText('ERROR');
    expect(client.take()).toContain('+CMS ERROR: 331');
    modem.fault({ kind: 'sim_removed' });
    expect(await client.command(`AT+CMGS=${length}`)).toContain('+CMS ERROR: 310');
    expect(modem.sent).toEqual([]);
  });

  it('refuses exactly the next N submits with the +CMS ERROR of a send_error fault', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0;+CMEE=1');
    const { pdu, length } = submit('+447700900123', 'hello');
    modem.fault({ kind: 'send_error', cms: 21, count: 2 });
    for (let i = 0; i < 2; i++) {
      await client.command(`AT+CMGS=${length}`);
      await client.send(`${pdu}\x1a`);
      await client.waitForText('ERROR');
      expect(client.take()).toContain('+CMS ERROR: 21');
    }
    await client.command(`AT+CMGS=${length}`);
    await client.send(`${pdu}\x1a`);
    await client.waitForText('OK');
    expect(client.take()).toMatch(/\+CMGS: \d+/);
    expect(modem.sent.map((m) => m.text)).toEqual(['hello']);
  });

  it('sends in text mode, with the status report request taken from AT+CSMP', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0;+CMGF=1;+CSMP=49,167,0,0');
    expect(await client.command('AT+CMGS="+447700900123"')).toBe('\r\n> ');
    await client.send('plain text\x1a');
    await client.waitForText('OK');
    expect(modem.sent[0]).toMatchObject({
      to: '+447700900123',
      text: 'plain text',
      statusReportRequested: true,
    });
  });

  it('takes the send delay from the clock', async () => {
    const { client, clock, modem } = await connectedModem({ timing: { sendDelayMs: 2000 } });
    await client.command('ATE0');
    const { pdu, length } = submit('+447700900123', 'slow network');
    await client.command(`AT+CMGS=${length}`);
    await client.send(`${pdu}\x1a`);
    expect(await client.quietFor()).toBe('');
    await clock.advance(2000);
    await client.waitForText('OK');
    expect(modem.sent).toHaveLength(1);
  });
});
