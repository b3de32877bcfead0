import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import { baseUrl } from '../../../test-support/e2e-context';
import {
  newTabletPage,
  pushAsNewDevice,
  signupSeededStore,
  unlockWithPin,
  type SeededStore,
} from './support';

const CLIENTS = 3000;
/** Rows per pull page the browser asks for here (the app asks for 5,000): many small pages. */
const PAGE_ROWS = 250;

/**
 * First sign-in to a store with history (issue 20): the front desk opens on the essentials
 * while the rest is still arriving behind a progress bar; a walk-in added meanwhile is on screen
 * at once, client search answers with the clients in so far, and the bar goes away at the end.
 * The test holds the pull pages after the first few (the catalog comes first: it was written
 * first), so "during the hydration" is a state it controls, not a race.
 */
describe('first sign-in: the front desk during the background hydration', () => {
  let browser: Browser;
  let store: SeededStore;

  beforeAll(async () => {
    store = await signupSeededStore('hydration');
    await pushAsNewDevice(
      store.ownerToken,
      store.storeId,
      Array.from({ length: CLIENTS }, (_, n) => ({
        name: 'client.upsert',
        args: {
          id: crypto.randomUUID(),
          firstName: `Hydra${String(n).padStart(4, '0')}`,
          lastName: 'Client',
          phone: `+1 555 3${String(n).padStart(6, '0')}`,
        },
      })),
    );
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Small pull pages; from page `holdFrom` on, each waits until `release()`. */
  async function throttlePulls(context: BrowserContext, holdFrom: number) {
    let pages = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    // Pull pages only: a server without the cursor-0 snapshot answers 404 and the device
    // hydrates with pulls (docs/SYNC.md), which this test paces page by page.
    await context.route('**/sync/snapshot?*', (route: Route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: '{"code":"NOT_FOUND","message":"no snapshot"}',
      }),
    );
    await context.route('**/sync/pull?*', async (route: Route) => {
      const url = new URL(route.request().url());
      pages += 1;
      url.searchParams.set('limit', String(PAGE_ROWS));
      if (pages >= holdFrom) await gate;
      await route.continue({ url: url.toString() });
    });
    return { release, pages: () => pages };
  }

  async function signInWithoutWaiting(page: Page) {
    await page.goto(baseUrl());
    await page.getByLabel('Email').fill(store.email);
    await page.getByLabel('Password').fill(store.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const progress = (page: Page) => page.getByRole('progressbar', { name: 'Copying this store' });

  async function addWalkIn(page: Page, name: string): Promise<number> {
    await page.getByRole('tab', { name: 'Turn tracker' }).click();
    const queue = page.getByRole('region', { name: 'Walk-in queue' });
    await queue.getByLabel('Walk-in name').fill(name);
    const started = performance.now();
    await queue.getByRole('button', { name: 'Add walk-in' }).click();
    await queue.getByText(name).waitFor({ timeout: 5_000 });
    return performance.now() - started;
  }

  it('opens the front desk before the store is in, takes a walk-in and searches meanwhile', async () => {
    const { context, page } = await newTabletPage(browser);
    try {
      const pulls = await throttlePulls(context, 3);
      await signInWithoutWaiting(page);
      await page
        .getByRole('heading', { name: 'Front desk', level: 1 })
        .waitFor({ timeout: 20_000 });
      // Still copying: the bar is there, with its values for assistive technology.
      await progress(page).waitFor();
      expect(await progress(page).getAttribute('aria-valuetext')).toMatch(/rows/);
      expect(pulls.pages()).toBeLessThan(CLIENTS / PAGE_ROWS);
      const axe = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      expect(
        axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
      ).toEqual([]);

      // A walk-in while the rest of the store is on its way: on screen at once.
      const ms = await addWalkIn(page, 'Early Walk-in');
      expect(ms).toBeLessThan(2_000);

      // Client search works with the clients in so far.
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Clients' })
        .click();
      const clients = page.getByRole('region', { name: 'Clients' });
      await clients.getByRole('searchbox', { name: 'Search clients' }).fill('Hydra');
      const counter = clients.locator('.toolbar [aria-live="polite"]');
      await expect.poll(() => counter.innerText(), { timeout: 10_000 }).toMatch(/^\d[\d,]* of /);
      const partial = Number((await counter.innerText()).split(' of ')[0]?.replace(/,/g, ''));
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(CLIENTS);

      // The rest arrives: the bar goes away and search counts every client.
      pulls.release();
      await progress(page).waitFor({ state: 'detached', timeout: 30_000 });
      await expect
        .poll(() => counter.innerText(), { timeout: 15_000 })
        .toBe(`${CLIENTS.toLocaleString('en-US')} of ${CLIENTS.toLocaleString('en-US')}`);
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Front desk' })
        .click();
      await page.getByRole('tab', { name: 'Turn tracker' }).click();
      await page
        .getByRole('region', { name: 'Walk-in queue' })
        .getByText('Early Walk-in')
        .waitFor();
      expect(await addWalkIn(page, 'Late Walk-in')).toBeLessThan(2_000);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('a front-desk staff member, switched in by PIN, works the desk while it hydrates', async () => {
    const { context, page } = await newTabletPage(browser);
    try {
      const pulls = await throttlePulls(context, 3);
      await signInWithoutWaiting(page);
      await page
        .getByRole('heading', { name: 'Front desk', level: 1 })
        .waitFor({ timeout: 20_000 });
      await progress(page).waitFor();
      await page
        .getByRole('region', { name: 'Sync status' })
        .getByRole('button', { name: 'Lock' })
        .click();
      await unlockWithPin(page, store.staff.frontDesk.name, store.staff.frontDesk.pin);
      await progress(page).waitFor();
      expect(await addWalkIn(page, 'Desk Walk-in')).toBeLessThan(2_000);
      pulls.release();
      await progress(page).waitFor({ state: 'detached', timeout: 30_000 });
      await page.getByRole('region', { name: 'Walk-in queue' }).getByText('Desk Walk-in').waitFor();
    } finally {
      await context.close();
    }
  }, 90_000);
});
