import { stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDemoCustomer, DEMO_EMAIL } from '../../../src/daemon/index.js';
import { CustomerService } from '../../../src/domain/index.js';
import { ManualClock } from '../../../src/shared/index.js';
import { StoreFixture } from '../store/helpers.js';

describe('the demo customer of an all-simulated appliance', () => {
  const fx = new StoreFixture();
  afterEach(() => fx.close());

  it('is created once with 10 USD and a key shown once, kept in a private file', async () => {
    const store = fx.store();
    const customers = new CustomerService(store.customers, new ManualClock());
    const dir = fx.dirs.make();
    const first = await ensureDemoCustomer(dir, customers);
    expect(first.key).toMatch(/^sp_live_[0-9A-Za-z]{32}$/);
    expect((await stat(first.file)).mode & 0o777).toBe(0o600);
    const authenticated = await customers.authenticate(first.key!);
    expect(authenticated?.key.scopes).toEqual(['orders']);
    expect(authenticated?.customer.email).toBe(DEMO_EMAIL);
    const profile = await customers.profile(authenticated!.customer.id);
    expect(profile.balanceUnits).toBe(10 * 10_000);
    // The next start finds the file: nothing new, the key is not printed again.
    expect(await ensureDemoCustomer(dir, customers)).toEqual({ key: null, file: first.file });
  });
});
