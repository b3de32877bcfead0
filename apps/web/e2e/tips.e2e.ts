import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  newTabletPage,
  pullEverything,
  screenshot,
  signupSeededStore,
  textOf,
  usd,
  type SeededStore,
  openDeskAs,
} from './support';

/**
 * Tips at the desk as the front desk takes them: a cash tip on a ticket shared by two
 * technicians, split proportionally (the default), evenly or by hand; a hand split that does
 * not add up is refused before anything is sent; the receipt shows each share and the drawer
 * expects the cash tips.
 */
describe('tips at checkout, as a front-desk staff member', () => {
  let browser: Browser;
  let store: SeededStore;
  let context: BrowserContext;
  let page: Page;
  const ticketIds: string[] = [];

  const TIP = 1201; // $12.01: an odd cent, so an even split cannot be exactly halves
  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const tipSplit = () => checkout().getByRole('region', { name: 'Tip split' });
  const shares = () => tipSplit().getByRole('list', { name: 'Tip shares' });
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
  const names = () => {
    const [linh, mai] = store.staff.technicians;
    if (!linh || !mai) throw new Error('the seeded store has technicians');
    return { linh, mai };
  };

  /** An even split of the tip by staff id: staff are ordered by id, the first gets the odd cent. */
  const evenShares = () => {
    const { linh, mai } = names();
    const first = linh.id < mai.id ? linh.id : mai.id;
    return { [linh.id]: first === linh.id ? 601 : 600, [mai.id]: first === mai.id ? 601 : 600 };
  };

  /**
   * A new ticket: Linh's Gel Manicure ($40) and Mai's Spa Pedicure ($50), paid with $100 cash
   * and a $12.01 cash tip ($10 change).
   */
  async function ringUpWithCashTip(): Promise<void> {
    const { linh, mai } = names();
    await nav('Front desk');
    await page.getByRole('button', { name: 'New ticket' }).click();
    const lines = checkout().getByRole('region', { name: 'Ticket lines' });
    await checkout().getByRole('button', { name: 'Add Gel Manicure' }).click();
    await lines
      .getByRole('listitem', { name: 'Gel Manicure' })
      .getByLabel('Staff')
      .selectOption({ label: linh.name });
    await checkout().getByRole('button', { name: 'Add Spa Pedicure' }).click();
    await lines
      .getByRole('listitem', { name: 'Spa Pedicure' })
      .getByLabel('Staff')
      .selectOption({ label: mai.name });
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(9000));
    ticketIds.push(new URL(page.url()).pathname.split('/').at(-1) ?? '');

    const pay = checkout().getByRole('form', { name: 'Take payment' });
    await pay.getByRole('radio', { name: 'Cash', exact: true }).check();
    await pay.getByLabel('Amount').fill('100');
    await pay.getByLabel('Tip').fill('12.01');
    await expect.poll(() => textOf(page, 'Change due')).toBe(`Change due: ${usd(1000)}`);
    await pay.getByRole('button', { name: `Pay ${usd(10_000 + TIP)}` }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(0));
    await tipSplit().waitFor();
  }

  /** The shares on screen, by technician name. */
  async function sharesOnTicket(): Promise<Record<string, string>> {
    await shares().waitFor();
    const out: Record<string, string> = {};
    for (const row of await shares().getByRole('listitem').all()) {
      const [name = '', amount = ''] = await row.locator('span').allInnerTexts();
      out[name.trim()] = amount.trim();
    }
    return out;
  }

  async function closeAndReadReceipt(): Promise<string> {
    await checkout().getByRole('button', { name: 'Close ticket' }).click();
    const receipt = page.getByRole('article', { name: 'Receipt' });
    await receipt.waitFor();
    return receipt.innerText();
  }

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('tips')]);
    ({ context, page } = await newTabletPage(browser));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('unlocks as the front desk and opens the cash drawer', async () => {
    await openDeskAs(page, store, store.staff.frontDesk);

    await nav('Reports');
    await page.getByLabel('Opening float').fill('100');
    await page.getByRole('button', { name: 'Open drawer' }).click();
    await expect.poll(() => textOf(page, 'Expected cash')).toBe(usd(10_000));
  });

  it('splits a cash tip in proportion to the services by default, and prints the shares', async () => {
    const { linh, mai } = names();
    await ringUpWithCashTip();
    await expect
      .poll(() => tipSplit().getByRole('heading').innerText())
      .toBe(`Tip split: Proportional (${usd(TIP)})`);
    // $40 and $50 of services: 533.78… and 667.22… cents, the leftover cent to the larger part.
    await expect.poll(sharesOnTicket).toEqual({ [linh.name]: usd(534), [mai.name]: usd(667) });
    const receipt = await closeAndReadReceipt();
    expect(receipt).toMatch(/split: Proportional/i);
    expect(receipt).toMatch(new RegExp(`${linh.name}\\s+\\${usd(534)}`));
    expect(receipt).toMatch(new RegExp(`${mai.name}\\s+\\${usd(667)}`));
  });

  it('splits evenly, the odd cent to the same person on every device', async () => {
    const { linh, mai } = names();
    await ringUpWithCashTip();
    // A click, not check(): the radio follows the ticket, which changes once the split applies.
    await tipSplit().getByRole('radio', { name: 'Even' }).click();
    await expect
      .poll(() => tipSplit().getByRole('heading').innerText())
      .toBe(`Tip split: Even (${usd(TIP)})`);
    const byId = evenShares();
    const even = { [linh.name]: usd(byId[linh.id] ?? 0), [mai.name]: usd(byId[mai.id] ?? 0) };
    await expect.poll(sharesOnTicket).toEqual(even);
    const receipt = await closeAndReadReceipt();
    expect(receipt).toMatch(/split: Even/i);
    expect(receipt).toMatch(new RegExp(`${linh.name}\\s+\\${even[linh.name]}`));
    expect(receipt).toMatch(new RegExp(`${mai.name}\\s+\\${even[mai.name]}`));
  });

  it('refuses a manual split a cent short, with the difference, then takes the exact one', async () => {
    const { linh, mai } = names();
    await ringUpWithCashTip();
    await tipSplit().getByRole('radio', { name: 'Manual' }).click();
    const manual = tipSplit().getByRole('form', { name: 'Manual tip shares' });
    await manual.getByLabel(`Share for ${linh.name}`).fill('7.00');
    await manual.getByLabel(`Share for ${mai.name}`).fill('5.00');
    await expect
      .poll(() => textOf(page, 'Tip split difference'))
      .toBe(`${usd(1)} still to give out.`);
    await manual.getByRole('button', { name: 'Save split' }).click();
    await expect
      .poll(() => manual.getByRole('alert').innerText())
      .toBe(
        `The shares add up to ${usd(1200)}, not the ${usd(TIP)} tip: ${usd(1)} still to give out.`,
      );
    // Nothing was sent: the ticket keeps its split.
    expect(await tipSplit().getByRole('heading').innerText()).toBe(
      `Tip split: Proportional (${usd(TIP)})`,
    );

    await manual.getByLabel(`Share for ${mai.name}`).fill('5.01');
    await expect
      .poll(() => textOf(page, 'Tip split difference'))
      .toBe('The shares add up to the tip.');
    await manual.getByRole('button', { name: 'Save split' }).click();
    await expect
      .poll(() => tipSplit().getByRole('heading').innerText())
      .toBe(`Tip split: Manual (${usd(TIP)})`);
    await expect.poll(sharesOnTicket).toEqual({ [linh.name]: usd(700), [mai.name]: usd(501) });
    await screenshot(page, 'checkout-split-tip');

    const receipt = await closeAndReadReceipt();
    expect(receipt).toMatch(/split: Manual/i);
    expect(receipt).toMatch(new RegExp(`${linh.name}\\s+\\${usd(700)}`));
    expect(receipt).toMatch(new RegExp(`${mai.name}\\s+\\${usd(501)}`));
  });

  it('expects the cash tips in the drawer, and the server holds the same shares', async () => {
    await nav('Reports');
    // Three tickets: $100 cash and a $12.01 tip each, $10 change each.
    await expect.poll(() => textOf(page, 'Cash tips')).toBe(usd(3 * TIP));
    await expect.poll(() => textOf(page, 'Expected cash')).toBe(usd(10_000 + 3 * (9000 + TIP)));

    const { linh, mai } = names();
    await expect
      .poll(
        async () => {
          const rows = await pullEverything(store.ownerToken, store.storeId);
          return ticketIds.map((id) => rows.get(`ticket:${id}`)?.data?.['tipShares'] ?? null);
        },
        { timeout: 20_000 },
      )
      .toEqual([
        { [linh.id]: 534, [mai.id]: 667 },
        evenShares(),
        { [linh.id]: 700, [mai.id]: 501 },
      ]);
  });
});
