import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  newTabletPage,
  screenshot,
  signIn,
  signupSeededStore,
  textOf,
  usd,
  type SeededStore,
} from './support';

const XSS_NAME = '<img src=x onerror=alert(1)>';

describe('POS flows at the front desk', () => {
  let browser: Browser;
  let store: SeededStore;
  let page: Page;
  const dialogs: string[] = [];

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('pos')]);
    ({ page } = await newTabletPage(browser));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await signIn(page, store);
  });
  afterAll(async () => {
    await browser?.close();
  });

  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

  it('renders a client named like an HTML tag as text (no markup injected, no script run)', async () => {
    await nav('Clients');
    await page.getByRole('button', { name: 'Add client' }).click();
    const form = page.getByRole('dialog', { name: 'Add client' });
    await form.getByLabel('First name').fill(XSS_NAME);
    await form.getByLabel('Last name').fill('Tester');
    await form.getByLabel('Phone').fill('+15550001111');
    await form.getByRole('button', { name: 'Save client' }).click();

    const profile = page.getByRole('article', { name: 'Client profile' });
    await profile.getByRole('heading', { name: `${XSS_NAME} Tester` }).waitFor();
    await page.getByRole('searchbox', { name: 'Search clients' }).fill('Tester');
    await page.getByRole('list', { name: 'Client list' }).getByText(`${XSS_NAME} Tester`).waitFor();
    // The name is on screen as characters; no element came out of it and no alert ran.
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('opens the cash drawer with a float', async () => {
    await nav('Reports');
    const closeOut = page.getByRole('region', { name: 'Close-out' });
    await closeOut.getByLabel('Opening float').fill('100.00');
    await closeOut.getByRole('button', { name: 'Open drawer' }).click();
    await expect.poll(() => textOf(page, 'Expected cash')).toBe(usd(10_000));
  });

  it('books an appointment and checks the client in', async () => {
    await nav('Front desk');
    await page.getByRole('button', { name: 'Book appointment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Book appointment' });
    await dialog.getByRole('searchbox', { name: 'Find client' }).fill('Tester');
    await dialog
      .getByRole('list', { name: 'Matching clients' })
      .getByRole('button', { name: /Tester/ })
      .click();
    await dialog.getByLabel('Service').selectOption({ label: 'Gel Manicure (45 min)' });
    await dialog.getByLabel('Staff member').selectOption({ label: 'Linh' });
    await dialog.getByLabel('Time').fill('10:00');
    await dialog.getByRole('button', { name: 'Book', exact: true }).click();

    const appt = page.getByRole('button', {
      name: `10:00 AM ${XSS_NAME} Tester — Gel Manicure (Booked)`,
    });
    await appt.click();
    await page
      .getByRole('dialog', { name: 'Appointment' })
      .getByRole('button', { name: 'Check in' })
      .click();
    await page
      .getByRole('button', { name: `10:00 AM ${XSS_NAME} Tester — Gel Manicure (Checked in)` })
      .waitFor();
    expect(dialogs).toEqual([]);
    await screenshot(page, 'front-desk');
  });

  it('assigns the next technician in turn to a walk-in', async () => {
    await page.getByRole('tab', { name: 'Turn tracker' }).click();
    const tracker = page.getByRole('region', { name: 'Turn tracker' });
    // Mai clocks in first, then Tuan: Mai is next up.
    await tracker.getByRole('button', { name: 'Clock in Mai' }).click();
    await tracker.getByRole('row', { name: 'Mai' }).getByText('Available').waitFor();
    await tracker.getByRole('button', { name: 'Clock in Tuan' }).click();
    await tracker.getByRole('row', { name: 'Tuan' }).getByText('Available').waitFor();
    await expect.poll(() => tracker.getByText(/Next up:/).innerText()).toBe('Next up: Mai');

    const queue = page.getByRole('region', { name: 'Walk-in queue' });
    await queue.getByLabel('Walk-in name').fill('Wendy');
    await queue.getByRole('button', { name: 'Add walk-in' }).click();
    await queue.getByRole('button', { name: 'Assign next technician to Wendy' }).click();

    await queue.getByRole('listitem').filter({ hasText: 'Wendy → Mai' }).waitFor();
    await tracker.getByRole('row', { name: 'Mai' }).getByText('Busy with Wendy').waitFor();
    await expect.poll(() => tracker.getByText(/Next up:/).innerText()).toBe('Next up: Tuan');
  });

  it('checks out the appointment with a product, cash + card with tip, and shows the receipt', async () => {
    await page.getByRole('tab', { name: 'Appointments' }).click();
    await page
      .getByRole('button', { name: `10:00 AM ${XSS_NAME} Tester — Gel Manicure (Checked in)` })
      .click();
    await page
      .getByRole('dialog', { name: 'Appointment' })
      .getByRole('button', { name: 'Check out' })
      .click();

    const checkout = page.getByRole('region', { name: 'Checkout' });
    await checkout.getByRole('listitem', { name: 'Gel Manicure' }).waitFor();
    await checkout.getByRole('tab', { name: 'Products' }).click();
    await checkout.getByRole('button', { name: 'Add Cuticle Oil' }).click();
    await checkout.getByRole('listitem', { name: 'Cuticle Oil' }).waitFor();
    const totalCents = 4000 + 1200;
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(totalCents));

    const pay = checkout.getByRole('form', { name: 'Take payment' });
    const cashCents = 3000;
    await pay.getByRole('radio', { name: 'Cash', exact: true }).check();
    await pay.getByLabel('Amount').fill('30.00');
    await pay.getByRole('button', { name: `Pay ${usd(cashCents)}` }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(totalCents - cashCents));

    const tipCents = 500;
    await pay.getByRole('radio', { name: 'Card', exact: true }).check();
    await pay.getByLabel('Tip').fill('5.00');
    await screenshot(page, 'checkout');
    await pay
      .getByRole('button', { name: `Pay ${usd(totalCents - cashCents + tipCents)}` })
      .click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(0));

    await checkout.getByRole('button', { name: 'Close ticket' }).click();
    const receipt = page.getByRole('article', { name: 'Receipt' });
    await receipt.waitFor();
    const text = await receipt.innerText();
    expect(text).toContain('Gel Manicure');
    expect(text).toContain('Cuticle Oil');
    expect(text).toContain(`Client: ${XSS_NAME} Tester`);
    expect(text).toMatch(new RegExp(`Total\\s+\\${usd(totalCents)}`));
    expect(text).toMatch(new RegExp(`Tip\\s+\\${usd(tipCents)}`));
    expect(text).toMatch(new RegExp(`Cash\\s+\\${usd(cashCents)}`));
    expect(text).toMatch(new RegExp(`Card\\s+\\${usd(totalCents - cashCents + tipCents)}`));
    // The client's name went through the book, the ticket and the receipt as text only.
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('refunds part of the ticket in cash only with a manager’s approval', async () => {
    // The front desk takes over the tablet with their PIN: refunds now need a manager.
    const status = page.getByRole('region', { name: 'Sync status' });
    await status.getByRole('button', { name: 'Switch staff' }).click();
    const pinSwitch = page.getByRole('dialog', { name: 'Switch staff member' });
    await pinSwitch.getByLabel('Staff member').selectOption({ label: store.staff.frontDesk.name });
    await pinSwitch.getByLabel('PIN').fill(store.staff.frontDesk.pin);
    await pinSwitch.getByRole('button', { name: 'Switch' }).click();
    await expect
      .poll(() => status.getByLabel('Acting staff member').innerText())
      .toBe(store.staff.frontDesk.name);

    const refund = page.getByRole('form', { name: 'Refund' });
    await refund.getByLabel('Refund amount').fill('10.00');
    await refund.getByLabel('Refund method').selectOption({ label: 'Cash' });
    await refund.getByLabel('Reason').fill('Chipped polish');
    await refund.getByRole('button', { name: 'Refund' }).click();

    const approval = page.getByRole('dialog', { name: 'Manager approval' });
    await approval.getByLabel('Staff member').selectOption({ label: store.staff.manager.name });
    await approval.getByLabel('PIN').fill('0000');
    await approval.getByRole('button', { name: 'Approve' }).click();
    expect(await approval.getByRole('alert').innerText()).toBe('Wrong PIN.');
    const receipt = page.getByRole('article', { name: 'Receipt' });
    expect(await receipt.innerText()).not.toMatch(/Refund/);

    await approval.getByLabel('PIN').fill(store.staff.manager.pin);
    await approval.getByRole('button', { name: 'Approve' }).click();
    await receipt.getByText(`−${usd(1000)}`).waitFor();
    expect(await receipt.innerText()).toMatch(/Refund \(Cash\)/);
    expect(await approval.count()).toBe(0);
  });

  it('closes out the day with the expected cash of the drawer', async () => {
    const floatCents = 10_000;
    const cashTenderedCents = 3000;
    const changeCents = 0;
    const cashRefundCents = 1000;
    const expectedCents = floatCents + cashTenderedCents - changeCents - cashRefundCents;

    await nav('Reports');
    const closeOut = page.getByRole('region', { name: 'Close-out' });
    await expect.poll(() => textOf(page, 'Expected cash')).toBe(usd(expectedCents));
    await screenshot(page, 'reports');

    await closeOut.getByLabel('Counted cash').fill('119.50');
    await expect
      .poll(() => closeOut.getByLabel('Over or short').innerText())
      .toBe(`Short ${usd(expectedCents - 11_950)}`);
    await closeOut.getByRole('button', { name: 'Close drawer' }).click();
    const last = closeOut.getByRole('definition').filter({ hasText: usd(expectedCents) });
    await last.waitFor();
    expect(dialogs).toEqual([]);
  });
});
