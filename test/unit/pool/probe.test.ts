import { describe, expect, it } from 'vitest';
import { probePort } from '../../../src/pool/probe.js';
import { ManualClock } from '../../../src/shared/index.js';
import { createMemoryPair, type ByteLink } from '../../../src/transport/index.js';
import { whileAdvancing } from '../../helpers/advance.js';

/**
 * A modem that a process which died left in the `> ` prompt of AT+CMGS: everything it gets is
 * message text until ESC (cancel) or Ctrl-Z; after ESC it is an ordinary AT interpreter again.
 */
function modemStuckInPrompt(): { link: ByteLink; received: () => string } {
  const [ours, modem] = createMemoryPair('stuck-in-prompt');
  let inPrompt = true;
  let line = '';
  let all = '';
  modem.onData((chunk) => {
    for (const char of chunk.toString('latin1')) {
      all += char;
      if (inPrompt) {
        if (char === '\x1b' || char === '\x1a') {
          inPrompt = false;
          line = '';
        }
        continue;
      }
      if (char !== '\r') {
        line += char;
        continue;
      }
      const command = line.trim().toUpperCase();
      line = '';
      if (command === 'AT') void modem.write('\r\nOK\r\n');
      else if (command === 'AT+CGSN') void modem.write('\r\n861234567890123\r\n\r\nOK\r\n');
      else if (command !== '') void modem.write('\r\nERROR\r\n');
    }
  });
  return { link: ours, received: () => all };
}

describe('probing a port', () => {
  it('takes a modem out of a prompt a dead process left open, and identifies it', async () => {
    const clock = new ManualClock();
    const stuck = modemStuckInPrompt();
    const result = await whileAdvancing(
      clock,
      probePort(() => Promise.resolve(stuck.link), { clock }),
    );
    expect(result).toEqual({ answers: true, imei: '861234567890123' });
    // ESC went before the first AT the modem heard as a command.
    expect(stuck.received().indexOf('\x1b')).toBeGreaterThanOrEqual(0);
    expect(stuck.received().indexOf('\x1b')).toBeLessThan(stuck.received().indexOf('AT\r'));
  });

  it('reports a port that never answers as silent', async () => {
    const clock = new ManualClock();
    const [ours] = createMemoryPair('silent');
    const result = await whileAdvancing(
      clock,
      probePort(() => Promise.resolve(ours), { clock }),
    );
    expect(result).toMatchObject({ answers: false });
  });
});
