import { afterAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { callApi } from '../helpers/customer-api.js';
import { freshPostgresDatabase } from '../helpers/postgres.js';

/**
 * Keys live in the shared database: a key made through one host's admin API works on every host,
 * and once revoked through one host it is refused by every other. Each host may reuse an
 * authentication answer for `api.authCacheMs` (1 s by default: "refused on every host within a
 * second"; the reuse and its expiry are tested with a manual clock on both engines in
 * test/store/contract/customers.contract.test.ts); here the cache is off, so the very next
 * request on another host must be refused.
 */
describe('API keys across hosts', () => {
  let cluster: Cluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a key revoked on one host is refused by the others', async () => {
    cluster = await startCluster({
      database: await freshPostgresDatabase('keys'),
      hostIds: ['keys-a', 'keys-b'],
      modemsPerHost: 1,
      config: { api: { authCacheMs: 0 } },
    });
    const [a, b] = cluster.hosts;
    const admin = { key: cluster.adminKey };
    const created = await callApi('POST', `${a!.apiUrl}/api/v1/admin/customers`, {
      ...admin,
      body: { email: 'keys@example.com', balance: 3 },
    });
    expect(created.status).toBe(201);
    const { api_key: key, key_id: keyId } = created.body as { api_key: string; key_id: string };
    const customerId = (created.body as { customer: { id: string } }).customer.id;

    for (const host of [a!, b!]) {
      const balance = await callApi('GET', `${host.apiUrl}/api/v1/customer/balance`, { key });
      expect(balance).toMatchObject({ status: 200, body: { success: true, balance: 3 } });
    }
    const revoked = await callApi(
      'DELETE',
      `${a!.apiUrl}/api/v1/admin/customers/${customerId}/keys/${keyId}`,
      admin,
    );
    expect(revoked.status).toBe(200);
    for (const host of [b!, a!]) {
      const refused = await callApi('GET', `${host.apiUrl}/api/v1/customer/balance`, { key });
      expect(refused.status, host.hostId).toBe(401);
    }
  }, 180_000);
});
