import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import { baseUrl } from '../../../test-support/e2e-context';
import { waitForServiceWorker } from './support';

describe('app shell', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('serves the POS with its security headers and shows the sign-in form', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    const response = await page.goto(baseUrl());
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).count()).toBe(1);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/shell.png' });
  });

  it('stays installable: a complete manifest, its icons, a service worker that works offline', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(baseUrl());
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href).toBeTruthy();
    const manifestUrl = new URL(href ?? '', baseUrl()).href;
    const manifest = (await (await fetch(manifestUrl)).json()) as {
      name?: string;
      short_name?: string;
      start_url?: string;
      display?: string;
      icons?: { src: string; sizes: string; type: string }[];
    };
    expect(manifest).toMatchObject({ name: 'Mango POS', start_url: '/', display: 'standalone' });
    // Chrome installs with a 192 px and a 512 px icon; each one must really be there.
    const sizes = (manifest.icons ?? []).map((i) => i.sizes);
    expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest.icons ?? []) {
      const res = await fetch(new URL(icon.src, manifestUrl));
      expect(res.status, icon.src).toBe(200);
      expect(res.headers.get('content-type'), icon.src).toContain(icon.type);
    }

    // The shell (not only a signed-in desk) comes from the service worker with no network.
    await waitForServiceWorker(page);
    await context.setOffline(true);
    const shell = await page.reload();
    expect(shell?.fromServiceWorker(), 'the app shell came from the service worker').toBe(true);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await context.close();
  });
});
