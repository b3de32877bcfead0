import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import { runAdmin } from '../../../test-support/e2e-admin';
import { startServer, type ServerProcess } from '../../../test-support/server-process';
import { http, newTabletPage, pushAsNewDevice, screenshot, signIn } from './support';

const SEEDED = 50_000;
const TARGET = { firstName: 'Zelda', lastName: 'Quist', phone: '+1 (212) 867-5309' };

/**
 * A store with 50,000 clients. The admin CLI bulk-writes them (with store versions, so devices
 * pull them) into a data dir of its own before a server of its own opens it: embedded PGlite
 * allows one process per data dir, and pushing 50,000 mutations would take minutes here.
 */
describe('client search among 50,000 clients', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let browser: Browser;
  let page: Page;
  const owner = { email: `big-${randomUUID().slice(0, 8)}@e2e.test`, password: 'big-store-pw-1' };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'mango-e2e-big-'));
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    const created = await runAdmin(
      ['create-org', '--org', 'Big Salon', '--store', 'Big Salon — Main St']
        .concat(['--email', owner.email, '--password', owner.password])
        .concat(['--tz', 'America/New_York']),
      env,
    );
    const storeId = /store ([0-9a-f-]{36})/.exec(created)?.[1];
    if (!storeId) throw new Error(`create-org printed no store id: ${created}`);
    await runAdmin(['seed-clients', '--store', storeId, '--count', String(SEEDED)], env);
    [server, browser] = await Promise.all([
      // Its own server serves the same build as the suite's (WEB_DIST_DIR, see e2e-global-setup).
      startServer(
        {
          DEMO_SEED: 'false',
          ...(process.env.WEB_DIST_DIR ? { WEB_DIST_DIR: process.env.WEB_DIST_DIR } : {}),
        },
        { dataDir },
      ),
      launchChromium(),
    ]);
    const base = server.url;
    const { accessToken } = await http<{ accessToken: string }>('/api/v1/auth/login', {
      base,
      body: owner,
    });
    await pushAsNewDevice(
      accessToken,
      storeId,
      [
        {
          name: 'staff.upsert',
          args: { id: randomUUID(), displayName: 'Linh', role: 'technician', active: true },
        },
        {
          name: 'service.upsert',
          args: {
            id: randomUUID(),
            name: 'Gel Manicure',
            durationMin: 45,
            priceCents: 4000,
            taxable: false,
          },
        },
        { name: 'client.upsert', args: { id: randomUUID(), ...TARGET } },
      ],
      base,
    );
    ({ page } = await newTabletPage(browser));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('hydrates every client and finds one by part of the phone number', async () => {
    const started = Date.now();
    await signIn(page, owner, { base: server!.url, hydrationTimeoutMs: 150_000 });
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Clients' })
      .click();
    const clients = page.getByRole('region', { name: 'Clients' });
    const total = (SEEDED + 1).toLocaleString('en-US');
    // Hydration is done when the search index holds every client of the store.
    await clients.getByText(`${total} of ${total}`, { exact: true }).waitFor({ timeout: 60_000 });
    console.log(
      `client-search: ${total} clients hydrated and indexed in ${Date.now() - started} ms`,
    );

    await clients.getByRole('searchbox', { name: 'Search clients' }).fill('867-53');
    // Exact: the unfiltered count, "50,001 of 50,001", contains "1 of 50,001" as a substring.
    await clients.getByText(`1 of ${total}`, { exact: true }).waitFor();
    const list = clients.getByRole('list', { name: 'Client list' });
    const hits = list.getByRole('listitem');
    expect(await hits.count()).toBe(1);
    expect(await hits.first().innerText()).toContain('Zelda Quist');
    expect(await hits.first().innerText()).toContain(TARGET.phone);
    await screenshot(page, 'client-search');

    // Digits typed in another format still match, and a partial phone of the seeded clients
    // narrows 50,000 to exactly the ten that contain it (+1 555 204999x).
    await clients.getByRole('searchbox', { name: 'Search clients' }).fill('204 999');
    await clients.getByText(`10 of ${total}`, { exact: true }).waitFor();
    await hits.first().getByRole('link').click();
    const profile = page.getByRole('article', { name: 'Client profile' });
    expect(await profile.innerText()).toMatch(/\+1 555 204999\d/);
  }, 240_000);
});
