import { describe, expect, it } from 'vitest';
import { isSimpoolError } from '../../../src/shared/index.js';
import { SimClient } from '../../helpers/sim-client.js';
import { connectedModem } from '../../helpers/sim-harness.js';

describe('simulated modem faults, USSD and resets', () => {
  it('hang: no echo, no answer, no URCs until a power cycle, which prints the boot URCs', async () => {
    const { client, modem, clock } = await connectedModem({
      timing: { resetDelayMs: 1000, bootUrcGapMs: 10 },
    });
    modem.fault({ kind: 'hang' });
    await client.send('AT\r');
    modem.injectSms({ from: '+447700900555', text: 'while hung' });
    expect(await client.quietFor()).toBe('');
    modem.fault({ kind: 'reset' });
    await clock.advance(999);
    expect(await client.quietFor()).toBe('');
    await clock.advance(100);
    await client.waitForText('SMS Ready');
    expect(client.take()).toBe(
      '\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n',
    );
    expect(await client.command('AT')).toContain('OK');
    // The SMS that arrived while hung was stored all the same.
    expect(modem.stored()).toHaveLength(1);
  });

  it('unplug closes the link and makes connect reject; replug serves again', async () => {
    const { client, modem } = await connectedModem();
    modem.fault({ kind: 'unplug' });
    await client.waitFor(() => client.disconnected);
    await expect(modem.connect()).rejects.toSatisfy((e) =>
      isSimpoolError(e, 'transport_open_failed'),
    );
    const held = modem.injectSms({ from: '+447700900555', text: 'while unplugged' });
    expect(held.pendingInNetwork).toBe(1);
    modem.fault({ kind: 'replug' });
    expect(modem.pendingInNetwork).toBe(0);
    const again = new SimClient(await modem.connect());
    expect(await again.command('AT')).toContain('OK');
  });

  it('keeps a prompt a client left open when the port is closed and reopened, until ESC', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0');
    await client.send('AT+CMGS=20\r');
    await client.waitForText('> ');
    // The client dies with the prompt open; the next one opens the port.
    await client.link.close();
    const next = new SimClient(await modem.connect());
    await next.send('AT\r');
    expect(await next.quietFor()).toBe(''); // message text to the modem, not a command
    await next.send('\x1b');
    expect(await next.command('AT')).toContain('OK');
    expect(modem.sent).toHaveLength(0);
  });

  it('garbage: random bytes with NULs, once or before every response', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0');
    modem.fault({ kind: 'garbage', bytes: 64 });
    await client.waitFor((r) => r.length >= 64);
    expect(client.take()).toContain('\0');
    modem.fault({ kind: 'garbage', bytes: 1, continuous: true });
    client.take();
    await client.send('AT\r');
    await client.waitForText('\r\nOK\r\n');
    expect(client.take().length).toBeGreaterThan('\r\nOK\r\n'.length + 1);
    modem.fault({ kind: 'clear' });
    expect(await client.command('AT')).toBe('\r\nOK\r\n');
  });

  it('slow: every response waits the given time on the clock', async () => {
    const { client, modem, clock } = await connectedModem();
    modem.fault({ kind: 'slow', ms: 500 });
    await client.send('AT\r');
    await client.waitForText('AT\r');
    expect(await client.quietFor()).toBe('AT\r');
    await clock.advance(500);
    await client.waitForText('OK');
  });

  it('sim_removed: +CPIN: NOT READY, +CME ERROR: 10 and no registration', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0;+CMEE=1');
    modem.fault({ kind: 'sim_removed' });
    await client.waitForText('NOT READY');
    client.take();
    expect(await client.command('AT+CPIN?')).toBe('\r\n+CME ERROR: 10\r\n');
    expect(await client.command('AT+CIMI')).toBe('\r\n+CME ERROR: 10\r\n');
    expect(await client.command('AT+CREG?')).toContain('+CREG: 0,0');
    modem.fault({ kind: 'clear' });
    await client.waitForText('+CPIN: READY');
    client.take();
    expect(await client.command('AT+CPIN?')).toContain('+CPIN: READY');
  });

  it('no_network: CREG stat 0 or 2, no signal, SMS held in the network until it returns', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0');
    modem.fault({ kind: 'no_network', stat: 0 });
    expect(await client.command('AT+CREG?')).toContain('+CREG: 0,0');
    expect(await client.command('AT+CSQ')).toContain('+CSQ: 99,99');
    expect(await client.command('AT+COPS?')).toContain('+COPS: 0\r\n');
    modem.injectSms({ from: '+447700900555', text: 'later' });
    expect(modem.pendingInNetwork).toBe(1);
    modem.fault({ kind: 'clear' });
    await client.waitForText('+CMTI');
    expect(modem.pendingInNetwork).toBe(0);
  });

  it('USSD: OK at once, the +CUSD answer later', async () => {
    const { client, clock } = await connectedModem({ timing: { ussdDelayMs: 1500 } });
    await client.command('ATE0');
    expect(await client.command('AT+CUSD=1,"*100#",15')).toBe('\r\nOK\r\n');
    await clock.advance(1499);
    expect(await client.quietFor()).toBe('');
    await clock.advance(1);
    await client.waitForText('+CUSD');
    expect(client.take()).toBe('\r\n+CUSD: 0,"Your balance is 12.34. Thank you.",15\r\n');
    await client.command('AT+CUSD=1,"*999#",15');
    await clock.advance(1500);
    await client.waitForText('+CUSD: 4');
  });

  it('AT+CFUN=1,1 answers OK, goes silent, then prints the flavour boot URCs with defaults restored', async () => {
    const { client, clock, modem } = await connectedModem({
      flavour: 'ec25',
      timing: { resetDelayMs: 3000, bootUrcGapMs: 100 },
    });
    await client.command('ATE0;+CMEE=2');
    expect(await client.command('AT+CFUN=1,1')).toBe('\r\nOK\r\n');
    await client.send('AT\r');
    await clock.advance(2999);
    expect(await client.quietFor()).toBe('');
    await clock.advance(500);
    await client.waitForText('SMS DONE');
    expect(client.take()).toBe(
      '\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n',
    );
    expect(modem.settings.echo).toBe(true);
    expect(modem.settings.cmee).toBe(0);
  });

  it('AT+CFUN=0 turns the radio off and AT+CFUN=1 back on', async () => {
    const { client } = await connectedModem();
    await client.command('ATE0;+CREG=1');
    await client.send('AT+CFUN=0\r');
    await client.waitForText('+CREG: 0');
    expect(client.take()).toBe('\r\nOK\r\n\r\n+CREG: 0\r\n');
    expect(await client.command('AT+CFUN?')).toContain('+CFUN: 0');
    await client.send('AT+CFUN=1\r');
    await client.waitForText('+CREG: 1');
    expect(client.take()).toContain('SMS Ready');
  });

  it('storage_full fills the receiving storage with old read messages', async () => {
    const { modem } = await connectedModem({ flavour: 'ec25' });
    modem.fault({ kind: 'storage_full' });
    expect(modem.stored()).toHaveLength(50);
    expect(modem.stored()[0]?.index).toBe(0); // Quectel counts from 0
  });
});
