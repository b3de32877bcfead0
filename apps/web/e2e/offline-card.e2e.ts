import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import { baseUrl } from '../../../test-support/e2e-context';
import { startNetworkSwitch, type NetworkSwitch } from '../../../test-support/e2e-network-switch';
import {
  goOffline as takeOffline,
  newTabletPage,
  pullEverything,
  pushAsNewDevice,
  screenshot,
  signIn,
  signupSeededStore,
  textOf,
  unlock,
  usd,
  waitForServiceWorker,
  type SeededStore,
} from './support';

/** Offline card payments: the store's caps (new stores: $100 per payment), the status bar, no loss. */
describe('offline card payments', () => {
  let browser: Browser;
  let store: SeededStore;
  /** The device reaches the server only through this line, so "offline" really is offline. */
  let line: NetworkSwitch;
  let context: BrowserContext;
  let page: Page;
  let ticketId = '';

  const statusBar = () => page.getByRole('region', { name: 'Sync status' });
  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const payForm = () => checkout().getByRole('form', { name: 'Take payment' });
  const paymentRows = () =>
    checkout().getByRole('list', { name: 'Payments' }).getByRole('listitem');

  const goOffline = () => takeOffline(page, context, line);

  async function goOnline() {
    line.restore();
    await context.setOffline(false);
    await statusBar().getByText('All changes synced').waitFor({ timeout: 20_000 });
  }

  async function payCard(form: Locator, amount: string, tip: string, buttonCents: number) {
    await form.getByRole('radio', { name: 'Card', exact: true }).check();
    await form.getByLabel('Amount').fill(amount);
    await form.getByLabel('Tip').fill(tip);
    await form.getByRole('button', { name: `Pay ${usd(buttonCents)}` }).click();
  }

  beforeAll(async () => {
    [browser, store, line] = await Promise.all([
      launchChromium(),
      signupSeededStore('offline-card'),
      startNetworkSwitch(baseUrl()),
    ]);
    ({ context, page } = await newTabletPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await line?.close();
  });

  it('refuses a card over the per-payment cap offline and takes one under it', async () => {
    await signIn(page, store, { base: line.url });
    await waitForServiceWorker(page);
    await goOffline();
    await page.getByRole('button', { name: 'New ticket' }).click();
    for (const service of ['Gel Manicure', 'Spa Pedicure', 'Spa Pedicure']) {
      await checkout()
        .getByRole('button', { name: `Add ${service}` })
        .click();
    }
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(14_000));
    ticketId = new URL(page.url()).pathname.split('/').at(-1) ?? '';

    // $100 + $20 tip: the cap counts what the card is charged.
    await payCard(payForm(), '100', '20', 12_000);
    await expect
      .poll(() => payForm().getByRole('alert').innerText())
      .toBe(
        'Offline card payments are limited to $100.00; take another tender or wait for the connection.',
      );
    expect(await textOf(page, 'Amount due')).toBe(usd(14_000));
    expect(await paymentRows().count()).toBe(0);
    expect(await statusBar().getByLabel('Offline card payments').count()).toBe(0);

    await payCard(payForm(), '90', '', 9000);
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(5000));
    expect(await payForm().getByRole('alert').count()).toBe(0);
    await expect
      .poll(() => paymentRows().allInnerTexts())
      .toEqual([expect.stringMatching(/^Card \$90\.00 \(taken offline\)/)]);
    await expect
      .poll(() => statusBar().getByLabel('Offline card payments').innerText())
      .toMatch(/^1 offline card payment · \$90\.00 · (24 h 0|23 h \d+) min left to sync$/);
    await screenshot(page, 'offline-card-taken');
  });

  it('keeps the ticket and the payment through a reload while offline', async () => {
    await page.reload();
    await unlock(page, store.password);
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(5000));
    expect(await paymentRows().allInnerTexts()).toEqual([
      expect.stringMatching(/^Card \$90\.00 \(taken offline\)/),
    ]);
    await expect
      .poll(() => statusBar().getByLabel('Offline card payments').innerText())
      .toMatch(/^1 offline card payment · \$90\.00/);
  });

  it('warns before signing out with the unsynced payment, and cancelling keeps everything', async () => {
    await statusBar().getByRole('button', { name: 'Sign out' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign out with unsynced changes?' });
    await expect
      .poll(() => dialog.getByRole('alert').innerText())
      .toMatch(/changes? made on this device (has|have) not reached the server yet/);
    expect(await dialog.innerText()).toContain('1 card payment taken offline ($90.00)');
    await screenshot(page, 'offline-card-sign-out-warning');
    await dialog.getByRole('button', { name: 'Stay signed in' }).click();
    await dialog.waitFor({ state: 'detached' });

    expect(await textOf(page, 'Amount due')).toBe(usd(5000));
    expect(await paymentRows().count()).toBe(1);
    expect(await statusBar().getByLabel('Offline card payments').innerText()).toMatch(
      /^1 offline card payment/,
    );
  });

  it('sends the payment to the server when the connection returns', async () => {
    await goOnline();
    await statusBar().getByLabel('Offline card payments').waitFor({ state: 'detached' });
    await statusBar().getByLabel('Online', { exact: true }).waitFor();

    const onServer = [...(await pullEverything(store.ownerToken, store.storeId)).values()]
      .filter((c) => c.entity === 'payment' && c.data?.['ticketId'] === ticketId)
      .map((c) => c.data);
    expect(onServer).toEqual([
      expect.objectContaining({
        method: 'card',
        amountCents: 9000,
        tipCents: 0,
        offline: true,
        offlineTakenAt: expect.any(String),
        offlineDeviceId: expect.any(String),
      }),
    ]);
    // Within the caps and the 24 h window: nothing to reconcile.
    expect(onServer[0]).not.toHaveProperty('reconciliation');
  });

  it("applies a manager's new per-payment cap", async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Team & catalog' })
      .click();
    await page.getByRole('tab', { name: 'Store settings' }).click();
    const settings = page.getByRole('form', { name: 'Store settings' });
    expect(await settings.getByLabel('Limit per payment').inputValue()).toBe('100.00');
    expect(await settings.getByLabel('Limit per device until it syncs').inputValue()).toBe(
      '500.00',
    );
    await settings.getByLabel('Limit per payment').fill('150');
    await screenshot(page, 'offline-card-settings');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    await statusBar().getByText('All changes synced').waitFor({ timeout: 20_000 });
    const storeRow = (await pullEverything(store.ownerToken, store.storeId)).get(
      `store:${store.storeId}`,
    );
    expect(storeRow?.data).toMatchObject({
      offlineCardMaxPerPaymentCents: 15_000,
      offlineCardMaxPerDeviceCents: 50_000,
    });

    await goOffline();
    await page.goto(`${line.url}/checkout/${ticketId}`);
    await unlock(page, store.password);
    await checkout().getByRole('button', { name: 'Add Spa Pedicure' }).click();
    await checkout().getByRole('button', { name: 'Add Gel Manicure' }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(14_000));
    // Refused under the $100 default, taken under the new $150 cap.
    await payCard(payForm(), '120', '', 12_000);
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(2000));
    expect(await payForm().getByRole('alert').count()).toBe(0);
    await expect
      .poll(() => statusBar().getByLabel('Offline card payments').innerText())
      .toMatch(/^1 offline card payment · \$120\.00/);

    await goOnline();
    await statusBar().getByLabel('Offline card payments').waitFor({ state: 'detached' });
    const amounts = [...(await pullEverything(store.ownerToken, store.storeId)).values()]
      .filter((c) => c.entity === 'payment' && c.data?.['ticketId'] === ticketId)
      .map((c) => c.data?.['amountCents'])
      .sort();
    expect(amounts).toEqual([12_000, 9000]);
  });

  it('marks a card that synced more than 24 h after it was taken, in words', async () => {
    // Another device took this card offline 25 h ago and only now syncs it: the server applies
    // it (the card was charged) and flags it for reconciliation.
    const lateTicket = randomUUID();
    const service = store.services[0];
    if (!service) throw new Error('no service seeded');
    await pushAsNewDevice(store.ownerToken, store.storeId, [
      { name: 'ticket.open', args: { id: lateTicket } },
      {
        name: 'ticket.addLine',
        args: { ticketId: lateTicket, lineId: randomUUID(), kind: 'service', itemId: service.id },
      },
      {
        name: 'ticket.addPayment',
        args: {
          ticketId: lateTicket,
          paymentId: randomUUID(),
          method: 'card',
          amountCents: service.priceCents,
          offline: true,
          takenAt: new Date(Date.now() - 25 * 3_600_000).toISOString(),
        },
      },
      { name: 'ticket.close', args: { ticketId: lateTicket } },
    ]);

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'History' })
      .click();
    const row = page
      .getByRole('listitem')
      .filter({ hasText: `#${lateTicket.slice(0, 8).toUpperCase()}` });
    await row.getByLabel('Check: Synced late').waitFor({ timeout: 20_000 });
    expect(await page.getByRole('list', { name: 'Tickets' }).getByText('Synced late').count()).toBe(
      1,
    );
    await screenshot(page, 'offline-card-history-flag');

    await row.getByRole('button').click();
    const receipt = page.getByRole('article', { name: 'Receipt' });
    await receipt.getByLabel('Check: Synced late').waitFor();
    expect(await receipt.innerText()).toMatch(/Card \(taken offline\)\s*Synced late/);
  });
});
