import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  http,
  newGelManicureTicket,
  newTabletPage,
  screenshot,
  signupSeededStore,
  switchStaff,
  textOf,
  usd,
  type SeededStore,
  openDeskAs,
} from './support';

const NOTICE = 'No cash drawer is open: this cash will not be in a drawer’s count.';

/**
 * Cash taken while no drawer is open is never refused (another device may have opened one) but
 * is counted by no drawer: the front desk is warned at the sale, can open the drawer right there,
 * and the close-out shows the day's cash outside any drawer so the "$40 missing" is found.
 */
describe('cash taken with no drawer open', () => {
  let browser: Browser;
  let store: SeededStore;
  let page: Page;
  const technicianPin = '8642';
  let firstLabel = '';

  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const closeOut = () => page.getByRole('region', { name: 'Close-out' });
  const outsideList = () =>
    closeOut().getByRole('list', { name: 'Cash outside any drawer, by ticket' });
  const ticketLabelOnScreen = async () =>
    (await checkout().getByRole('heading', { level: 1 }).innerText()).replace(/^Ticket /, '');

  /** A new ticket with one Gel Manicure ($40.00) done by Linh, Cash chosen. */
  async function newGelManicureInCash() {
    await newGelManicureTicket(page, store.staff.technicians[0]!.name);
    await checkout()
      .getByRole('form', { name: 'Take payment' })
      .getByRole('radio', { name: 'Cash', exact: true })
      .check();
  }

  async function payCashAndClose(cents: number) {
    const pay = checkout().getByRole('form', { name: 'Take payment' });
    await pay.getByLabel('Amount').fill((cents / 100).toFixed(2));
    await pay.getByRole('button', { name: `Pay ${usd(cents)}` }).click();
    await checkout().getByRole('button', { name: 'Close ticket' }).click();
    await page.getByRole('region', { name: 'Closed ticket' }).waitFor();
  }

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('no-drawer-cash')]);
    // A technician with a PIN, to step in at the desk.
    await http(`/api/v1/stores/${store.storeId}/staff/${store.staff.technicians[0]!.id}/pin`, {
      method: 'PUT',
      token: store.ownerToken,
      body: { pin: technicianPin },
    });
    ({ page } = await newTabletPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('warns the front desk at a cash sale with no drawer open, and still takes it', async () => {
    await openDeskAs(page, store, store.staff.frontDesk);

    await newGelManicureInCash();
    firstLabel = await ticketLabelOnScreen();
    await expect.poll(() => checkout().getByRole('status').innerText()).toBe(NOTICE);
    await checkout().getByRole('form', { name: 'Open drawer' }).waitFor();
    // Card is counted by no drawer anyway: no notice.
    const pay = checkout().getByRole('form', { name: 'Take payment' });
    await pay.getByRole('radio', { name: 'Card', exact: true }).check();
    await expect.poll(() => checkout().getByRole('status').count()).toBe(0);
    await pay.getByRole('radio', { name: 'Cash', exact: true }).check();
    await checkout().getByRole('status').waitFor();

    expect(page.viewportSize()).toEqual({ width: 1024, height: 768 });
    await checkout().getByRole('form', { name: 'Open drawer' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'no-drawer-cash');

    await payCashAndClose(4000);
  });

  it('warns at a cash refund too', async () => {
    const closed = page.getByRole('region', { name: 'Closed ticket' });
    await closed.getByLabel('Refund method').selectOption({ label: 'Cash' });
    await expect.poll(() => closed.getByRole('status').innerText()).toBe(NOTICE);
    await closed.getByLabel('Refund method').selectOption({ label: 'Card' });
    await expect.poll(() => closed.getByRole('status').count()).toBe(0);
  });

  it('shows the $40 in the close-out as cash outside any drawer, with its ticket', async () => {
    await nav('Reports');
    await page.getByRole('heading', { name: 'Cash drawer', level: 1 }).waitFor();
    await expect.poll(() => textOf(page, 'Cash outside any drawer today')).toBe(usd(4000));
    const rows = outsideList().getByRole('listitem');
    await expect.poll(() => rows.count()).toBe(1);
    const row = await rows.first().innerText();
    expect(row).toContain(`Ticket ${firstLabel}`);
    expect(row).toContain(usd(4000));
    await closeOut()
      .getByText(/add it to the count, or pay it in/)
      .waitFor();
  });

  it('shows a technician the ticket but neither payments nor the drawer', async () => {
    await newGelManicureInCash();
    const label = await ticketLabelOnScreen();
    await switchStaff(page, store.staff.technicians[0]!.name, technicianPin);
    // Technicians reach an open ticket's checkout from the board (they cannot take payment).
    await nav('Front desk');
    await page
      .getByRole('list', { name: 'Open tickets' })
      .getByRole('button', { name: /^Continue checkout for / })
      .click();
    await expect.poll(ticketLabelOnScreen).toBe(label);
    await checkout()
      .getByRole('note')
      .getByText(/for the front desk or a manager/)
      .waitFor();
    expect(await checkout().getByRole('form', { name: 'Take payment' }).count()).toBe(0);
    expect(await checkout().getByRole('form', { name: 'Open drawer' }).count()).toBe(0);
    expect(await checkout().getByLabel('Opening float').count()).toBe(0);
    await switchStaff(page, store.staff.frontDesk.name, store.staff.frontDesk.pin);
  });

  it('opens the drawer from the notice; the next cash sale is in its count', async () => {
    await checkout().getByRole('form', { name: 'Open drawer' }).waitFor();
    const openForm = checkout().getByRole('form', { name: 'Open drawer' });
    await openForm.getByLabel('Opening float').fill('100.00');
    await openForm.getByRole('button', { name: 'Open drawer' }).click();
    await expect.poll(() => checkout().getByRole('status').count()).toBe(0);
    await payCashAndClose(4000);

    await nav('Reports');
    await page.getByRole('heading', { name: 'Cash drawer', level: 1 }).waitFor();
    await expect.poll(() => textOf(page, 'Expected cash')).toBe(usd(14_000));
    await expect.poll(() => textOf(page, 'Cash outside any drawer today')).toBe(usd(4000));
    await expect.poll(() => outsideList().getByRole('listitem').count()).toBe(1);
  });
});
