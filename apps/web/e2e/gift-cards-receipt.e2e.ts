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

const ADDRESS = ['12 Main Street', 'Suite 4', 'Brooklyn, NY 11201'];
/** 80 mm in CSS pixels (96 per inch). */
const MAX_WIDTH_PX = (80 / 25.4) * 96;

/**
 * Gift cards at the desk and the printed receipt, as the front desk works them: sell a $50 card
 * for cash, spend $20 of it on another ticket, check what is left with its history, and print
 * the sale's receipt on an 80 mm roll with the store's address, the ticket number and the code.
 */
describe('gift cards and the thermal receipt at the front desk', () => {
  let browser: Browser;
  let store: SeededStore;
  let page: Page;
  let code = '';
  let saleNumber = '';

  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const pay = () => checkout().getByRole('form', { name: 'Take payment' });
  const synced = () =>
    page
      .getByRole('region', { name: 'Sync status' })
      .getByText('All changes synced')
      .waitFor({ timeout: 20_000 });
  const giftCardsTab = () =>
    checkout()
      .getByRole('tablist', { name: 'Catalog' })
      .getByRole('tab', { name: 'Gift cards' })
      .click();

  async function serverCard() {
    const rows = await pullEverything(store.ownerToken, store.storeId);
    return [...rows.values()].find((r) => r.entity === 'giftCard' && r.data?.['code'] === code)
      ?.data;
  }

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('gift-cards')]);
    // The owner set the address in the store settings; receipts print it under the name.
    await pushAsNewDevice(store.ownerToken, store.storeId, [
      { name: 'store.updateSettings', args: { address: ADDRESS.join('\n') } },
    ]);
    ({ page } = await newTabletPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('sells a $50 gift card for cash; it is active with $50 once the ticket closes', async () => {
    await openDeskAs(page, store, store.staff.frontDesk);

    await page.getByRole('button', { name: 'New ticket' }).click();
    await giftCardsTab();
    const sell = checkout().getByRole('form', { name: 'Sell a gift card' });
    code = await sell.getByLabel('Card code').inputValue();
    expect(code).toMatch(/^GC-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await sell.getByRole('button', { name: `Sell ${usd(5000)} card` }).click();
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(5000));
    await checkout().getByRole('listitem', { name: 'Gift card' }).waitFor();

    await pay().getByRole('radio', { name: 'Cash', exact: true }).check();
    await pay().getByLabel('Amount').fill('50.00');
    await pay()
      .getByRole('button', { name: `Pay ${usd(5000)}` })
      .click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(0));
    await checkout().getByRole('button', { name: 'Close ticket' }).click();

    const receipt = page.getByRole('article', { name: 'Receipt' });
    await receipt.waitFor();
    saleNumber = (await receipt.getByLabel('Receipt ticket number').innerText()).replace(
      'Ticket ',
      '',
    );
    expect(
      await receipt.getByRole('region', { name: 'Gift cards on this ticket' }).innerText(),
    ).toContain(`Gift card ${code}`);

    await synced();
    expect(await serverCard()).toMatchObject({
      code,
      balanceCents: 5000,
      initialCents: 5000,
      status: 'active',
    });
  });

  it('redeems $20 of it on another ticket and pays the rest by card', async () => {
    await page.getByRole('button', { name: 'New ticket' }).click();
    await checkout().getByRole('button', { name: 'Add Spa Pedicure' }).click();
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(5000));

    await pay().getByRole('radio', { name: 'Gift card', exact: true }).check();
    // Typed as a client reads it off the receipt: lower case works too.
    await pay().getByLabel('Gift card code').fill(code.toLowerCase());
    await pay().getByRole('table', { name: 'Gift card history' }).waitFor();
    await pay().getByLabel('Amount').fill('20.00');
    await pay()
      .getByRole('button', { name: `Pay ${usd(2000)}` })
      .click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(3000));

    // The balance by code, with what moved it: sold $50, spent $20, $30 left.
    await giftCardsTab();
    const lookup = checkout().getByRole('region', { name: 'Check a gift card' });
    await lookup.getByLabel('Gift card code').fill(code);
    const card = lookup.getByRole('region', { name: `Gift card ${code}` });
    await expect.poll(() => card.locator('strong').innerText()).toBe(usd(3000));
    const history = card.getByRole('table', { name: 'Gift card history' });
    const rows = (await history.locator('tbody tr').allInnerTexts()).map((r) =>
      r.replace(/\s+/g, ' ').trim(),
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`Sold \\+\\${usd(5000)}$`));
    expect(rows[1]).toMatch(new RegExp(`Spent −\\${usd(2000)}$`));
    expect(await history.locator('tfoot').innerText()).toContain(usd(3000));
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'gift-card-balance');

    await pay().getByRole('radio', { name: 'Card', exact: true }).check();
    await pay()
      .getByRole('button', { name: `Pay ${usd(3000)}` })
      .click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(0));
    await checkout().getByRole('button', { name: 'Close ticket' }).click();
    const receipt = page.getByRole('article', { name: 'Receipt' });
    await receipt.waitFor();
    // The redeemed card is named on the tender by its last characters only.
    // The card's code is read from the device's store after the receipt first renders.
    await expect
      .poll(() => receipt.innerText())
      .toMatch(new RegExp(`Gift card …${code.slice(-4)}\\s+\\${usd(2000)}`));
    expect(await receipt.innerText()).not.toContain(code);

    await synced();
    expect(await serverCard()).toMatchObject({ balanceCents: 3000, status: 'active' });
  });

  it('prints the sale’s receipt on an 80 mm roll: store, address, number and card code', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'History' })
      .click();
    await page
      .getByRole('list', { name: 'Tickets' })
      .getByRole('listitem')
      .filter({ hasText: `#${saleNumber}` })
      .getByRole('button')
      .click();
    const receipt = page.getByRole('article', { name: 'Receipt' });
    await receipt.waitFor();
    expect(await page.getByLabel('Receipt paper').inputValue()).toBe('thermal');

    // window.print() would open the dialog; print media shows what goes to paper.
    await page.emulateMedia({ media: 'print' });
    try {
      expect(await receipt.isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Print receipt' }).isVisible()).toBe(false);
      const text = await receipt.innerText();
      expect(text).toContain('E2E gift-cards salon');
      for (const line of ADDRESS) expect(text).toContain(line);
      expect(await receipt.getByLabel('Receipt ticket number').innerText()).toBe(
        `Ticket ${saleNumber}`,
      );
      expect(text).toContain(code);
      expect(text).toMatch(new RegExp(`Cash\\s+\\${usd(5000)}`));
      const box = await receipt.boundingBox();
      expect(box?.width ?? Infinity).toBeLessThanOrEqual(MAX_WIDTH_PX);
      expect(box?.width ?? 0).toBeGreaterThan(MAX_WIDTH_PX * 0.8);
      // The roll's page rule is in force while the thermal receipt is shown.
      expect(
        await page.evaluate(() =>
          [...document.querySelectorAll('article.receipt style')].map((s) => s.textContent),
        ),
      ).toEqual(['@page { size: 80mm auto; margin: 0; }']);
      await screenshot(page, 'thermal-receipt');
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }

    // The full-page fallback, chosen at the print button, is kept by this device.
    await page.getByLabel('Receipt paper').selectOption({ label: 'Full page' });
    await page.emulateMedia({ media: 'print' });
    try {
      expect((await receipt.boundingBox())?.width ?? 0).toBeGreaterThan(MAX_WIDTH_PX);
      expect(await receipt.innerText()).toContain(code);
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
    expect(await page.evaluate(() => localStorage.getItem('mango.receiptLayout'))).toBe('full');
    await page.getByLabel('Receipt paper').selectOption({ label: '80 mm roll' });
  });
});
