import { describe, expect, it } from 'vitest';
import {
  isPrivateAddress,
  resolveWebhookTarget,
  validateWebhookUrl,
} from '../../../src/domain/index.js';

/**
 * IPv6 spellings of addresses a webhook must not reach: forms that carry an IPv4 address
 * (IPv4-compatible, IPv4-mapped, NAT64, 6to4, Teredo) and the deprecated site-local range.
 */
const strict = { allowPrivate: false, allowedHosts: [] };
const open = { allowPrivate: true, allowedHosts: [] };
const resolveTo =
  (...addresses: string[]) =>
  () =>
    Promise.resolve(addresses);

describe('webhook URLs with IPv6 forms of IPv4 addresses', () => {
  it.each([
    ['IPv4-compatible loopback', 'http://[::127.0.0.1]/hook'],
    ['IPv4-compatible, even of a public address', 'http://[::8.8.8.8]/hook'],
    ['IPv4-mapped loopback (hex spelling)', 'http://[::ffff:7f00:1]/hook'],
    ['NAT64 of the cloud metadata address', 'http://[64:ff9b::169.254.169.254]/latest'],
    ['NAT64 of a private address', 'http://[64:ff9b::a00:1]/hook'],
    ['local-use NAT64', 'http://[64:ff9b:1::808:808]/hook'],
    ['6to4 of loopback', 'http://[2002:7f00:1::1]/hook'],
    ['6to4 of a public address', 'http://[2002:808:808::1]/hook'],
    ['Teredo', 'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook'],
    ['site-local', 'http://[fec0::1]/hook'],
  ])('refuses %s: %s', async (_form, url) => {
    await expect(validateWebhookUrl(url, strict)).rejects.toMatchObject({
      code: 'validation_failed',
      details: { field: 'url' },
    });
    // Delivery attempts check the same rules.
    await expect(resolveWebhookTarget(url, strict)).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('refuses a hostname that resolves to one of those forms', async () => {
    for (const address of ['::7f00:1', '64:ff9b::7f00:1', '2002:a00:1::', 'fec0::5']) {
      await expect(
        validateWebhookUrl('https://hooks.example/x', strict, resolveTo('93.184.216.34', address)),
      ).rejects.toMatchObject({ code: 'validation_failed' });
    }
  });

  it('judges mapped and NAT64 addresses by the public IPv4 address they reach', async () => {
    // A DNS64 network answers 64:ff9b::a.b.c.d for IPv4-only receivers: those keep working.
    expect(isPrivateAddress('64:ff9b::808:808')).toBe(false);
    expect(isPrivateAddress('::ffff:8.8.8.8')).toBe(false);
    expect(isPrivateAddress('64:ff9b::7f00:1')).toBe(true);
    expect(isPrivateAddress('64:ff9b::')).toBe(true); // 0.0.0.0
    expect(
      await validateWebhookUrl('https://v4only.example/x', strict, resolveTo('64:ff9b::5db8:d822')),
    ).toBe('https://v4only.example/x');
  });

  it('leaves ordinary public IPv6 addresses alone', () => {
    for (const address of ['2606:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001::200e']) {
      expect(isPrivateAddress(address)).toBe(false);
    }
  });

  it('allows every form when private addresses are allowed by config', async () => {
    expect(await validateWebhookUrl('http://[2002:7f00:1::1]/h', open)).toBe(
      'http://[2002:7f00:1::1]/h',
    );
    expect(
      await validateWebhookUrl('http://[fec0::1]/h', {
        allowPrivate: false,
        allowedHosts: ['[fec0::1]'],
      }),
    ).toBe('http://[fec0::1]/h');
  });
});

describe('resolveWebhookTarget (one delivery attempt)', () => {
  it('resolves once and returns the addresses it checked', async () => {
    let lookups = 0;
    const target = await resolveWebhookTarget('https://hooks.example/x?a=1', strict, () => {
      lookups++;
      return Promise.resolve(['93.184.216.34', '2606:4700::1111']);
    });
    expect(target).toEqual({
      url: 'https://hooks.example/x?a=1',
      addresses: ['93.184.216.34', '2606:4700::1111'],
    });
    expect(lookups).toBe(1);
  });

  it('still resolves hosts the config allows (the connection needs an address)', async () => {
    const target = await resolveWebhookTarget(
      'http://hooks.lan:8080/h',
      open,
      resolveTo('10.0.0.7'),
    );
    expect(target.addresses).toEqual(['10.0.0.7']);
    expect((await resolveWebhookTarget('http://[::1]:9/h', open)).addresses).toEqual(['::1']);
  });

  it('fails an attempt whose host does not resolve, with the host named', async () => {
    await expect(
      resolveWebhookTarget('http://gone.example/h', strict, () => Promise.reject(new Error('x'))),
    ).rejects.toThrow(/cannot resolve host gone\.example/);
    await expect(
      resolveWebhookTarget('http://empty.example/h', open, resolveTo()),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
