import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireTool } from './require-tool.js';
import { repoRoot } from './sim-process.js';

/** Where browser tests leave their screenshots (kept by CI as artifacts; git-ignored). */
export const artifactsDir = path.join(repoRoot, 'test-artifacts', 'e2e');

/**
 * Debian's chromium, headless. Fails (never skips) when it is not installed: `.ci/run`
 * installs it, and a silently skipped browser test would hide a broken CI image.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = requireTool('chromium');
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Collects what the page reported as broken: uncaught exceptions, console errors (a
 * Content-Security-Policy violation is one) and failed requests.
 */
export function watchProblems(page: Page, problems: string[] = []): string[] {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`),
  );
  return problems;
}

/** `fullPage: false` for pages too long to look at whole (the screen as the user sees it). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}
