import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { advanceUntil } from '../helpers/advance.js';
import { useAppliance } from '../helpers/appliance.js';

/**
 * A verification code is the customer's secret: whoever reads the operator's logs must not be
 * able to use it. The daemon runs with a real pino logger at info writing to a stream this test
 * reads, and an SMS with a code goes the whole way (simulated modem → AT → store → order).
 */
const appliance = useAppliance();

const CODE = '73915';
const TEXT = `Telegram code: ${CODE}. Do not give this code to anyone.`;

/** pino's destination: every line it writes, at once (a plain `write`, no stream buffering). */
function logStream(): { lines: string[]; stream: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (line) => lines.push(...line.split('\n').filter(Boolean)) } };
}

describe('the log at info level', () => {
  it('says that an order got its SMS, without the code or the text', async () => {
    const { lines, stream } = logStream();
    const { daemon, clock } = await appliance.start({
      modems: 1,
      logger: pino({ level: 'info' }, stream),
    });
    const { customers, orders } = daemon.rental;
    const created = await customers.createCustomer('alice@example.com');
    const { key } = await customers.createKey(created.id, { scopes: ['orders'] });
    await customers.credit(created.id, 10 * 10_000);
    const alice = { customerId: created.id, apiKeyId: key.id };
    const order = await orders.purchase(alice, { service: 'tg', country: 'GB' });
    const modem = daemon.simulator!.bank.modems.find((m) => m.identity.iccid === order.simIccid)!;
    modem.injectSms({ from: 'Telegram', text: TEXT });
    const logged = (msg: string): boolean => lines.some((l) => l.includes(`"msg":"${msg}"`));
    await advanceUntil(clock, () => logged('SMS attached to its order'));
    expect((await orders.get(alice.customerId, order.id)).lastCode).toBe(CODE);

    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toContainEqual(
      expect.objectContaining({ msg: 'SMS attached to its order', order: order.id }),
    );
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'SMS received' }));
    const log = lines.join('\n');
    expect(log).not.toContain(CODE);
    expect(log).not.toContain('Do not give this code');
  });
});
