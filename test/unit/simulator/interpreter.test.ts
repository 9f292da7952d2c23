import { describe, expect, it } from 'vitest';
import { identityFor, SimulatedModem } from '../../../src/simulator/index.js';
import { infoLines, SimClient } from '../../helpers/sim-client.js';
import { connectedModem } from '../../helpers/sim-harness.js';

describe('simulated modem AT interpreter', () => {
  it('answers the identity commands of a SIM800C with echo on by default', async () => {
    const { client, modem } = await connectedModem({ index: 0, flavour: 'sim800c' });
    expect(await client.command('AT')).toBe('AT\r\r\nOK\r\n');
    expect(await client.command('AT+CGMI')).toBe('AT+CGMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
    expect(infoLines(await client.command('AT+CGMM'), 'AT+CGMM')).toEqual(['SIMCOM_SIM800C']);
    expect(infoLines(await client.command('AT+CGSN'), 'AT+CGSN')).toEqual([modem.identity.imei]);
    expect(infoLines(await client.command('AT+CIMI'), 'AT+CIMI')).toEqual([modem.identity.imsi]);
    expect(infoLines(await client.command('AT+CCID'), 'AT+CCID')).toEqual([modem.identity.iccid]);
    expect(await client.command('AT+QCCID')).toContain('\r\nERROR\r\n');
    expect(infoLines(await client.command('ATI'), 'ATI')).toEqual(['SIM800 R14.18']);
  });

  it('answers like a Quectel EC25 in the ec25 flavour', async () => {
    const { client, modem } = await connectedModem({ index: 1, flavour: 'ec25' });
    expect(infoLines(await client.command('AT+CGMI'), 'AT+CGMI')).toEqual(['Quectel']);
    expect(infoLines(await client.command('AT+QCCID'), 'AT+QCCID')).toEqual([
      `+QCCID: ${modem.identity.iccid}`,
    ]);
    expect(await client.command('AT+CCID')).toContain('ERROR');
    expect(infoLines(await client.command('AT+CPMS?'), 'AT+CPMS?')).toEqual([
      '+CPMS: "SM",0,50,"SM",0,50,"SM",0,50',
    ]);
    expect(await client.command('AT+CEREG?')).toContain('+CEREG: 0,1');
    expect(await client.command('AT+QURCCFG="urcport","usbat"')).toContain('\r\nOK\r\n');
    expect(infoLines(await client.command('AT+QURCCFG="urcport"'), 'AT+QURCCFG="urcport"')).toEqual(
      ['+QURCCFG: "urcport","usbat"'],
    );
  });

  it('reads the ICCID from EF_ICCID as nibble-swapped BCD with F padding', async () => {
    const identity = identityFor(2, 'sim800c'); // a 19-digit ICCID
    expect(identity.iccid).toHaveLength(19);
    const { client } = await connectedModem({ index: 2 });
    const [line] = infoLines(
      await client.command('AT+CRSM=176,12258,0,0,10'),
      'AT+CRSM=176,12258,0,0,10',
    );
    const bcd = /^\+CRSM: 144,0,"([0-9A-F]{20})"$/.exec(line!)![1]!;
    const digits = bcd.replace(/(.)(.)/g, '$2$1').replace(/F$/, '');
    expect(digits).toBe(identity.iccid);
    expect(bcd.endsWith('F' + identity.iccid.slice(-1))).toBe(true);
  });

  it('stops echoing after ATE0 and echoes again after ATE1', async () => {
    const { client } = await connectedModem();
    expect(await client.command('ATE0')).toBe('ATE0\r\r\nOK\r\n');
    expect(await client.command('AT+CSQ')).toMatch(/^\r\n\+CSQ: \d+,0\r\n\r\nOK\r\n$/);
    expect(await client.command('ATE1')).toBe('\r\nOK\r\n');
    expect(await client.command('AT')).toBe('AT\r\r\nOK\r\n');
  });

  it('runs ;-chained commands with one final result and stops at the first failure', async () => {
    const { client, modem } = await connectedModem();
    expect(await client.command('AT+CMEE=1;+CREG=2')).toBe('AT+CMEE=1;+CREG=2\r\r\nOK\r\n');
    expect(modem.settings.cmee).toBe(1);
    expect(modem.settings.cregN).toBe(2);
    const both = await client.command('AT+CGMI;+CGMM');
    expect(infoLines(both, 'AT+CGMI;+CGMM')).toEqual(['SIMCOM_Ltd', 'SIMCOM_SIM800C']);
    expect(both.match(/OK/g)).toHaveLength(1);
    const failing = await client.command('AT+CMGF=1;+BOGUS;+CMGF=0');
    expect(failing.endsWith('\r\nERROR\r\n')).toBe(true);
    expect(modem.settings.cmgf).toBe(1);
  });

  it('reports errors as ERROR, numbers or text according to AT+CMEE', async () => {
    const { client } = await connectedModem();
    expect(await client.command('AT+CMGR=99')).toContain('\r\nERROR\r\n');
    await client.command('AT+CMEE=1');
    expect(await client.command('AT+CMGR=99')).toContain('\r\n+CMS ERROR: 321\r\n');
    await client.command('AT+CMEE=2');
    expect(await client.command('AT+CMGR=99')).toContain(
      '\r\n+CMS ERROR: invalid memory index\r\n',
    );
    // Unknown commands stay a plain ERROR whatever the mode.
    expect(await client.command('AT+SYNCML=?')).toBe('AT+SYNCML=?\r\r\nERROR\r\n');
  });

  it('buffers input written one byte at a time, with \\r or \\n line ends', async () => {
    const { client } = await connectedModem();
    await client.command('ATE0');
    for (const byte of 'AT+CGMI\n') await client.send(byte);
    await client.waitForText('OK');
    expect(client.take()).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
    await client.send('AT\r\n');
    await client.waitForText('OK');
    // CR LF is one line end: exactly one answer.
    expect(await client.quietFor()).toBe('\r\nOK\r\n');
  });

  it('repeats the last command for A/ and ignores lines without AT', async () => {
    const { client } = await connectedModem();
    await client.command('ATE0');
    await client.command('AT+CGMI');
    await client.send('A/');
    await client.waitForText('OK');
    expect(client.take()).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
    await client.send('hello\r');
    expect(await client.quietFor()).toBe('');
  });

  it('knows the SMS service settings gammu and smstools query', async () => {
    const { client, modem } = await connectedModem();
    expect(await client.command('AT+CSCA?')).toContain(`+CSCA: "${modem.identity.smsc}",145`);
    expect(await client.command('AT+CNMI=?')).toContain('+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)');
    expect(await client.command('AT+CNMI=2,1,0,2,0')).toContain('OK');
    expect(await client.command('AT+CNMI?')).toContain('+CNMI: 2,1,0,2,0');
    expect(await client.command('AT+CSCS=?')).toContain('"UCS2"');
    expect(await client.command('AT+CSCS="UCS2"')).toContain('OK');
    expect(await client.command('AT+CSCS?')).toContain('+CSCS: "UCS2"');
    expect(await client.command('AT+CMMS=2')).toContain('OK');
    expect(await client.command('AT+CGATT?')).toContain('+CGATT: 1');
    expect(await client.command('AT+COPS?')).toContain('+COPS: 0,0,"O2 - UK"');
    expect(await client.command('AT+CSMP?')).toContain('+CSMP: 17,167,0,0');
    expect(await client.command('AT+CPIN?')).toContain('+CPIN: READY');
  });

  it('answers AT+CNUM with the number, or with nothing as many SIMs do', async () => {
    const shown = await connectedModem({ index: 0 });
    expect(await shown.client.command('AT+CNUM')).toContain(
      `+CNUM: "","${shown.modem.identity.msisdn}",145`,
    );
    const hidden = await connectedModem({ index: 2 });
    expect(hidden.modem.identity.cnumVisible).toBe(false);
    expect(await hidden.client.command('AT+CNUM')).toBe('AT+CNUM\r\r\nOK\r\n');
  });

  it('sends +CREG URCs when registration changes, in the configured mode', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0;+CREG=2;+CGREG=1');
    modem.fault({ kind: 'no_network' });
    await client.waitForText('+CGREG: 2');
    expect(client.take()).toBe('\r\n+CREG: 2\r\n\r\n+CGREG: 2\r\n');
    expect(await client.command('AT+CREG?')).toContain('+CREG: 2,2');
    modem.fault({ kind: 'clear' });
    await client.waitForText('+CGREG: 1');
    expect(client.take()).toContain(`+CREG: 1,"${modem.identity.lac}","${modem.identity.cellId}"`);
  });

  it('asks for and accepts a PIN when one is configured', async () => {
    const { client, clock } = await connectedModem({ pin: '1234' });
    await client.command('AT+CMEE=1');
    expect(await client.command('AT+CPIN?')).toContain('+CPIN: SIM PIN');
    expect(await client.command('AT+CIMI')).toContain('+CME ERROR: 11');
    expect(await client.command('AT+CMGL=4')).toContain('+CMS ERROR: 311');
    expect(await client.command('AT+CPIN=0000')).toContain('+CME ERROR: 16');
    expect(await client.command('AT+CPIN=1234')).toContain('OK');
    await clock.advance(1000);
    await client.waitForText('SMS Ready');
    expect(client.take()).toContain('+CPIN: READY');
    expect(await client.command('AT+CPIN?')).toContain('+CPIN: READY');
  });

  it('writes responses in random fragments, reproducibly for a seed', async () => {
    const collect = async (): Promise<number[]> => {
      const { client } = await connectedModem({ maxChunk: 3, seed: 42 });
      await client.command('AT+CPMS?');
      return client.chunks.map((c) => c.length);
    };
    const sizes = await collect();
    expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(3);
    expect(sizes.length).toBeGreaterThan(10);
    expect(await collect()).toEqual(sizes);
  });

  it('serves a new link after the old one is closed, and replaces a link on connect', async () => {
    const modem = new SimulatedModem();
    const first = new SimClient(await modem.connect());
    await first.link.close();
    const second = new SimClient(await modem.connect());
    expect(await second.command('AT')).toContain('OK');
    const third = new SimClient(await modem.connect());
    await second.waitFor(() => second.disconnected);
    expect(await third.command('AT')).toContain('OK');
    modem.close();
  });
});
