import { parse, type Deliver } from 'node-pdu';
import { describe, expect, it } from 'vitest';
import { infoLines } from '../../helpers/sim-client.js';
import { connectedModem } from '../../helpers/sim-harness.js';

/** Pairs of `+CMGL: idx,stat,,len` and PDU lines. */
function listed(response: string): { index: number; stat: number; pdu: string }[] {
  const lines = infoLines(response, 'AT+CMGL=4');
  const out: { index: number; stat: number; pdu: string }[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const m = /^\+CMGL: (\d+),(\d),,(\d+)$/.exec(lines[i]!)!;
    out.push({ index: Number(m[1]), stat: Number(m[2]), pdu: lines[i + 1]! });
  }
  return out;
}

describe('simulated modem SMS storage', () => {
  it('stores an injected SMS, signals +CMTI and serves CMGL, CMGR and CMGD', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0');
    modem.injectSms({ from: '+447700900555', text: 'hello' });
    await client.waitForText('+CMTI');
    expect(client.take()).toBe('\r\n+CMTI: "SM",1\r\n');
    expect(await client.command('AT+CPMS?')).toContain('+CPMS: "SM",1,30,"SM",1,30,"SM",1,30');

    const [entry] = listed(await client.command('AT+CMGL=4'));
    expect(entry).toMatchObject({ index: 1, stat: 0 });
    const parsed = parse(entry!.pdu) as Deliver;
    expect(parsed.data.getText()).toBe('hello');
    expect(parsed.address.phone).toBe('447700900555');
    // Listing marked it read.
    expect(await client.command('AT+CMGR=1')).toMatch(/^\r\n\+CMGR: 1,,\d+\r\n07914487/);
    expect(await client.command('AT+CMGD=1')).toBe('\r\nOK\r\n');
    expect(await client.command('AT+CMGR=1')).toBe('\r\nOK\r\n');
    expect(await client.command('AT+CPMS?')).toContain('"SM",0,30');
  });

  it('lists by status and deletes by the delflag forms 1 to 4', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0;+CMEE=1');
    for (let i = 0; i < 4; i++) modem.injectSms({ from: '+447700900555', text: `m${i}` });
    await client.command('AT+CMGR=1');
    await client.command('AT+CMGR=2'); // 1 and 2 read, 3 and 4 unread
    expect(listed(await client.command('AT+CMGL=0')).map((m) => m.index)).toEqual([3, 4]);
    expect(listed(await client.command('AT+CMGL=1')).map((m) => m.index)).toEqual([1, 2, 3, 4]);
    modem.injectSms({ from: '+447700900555', text: 'new' });
    expect(await client.command('AT+CMGD=0,1')).toContain('OK');
    expect(modem.stored().map((m) => m.index)).toEqual([5]);
    expect(await client.command('AT+CMGD=?')).toContain('+CMGD: (5),(0-4)');
    expect(await client.command('AT+CMGD=0,4')).toContain('OK');
    expect(modem.stored()).toEqual([]);
    expect(await client.command('AT+CMGD=31')).toContain('+CMS ERROR: 321');
  });

  it('refuses new SMS while storage is full and delivers them once space frees', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0');
    modem.fault({ kind: 'storage_full' });
    expect(await client.command('AT+CPMS?')).toContain('"SM",30,30');
    const result = modem.injectSms({ from: '+447700900555', text: 'waiting' });
    expect(result.pendingInNetwork).toBe(1);
    expect(await client.quietFor()).toBe('');
    await client.send('AT+CMGD=7\r');
    await client.waitForText('+CMTI');
    // The freed slot is filled at once, and the +CMTI follows the OK of the delete.
    expect(client.take()).toBe('\r\nOK\r\n\r\n+CMTI: "SM",7\r\n');
    expect(modem.pendingInNetwork).toBe(0);
    expect(modem.stored().find((m) => m.index === 7)?.text).toBe('waiting');
  });

  it('fills up from ordinary deliveries too (capacity 30 on a SIM800C)', async () => {
    const { modem } = await connectedModem();
    for (let i = 0; i < 32; i++) modem.injectSms({ from: '+447700900555', text: `n${i}` });
    expect(modem.stored()).toHaveLength(30);
    expect(modem.pendingInNetwork).toBe(2);
  });

  it('delivers a multipart SMS as separate parts out of order, with 8- or 16-bit references', async () => {
    for (const refBits of [8, 16] as const) {
      const { client, modem } = await connectedModem({ seed: 7 });
      await client.command('ATE0');
      const text = 'A long message that will be split into parts. '.repeat(5);
      const { parts } = modem.injectSms({
        from: '+447700900555',
        text,
        outOfOrder: true,
        concatRefBits: refBits,
      });
      expect(parts).toHaveLength(2);
      expect(parts.map((p) => p.seq)).toEqual([2, 1]);
      await client.waitForText('"SM",2');
      expect(client.take()).toBe('\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n');
      const stored = listed(await client.command('AT+CMGL=4'));
      const decoded = stored.map((m) => parse(m.pdu) as Deliver);
      // Stored in arrival order: part 2 first.
      for (const m of stored) {
        expect(m.pdu).toMatch(
          refBits === 8 ? /050003[0-9A-F]{2}020[12]/ : /060804[0-9A-F]{4}020[12]/,
        );
      }
      expect(
        decoded
          .map((d) => d.data.getText())
          .reverse()
          .join(''),
      ).toBe(text);
    }
  });

  it('forces a short text into the requested number of parts, UCS2 when asked', async () => {
    const { modem } = await connectedModem();
    const { parts } = modem.injectSms({
      from: 'Bank',
      text: 'Hello world',
      parts: 3,
      encoding: 'ucs2',
    });
    expect(parts.map((p) => p.text)).toEqual(['Hell', 'o wo', 'rld']);
    expect(parts.map((p) => (parse(p.pdu) as Deliver).data.getText())).toEqual([
      'Hell',
      'o wo',
      'rld',
    ]);
  });

  it('puts a URC injected mid-response between the lines and the final OK', async () => {
    const { client, modem, clock } = await connectedModem({ lineDelayMs: 10 });
    await client.send('ATE0\r');
    await clock.advance(10);
    await client.waitForText('OK');
    modem.injectSms({ from: '+447700900555', text: 'one' });
    await clock.advance(10);
    await client.waitForText('+CMTI');
    client.take();
    await client.send('AT+CMGL=4\r');
    await clock.advance(10); // first line written
    await client.waitForText('+CMGL: 1');
    modem.injectSms({ from: '+447700900555', text: 'two' });
    await clock.advance(100);
    await client.waitForText('OK');
    const response = client.take();
    const cmti = response.indexOf('+CMTI: "SM",2');
    expect(cmti).toBeGreaterThan(response.indexOf('+CMGL: 1'));
    expect(cmti).toBeLessThan(response.indexOf('\r\nOK\r\n'));
  });

  it('routes to direct +CMT when AT+CNMI mt=2 and lists text mode with "ALL"', async () => {
    const { client, modem } = await connectedModem();
    await client.command('ATE0;+CNMI=2,2,0,0,0');
    modem.injectSms({ from: '+447700900555', text: 'direct' });
    await client.waitForText('+CMT:');
    expect(client.take()).toMatch(/^\r\n\+CMT: ,\d+\r\n07914487\w+\r\n$/);
    expect(modem.stored()).toEqual([]);
    await client.command('AT+CNMI=2,1,0,0,0;+CMGF=1');
    modem.injectSms({ from: '+447700900555', text: 'stored' });
    expect(await client.command('AT+CMGL="ALL"')).toContain(
      '"REC UNREAD","+447700900555","","26/01/01,00:00:00+00"\r\nstored\r\n',
    );
  });
});
