import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  newTabletPage,
  pullEverything,
  pushAsNewDevice,
  screenshot,
  signupSeededStore,
  textOf,
  usd,
  type SeededStore,
  openDeskAs,
} from './support';

/**
 * Refund by line at the desk, as the front desk: one product line of a closed ticket is refunded
 * with a manager's PIN, its tax comes back to the cent, the product goes back in stock, and the
 * server has the refund with its lines, tax and the restocked count.
 */
describe('refund by line with restock (front desk)', () => {
  let browser: Browser;
  let store: SeededStore;
  let page: Page;
  const topCoat = { id: randomUUID(), name: 'Top Coat', priceCents: 1200 };
  let ticketId = '';
  let productLineId = '';

  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const synced = () =>
    page
      .getByRole('region', { name: 'Sync status' })
      .getByText('All changes synced')
      .waitFor({ timeout: 20_000 });
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

  /** The Stock cell of a product on the Products tab (every role sees it). */
  async function shelfCount(name: string): Promise<string> {
    await nav('Team & catalog');
    const team = page.getByRole('region', { name: 'Team and catalog' });
    await team.getByRole('tab', { name: 'Products' }).click();
    const row = team.getByRole('row').filter({ hasText: name });
    return (await row.getByRole('cell').nth(3).innerText()).trim();
  }

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('refund-line')]);
    // A taxed store (8.875 %) with a taxed product, five on the shelf.
    await pushAsNewDevice(store.ownerToken, store.storeId, [
      { name: 'store.updateSettings', args: { taxRatePpm: 88_750 } },
      {
        name: 'product.upsert',
        args: { ...topCoat, sku: 'TC-1', stockCount: 5, taxable: true },
      },
    ]);
    ({ page } = await newTabletPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('sells a product and a service as the front desk; the shelf loses one', async () => {
    await openDeskAs(page, store, store.staff.frontDesk);

    await page.getByRole('button', { name: 'New ticket' }).click();
    await checkout().getByRole('button', { name: 'Add Gel Manicure' }).click();
    await checkout().getByRole('tab', { name: 'Products' }).click();
    await checkout().getByRole('button', { name: 'Add Top Coat' }).click();
    // $40 untaxed + $12 taxed at 8.875 % (106.5¢ → $1.07) = $53.07.
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(5307));
    ticketId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const pay = checkout().getByRole('form', { name: 'Take payment' });
    await pay.getByRole('radio', { name: 'Card', exact: true }).check();
    await pay.getByRole('button', { name: `Pay ${usd(5307)}` }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(0));
    await checkout().getByRole('button', { name: 'Close ticket' }).click();
    await page.getByRole('article', { name: 'Receipt' }).waitFor();
    await synced();
    // The sale took one off the shelf (on close), on the server too.
    const server = await pullEverything(store.ownerToken, store.storeId);
    expect(server.get(`product:${topCoat.id}`)?.data).toMatchObject({ stockCount: 4 });
  });

  it('refunds the product line with its tax after a manager’s PIN, and restocks it', async () => {
    const refund = page.getByRole('form', { name: 'Refund' });
    await refund.getByRole('checkbox', { name: 'Refund Top Coat' }).check();
    await expect
      .poll(async () => (await refund.getByLabel('Refund total').innerText()).trim())
      .toBe(`Refund total ${usd(1307)} (${usd(1200)} + tax ${usd(107)})`);
    const restock = refund.getByRole('checkbox', { name: 'Return to stock' });
    expect(await restock.isChecked()).toBe(true);
    await refund.getByLabel('Refund method').selectOption({ label: 'Card' });
    await refund.getByLabel('Reason').fill('Wrong shade');
    await refund.getByRole('button', { name: 'Refund' }).click();

    const approval = page.getByRole('dialog', { name: 'Manager approval' });
    await approval.waitFor();
    await approval.getByLabel('PIN').fill(store.staff.manager.pin);
    await approval.getByRole('button', { name: 'Approve' }).click();
    const receipt = page.getByRole('article', { name: 'Receipt' });
    await receipt.getByText(`−${usd(1307)}`).waitFor();
    // The refunded line cannot be ticked again; what is left to refund is the rest.
    expect(await refund.getByRole('checkbox', { name: /Refund Top Coat/ }).isDisabled()).toBe(true);
    await expect
      .poll(() => refund.getByLabel('Refundable').innerText())
      .toContain(usd(5307 - 1307));
    await screenshot(page, 'refund-by-line');
    await synced();
    expect(await shelfCount(topCoat.name)).toBe('5');
  });

  it('the server has the refund by line, its tax, and the product back in stock', async () => {
    const server = await pullEverything(store.ownerToken, store.storeId);
    const lines = [...server.values()].filter(
      (c) => c.entity === 'ticketLine' && c.data?.['ticketId'] === ticketId,
    );
    productLineId = String(lines.find((l) => l.data?.['kind'] === 'product')?.id);
    const refunds = [...server.values()].filter(
      (c) => c.entity === 'refund' && c.data?.['ticketId'] === ticketId,
    );
    expect(refunds.map((r) => r.data)).toMatchObject([
      {
        amountCents: 1307,
        taxCents: 107,
        method: 'card',
        reason: 'Wrong shade',
        restocked: true,
        lines: [{ lineId: productLineId, quantity: 1, amountCents: 1200 }],
      },
    ]);
    expect(server.get(`ticket:${ticketId}`)?.data).toMatchObject({ refundedCents: 1307 });
    expect(server.get(`product:${topCoat.id}`)?.data).toMatchObject({ stockCount: 5 });
  });
});
