import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, watchProblems } from '../helpers/browser.js';
import { simulatorControl, type SimulatorControl } from '../helpers/daemon-harness.js';
import { pollUntil, startSimpoolProcess, type SimpoolProcess } from '../helpers/sim-process.js';

const MODEMS = 3;
/** Bounded waits for what the page shows; the live feed and the modems need a moment. */
const SHOWN = 10_000;
const LAPTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
/** The answer to `GET /session` before login; Chromium logs every 401 as a console error. */
const EXPECTED_401 = /status of 401/;

/**
 * The admin page in a real browser (Debian's chromium driven by playwright-core) against the
 * real daemon (`simpool start`, a child process) with simulated modems on 127.0.0.1.
 */
describe('admin web page', () => {
  let dir: string;
  let simpool: SimpoolProcess | undefined;
  let browser: Browser | undefined;
  let laptop: BrowserContext;
  let page: Page;
  let problems: string[];
  let base: string;
  let control: SimulatorControl;

  beforeAll(async () => {
    browser = await launchChromium();
    dir = await mkdtemp(path.join(os.tmpdir(), 'simpool-e2e-'));
    const dataDir = path.join(dir, 'data');
    const configFile = path.join(dir, 'simpool.json');
    await writeFile(
      configFile,
      JSON.stringify({
        dataDir,
        modems: [`simulated:${MODEMS}`],
        host: '127.0.0.1',
        port: 0,
        simulatorControlPort: 0,
        logLevel: 'warn',
      }),
    );
    simpool = await startSimpoolProcess(
      ['start', '--config', configFile],
      /control API: (http:\/\/\S+)\/modems/,
      30_000,
    );
    control = simulatorControl(simpool.ready[1]!);
    base = /API: (http:\/\/\S+?)\/api\/v1/.exec(simpool.output())![1]!;
    const credentialFile = path.join(dataDir, 'admin-credential');
    await pollUntil(() => existsSync(credentialFile) || undefined, 10_000, credentialFile);

    laptop = await browser.newContext({ viewport: LAPTOP });
    page = await laptop.newPage();
    problems = watchProblems(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await simpool?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const credential = async (): Promise<string> =>
    (await readFile(path.join(dir, 'data', 'admin-credential'), 'utf8')).trim();

  it('refuses a wrong credential, then logs in with the admin credential', async () => {
    const response = await page.goto(`${base}/`);
    expect(page.url()).toBe(`${base}/admin/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

    const input = page.getByLabel('Admin credential');
    await input.fill('sp_live_wrongwrongwrongwrongwrongwrong1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'unauthorized' }).waitFor({ timeout: SHOWN });

    await input.fill(await credential());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: SHOWN });
    await page.locator('#live-status[data-state=live]').waitFor({ timeout: SHOWN });
  });

  it('shows every simulated modem, ready, in the modems grid', async () => {
    await page.getByRole('link', { name: 'Modems', exact: true }).click();
    const grid = page.getByTestId('modem-grid');
    for (let i = 0; i < MODEMS; i++) {
      await grid.getByRole('link', { name: `simulated:${i}` }).waitFor({ timeout: SHOWN });
    }
    // Modems still initialising when the page loaded turn ready through the live feed.
    await expect
      .poll(() => grid.locator('tbody .state-ready').count(), { timeout: SHOWN })
      .toBe(MODEMS);
  });

  it("runs a USSD code from a modem's detail page", async () => {
    await page.getByTestId('modem-grid').getByRole('link', { name: 'simulated:0' }).click();
    await page.getByRole('heading', { name: 'Event timeline' }).waitFor({ timeout: SHOWN });
    await page.getByLabel('USSD code').fill('*100#');
    await page.getByRole('button', { name: 'Send USSD' }).click();
    await page
      .getByTestId('ussd-response')
      .getByText('Your balance is 12.34')
      .waitFor({ timeout: SHOWN });
  });

  it('shows an SMS injected into a modem live, as text, without reloading', async () => {
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByTestId('messages-list').waitFor({ timeout: SHOWN });
    // Page scripts run in the browser: passed as text (this project's TypeScript has no DOM).
    await page.evaluate('window.notReloaded = true');

    const text = `e2e <b>bold</b> ${Date.now()} code 482913`;
    await control.injectSms(1, { from: '+447700900555', text });
    const list = page.getByTestId('messages-list');
    await list.getByText(text).first().waitFor({ timeout: SHOWN });
    expect(await list.locator('b').count()).toBe(0);
    expect(await page.evaluate<boolean>("'notReloaded' in window")).toBe(true);
  });

  it('creates a customer and a key, and tops the balance up', async () => {
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('E-mail').fill('e2e-buyer@example.com');
    await page.getByRole('button', { name: 'Create customer' }).click();
    const firstKey = await page.getByTestId('new-secret').first().textContent({ timeout: SHOWN });
    expect(firstKey).toMatch(/^sp_live_[A-Za-z0-9]{32}$/);

    const detail = page.getByTestId('customer-detail');
    await detail.getByText('Customer e2e-buyer@example.com').waitFor({ timeout: SHOWN });
    await detail.getByLabel('Amount (USD)').fill('12.5');
    await detail.getByRole('button', { name: 'Top up' }).click();
    await detail.getByTestId('customer-balance').getByText('$12.50').waitFor({ timeout: SHOWN });

    await detail.getByRole('button', { name: 'Create key' }).click();
    const secondKey = await detail.getByTestId('new-secret').textContent({ timeout: SHOWN });
    expect(secondKey).toMatch(/^sp_live_/);
    expect(secondKey).not.toBe(firstKey);
    await expect
      .poll(() => detail.locator('tbody tr').count(), { timeout: SHOWN })
      .toBeGreaterThanOrEqual(2);

    await screenshot(page, 'laptop-customer-detail');

    // The new key works against the customer API and sees the topped-up balance.
    const balance = await fetch(`${base}/api/v1/customer/balance`, {
      headers: { 'x-api-key': secondKey! },
    });
    expect(await balance.json()).toMatchObject({ success: true, balance: 12.5 });
  });

  it('lists a paused webhook endpoint with since when and why', async () => {
    const api = async (method: string, url: string, body: unknown) => {
      const response = await fetch(`${base}/api/v1/customer${url}`, {
        method,
        headers: { 'x-api-key': await credential(), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await response.json()) as Record<string, unknown>;
    };
    // The operator's own endpoint, on a public address literal (no DNS, nothing is sent to it).
    const created = await api('POST', '/webhooks', {
      url: 'https://93.184.216.34/e2e-hook',
      events: ['sms.received'],
    });
    const paused = await api('PATCH', `/webhooks/${String(created.id)}`, { paused: true });
    expect(paused).toMatchObject({ paused: true, pause_reason: 'manual' });

    await page.getByRole('link', { name: 'Webhooks' }).click();
    const row = page.locator('tr', { hasText: 'https://93.184.216.34/e2e-hook' });
    await row.locator('.state-paused').waitFor({ timeout: SHOWN });
    await row.getByText('(by its owner)').waitFor({ timeout: SHOWN });
    expect(await row.locator('time').first().getAttribute('datetime')).toBe(paused.paused_at);
  });

  it('renders every view on a laptop and a phone (screenshots in test-artifacts/e2e)', async () => {
    // Fresh tabs: each is a full page load that must resume the session from the cookie.
    const shoot = async (context: BrowserContext, prefix: string, views: readonly string[]) => {
      let tab: Page | undefined;
      for (const view of views) {
        await tab?.close();
        tab = await context.newPage();
        watchProblems(tab, problems);
        await tab.goto(`${base}/admin/#/${view}`);
        await tab.locator('#main h1').waitFor({ timeout: SHOWN });
        expect(await tab.locator('#main .error').count()).toBe(0);
        // The catalog lists hundreds of prices: the first screenful is what matters.
        const name = `${prefix}-${view.replace(/[^a-z0-9]+/gi, '-')}`;
        await screenshot(tab, name, view !== 'catalog');
      }
      return tab!;
    };
    await shoot(laptop, 'laptop', [
      'overview',
      'modems',
      `modem/${encodeURIComponent('simulated:1')}`,
      'sims',
      'orders',
      'messages',
      'customers',
      'catalog',
      'webhooks',
    ]);

    // The same session on a phone-sized screen: one column, tables turned into cards.
    const phone = await browser!.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      storageState: await laptop.storageState(),
    });
    const phonePage = await shoot(phone, 'phone', ['overview', 'customers', 'modems', 'messages']);
    expect(await phonePage.locator('[data-testid=messages-list] thead').isHidden()).toBe(true);
    const overflow = await phonePage.evaluate<number>(
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.close();

    expect(problems.filter((p) => !EXPECTED_401.test(p))).toEqual([]);
  }, 60_000);
});
