import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import { baseUrl } from '../../../test-support/e2e-context';
import { startNetworkSwitch, type NetworkSwitch } from '../../../test-support/e2e-network-switch';
import {
  newTabletPage,
  screenshot,
  signIn,
  signupSeededStore,
  textOf,
  unlock,
  usd,
  waitForServiceWorker,
  type SeededStore,
} from './support';

/**
 * The other device shows the offline work after the network returns. How soon is measured and
 * printed (the target is 2 s), not asserted to the millisecond: on a loaded machine a timed
 * assertion fails for the machine, not the product (speed is the bench's to judge). Beyond this
 * bound something is wrong (a missed poke would wait for the next poll, 30 s).
 */
const VISIBLE_WITHIN_MS = 10_000;

describe('sync engine: offline work reaches another device', () => {
  let browser: Browser;
  let store: SeededStore;
  let offline: { context: BrowserContext; page: Page };
  /** The offline device reaches the server only through this line. */
  let line: NetworkSwitch;
  let desk: Page;
  let history: Page;
  /** The ticket's label as the desk shows it (its number, e.g. "A-001"). */
  let ticketLabel = '';

  beforeAll(async () => {
    [browser, store, line] = await Promise.all([
      launchChromium(),
      signupSeededStore('offline-sync'),
      startNetworkSwitch(baseUrl()),
    ]);
    offline = await newTabletPage(browser);
    // The second device: its own context (storage, device id), one tab on the front desk and
    // one on History, both signed in to the same store.
    const other = await newTabletPage(browser);
    desk = other.page;
    await signIn(desk, store);
    history = await other.context.newPage();
    await history.goto(`${baseUrl()}/history`);
    await unlock(history, store.password);
    await history.getByRole('heading', { name: 'History', level: 1 }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await line?.close();
  });

  it('books and checks out with a split payment while offline, through a reload', async () => {
    const { context, page } = offline;
    await signIn(page, store, { base: line.url });
    await waitForServiceWorker(page);
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
    line.cut();
    await context.setOffline(true);
    await page.getByRole('region', { name: 'Sync status' }).getByLabel('Offline').waitFor();

    await page.getByRole('button', { name: 'Book appointment' }).click();
    const book = page.getByRole('dialog', { name: 'Book appointment' });
    await book.getByRole('button', { name: 'Walk-in / no client' }).click();
    await book.getByLabel('Service').selectOption({ label: 'Spa Pedicure (60 min)' });
    await book.getByLabel('Staff member').selectOption({ label: 'Tuan' });
    await book.getByLabel('Time').fill('14:15');
    await book.getByRole('button', { name: 'Book', exact: true }).click();
    const apptName = '2:15 PM Walk-in — Spa Pedicure (Booked)';
    await page.getByRole('button', { name: apptName }).waitFor();

    await page.getByRole('button', { name: 'New ticket' }).click();
    const checkout = page.getByRole('region', { name: 'Checkout' });
    await checkout.getByRole('button', { name: 'Add Gel Manicure' }).click();
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(4000));
    ticketLabel = (await checkout.getByRole('heading', { level: 1 }).innerText()).replace(
      /^Ticket /,
      '',
    );
    const pay = checkout.getByRole('form', { name: 'Take payment' });
    await pay.getByRole('radio', { name: 'Cash', exact: true }).check();
    await pay.getByLabel('Amount').fill('15.00');
    await pay.getByRole('button', { name: `Pay ${usd(1500)}` }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(2500));
    await pay.getByRole('radio', { name: 'Card', exact: true }).check();
    await pay.getByRole('button', { name: `Pay ${usd(2500)}` }).click();
    await checkout.getByRole('button', { name: 'Close ticket' }).click();
    await page.getByRole('article', { name: 'Receipt' }).waitFor();

    const status = page.getByRole('region', { name: 'Sync status' });
    const pendingBefore = await status.getByLabel('Pending changes').innerText();
    expect(pendingBefore).toMatch(/^\d+ changes waiting to sync$/);

    // Reload with the network still off: the shell comes from the service worker, the work
    // from IndexedDB.
    await page.reload();
    await unlock(page, store.password);
    await page.getByRole('article', { name: 'Receipt' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Front desk' })
      .click();
    await page.getByRole('button', { name: apptName }).waitFor();
    expect(await status.getByLabel('Pending changes').innerText()).toBe(pendingBefore);
    await screenshot(page, 'offline-sync-pending');

    // Nothing reached the other device while offline.
    expect(await desk.getByRole('button', { name: apptName }).count()).toBe(0);
    expect(await history.getByRole('listitem').count()).toBe(0);
  });

  it('shows the appointment and the closed ticket on the other device soon after reconnecting', async () => {
    const apptName = '2:15 PM Walk-in — Spa Pedicure (Booked)';
    const ticketRow = history
      .getByRole('listitem')
      .filter({ hasText: ticketLabel })
      .filter({ hasText: 'closed' })
      .filter({ hasText: usd(4000) });

    line.restore();
    const reconnectedAt = Date.now();
    await offline.context.setOffline(false);
    await expect
      .poll(
        async () => ({
          appointment: await desk.getByRole('button', { name: apptName }).count(),
          closedTicket: await ticketRow.count(),
        }),
        { timeout: VISIBLE_WITHIN_MS, interval: 50 },
      )
      .toEqual({ appointment: 1, closedTicket: 1 });
    console.log(
      `offline work on the other device ${Date.now() - reconnectedAt} ms after reconnecting`,
    );

    await offline.page
      .getByRole('region', { name: 'Sync status' })
      .getByText('All changes synced')
      .waitFor();
    await screenshot(history, 'offline-sync-other-device');
  });
});
