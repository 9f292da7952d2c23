import { describe, expect, it } from 'vitest';
import { flushIo, lines } from '../../helpers/scripted-modem.js';
import { setup } from './harness.js';

const PDU_A = '07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07';
const STATUS_PDU = '0006D60B911326880736F4111011719551401110117195714000';

describe('URCs interleaved with commands', () => {
  it('recognises a URC between the echo and the response', async () => {
    const { engine, modem, urcs } = setup();
    modem.on('AT+CSQ', `${lines('+CMTI: "SM",3')}${lines('+CSQ: 20,99', 'OK')}`);
    expect((await engine.send('AT+CSQ')).lines).toEqual(['+CSQ: 20,99']);
    expect(urcs).toMatchObject([
      { type: 'stored_message', name: '+CMTI', storage: 'SM', index: 3 },
    ]);
  });

  it('recognises a URC between intermediate lines and the OK', async () => {
    const { engine, modem, urcs } = setup();
    modem.on(
      'AT+CMGL=4',
      lines('+CMGL: 1,1,,24', PDU_A, '^RSSI: 17', '+CMGL: 2,1,,24', PDU_A, 'RING', 'OK'),
    );
    const response = await engine.send('AT+CMGL=4');
    expect(response.lines).toEqual(['+CMGL: 1,1,,24', PDU_A, '+CMGL: 2,1,,24', PDU_A]);
    expect(urcs.map((u) => u.name)).toEqual(['^RSSI', 'RING']);
  });

  it('keeps a two-line +CDS together in the middle of an +CMGR answer', async () => {
    const { engine, modem, urcs } = setup({ modem: { chunkSize: 5 } });
    modem.on('AT+CMGR=3', lines('+CMGR: 0,,24', '+CDS: 25', STATUS_PDU, PDU_A, 'OK'));
    const response = await engine.send('AT+CMGR=3');
    expect(response.lines).toEqual(['+CMGR: 0,,24', PDU_A]);
    expect(urcs).toEqual([
      { type: 'pdu', name: '+CDS', lines: ['+CDS: 25', STATUS_PDU], length: 25, pdu: STATUS_PDU },
    ]);
  });

  it('does not let a +CDS without its PDU line swallow the OK', async () => {
    const { engine, modem, urcs } = setup();
    modem.on('AT+CSQ', lines('+CSQ: 9,99', '+CDS: 25', 'OK'));
    expect((await engine.send('AT+CSQ')).lines).toEqual(['+CSQ: 9,99']);
    expect(urcs).toMatchObject([{ type: 'pdu', name: '+CDS', pdu: null }]);
  });

  it('treats +CREG as the answer to AT+CREG? and as a URC after AT+CREG=2', async () => {
    const { engine, modem, urcs } = setup();
    modem.on('AT+CREG?', lines('+CREG: 2,1,"00C3","0000D5A7"', 'OK'));
    modem.on('AT+CREG=2', lines('+CREG: 1,"00C3","0000D5A7"', 'OK'));
    expect((await engine.send('AT+CREG?')).lines).toEqual(['+CREG: 2,1,"00C3","0000D5A7"']);
    expect(urcs).toEqual([]);
    expect((await engine.send('AT+CREG=2')).lines).toEqual([]);
    expect(urcs).toMatchObject([{ type: 'registration', name: '+CREG', stat: 1, lac: '00C3' }]);
  });

  it('delivers the +CUSD answer of AT+CUSD=1 as a URC, also a multi-line one', async () => {
    const { engine, modem, urcs } = setup();
    modem.on(
      'AT+CUSD=1,"*100#",15',
      `${lines('OK')}\r\n+CUSD: 1,"Menu\r\n1 Balance\r\n2 Bonus",15\r\n`,
    );
    expect((await engine.send('AT+CUSD=1,"*100#",15')).lines).toEqual([]);
    await flushIo();
    expect(urcs).toMatchObject([
      { type: 'ussd', status: 1, message: 'Menu\n1 Balance\n2 Bonus', dcs: 15 },
    ]);
  });

  it('delivers boot and vendor URCs that arrive while idle, byte by byte', async () => {
    const { modem, urcs } = setup({ modem: { chunkSize: 1 } });
    await modem.send(
      lines(
        'RDY',
        '+CPIN: READY',
        'Call Ready',
        'SMS Ready',
        '+QIND: SMS DONE',
        'UNDER-VOLTAGE WARNNING',
      ),
    );
    await flushIo(200);
    expect(urcs.map((u) => u.name)).toEqual([
      'RDY',
      '+CPIN',
      'Call Ready',
      'SMS Ready',
      '+QIND',
      'UNDER-VOLTAGE',
    ]);
    expect(urcs[1]).toMatchObject({ type: 'generic', value: 'READY' });
  });

  it('keeps the solicited +CPIN answer out of the URC stream', async () => {
    const { engine, modem, urcs } = setup();
    modem.on('AT+CPIN?', lines('+CPIN: SIM PIN', 'OK'));
    expect((await engine.send('AT+CPIN?')).lines).toEqual(['+CPIN: SIM PIN']);
    expect(urcs).toEqual([]);
  });

  it('does not break the command when a URC subscriber throws', async () => {
    const { engine, modem } = setup();
    engine.on('urc', () => {
      throw new Error('subscriber bug');
    });
    modem.on('AT+CSQ', lines('RING', '+CSQ: 5,99', 'OK'));
    expect((await engine.send('AT+CSQ')).lines).toEqual(['+CSQ: 5,99']);
  });
});
