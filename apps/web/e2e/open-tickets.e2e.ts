import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  newTabletPage,
  screenshot,
  signupSeededStore,
  textOf,
  usd,
  type SeededStore,
  openDeskAs,
} from './support';

/**
 * A ticket left half-way never disappears: the front desk takes $10 cash on a $40 ticket, walks
 * away, and finds it on the open tickets board (paid and due), one tap from its checkout; the
 * drawer expects the $10; a voided ticket is filed under "Voided" in History and counted as a
 * void, not a sale, in the sales CSV.
 */
describe('open tickets at the front desk', () => {
  let browser: Browser;
  let store: SeededStore;
  let page: Page;
  let openTicketId = '';
  let voidedTicketId = '';

  const statusBar = () => page.getByRole('region', { name: 'Sync status' });
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const board = () => page.getByRole('list', { name: 'Open tickets' });
  const ticketIdFromUrl = () => new URL(page.url()).pathname.split('/').at(-1) ?? '';

  /** A new ticket with one Gel Manicure ($40.00) done by Linh; resolves with its id. */
  async function newGelManicure(): Promise<string> {
    await page.getByRole('button', { name: 'New ticket' }).click();
    await checkout().getByRole('button', { name: 'Add Gel Manicure' }).click();
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(4000));
    const line = checkout()
      .getByRole('listitem', { name: 'Gel Manicure', exact: true })
      .filter({ has: page.getByLabel('Staff') });
    await line.getByLabel('Staff').selectOption({ label: store.staff.technicians[0]!.name });
    return ticketIdFromUrl();
  }

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('open-tickets')]);
    ({ page } = await newTabletPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('unlocks as the front desk and opens the cash drawer with a $100 float', async () => {
    await openDeskAs(page, store, store.staff.frontDesk);
    expect(await statusBar().getByLabel('Acting staff member').innerText()).toBe(
      store.staff.frontDesk.name,
    );
    expect(await board().count()).toBe(0);
    await page.getByText('No open tickets.').waitFor();

    await nav('Reports');
    const closeOut = page.getByRole('region', { name: 'Close-out' });
    await closeOut.getByLabel('Opening float').fill('100.00');
    await closeOut.getByRole('button', { name: 'Open drawer' }).click();
    await expect.poll(() => textOf(page, 'Expected cash')).toBe(usd(10_000));
  });

  it('keeps a ticket with $10 cash on the open tickets board after walking away', async () => {
    openTicketId = await newGelManicure();
    const pay = checkout().getByRole('form', { name: 'Take payment' });
    await pay.getByRole('radio', { name: 'Cash', exact: true }).check();
    await pay.getByLabel('Amount').fill('10.00');
    await pay.getByRole('button', { name: `Pay ${usd(1000)}` }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(3000));

    // Somewhere else entirely, then back to the desk.
    await nav('Clients');
    await nav('Front desk');
    const item = board().getByRole('listitem');
    await expect.poll(() => item.count()).toBe(1);
    const text = await item.innerText();
    expect(text).toContain('No client');
    expect(text).toContain(store.staff.technicians[0]!.name);
    expect(text).toMatch(new RegExp(`Paid\\s*${escapeRegExp(usd(1000))}`));
    expect(text).toMatch(new RegExp(`Due\\s*${escapeRegExp(usd(3000))}`));

    await page.getByRole('region', { name: 'Open tickets' }).scrollIntoViewIfNeeded();
    expect(page.viewportSize()).toEqual({ width: 1024, height: 768 });
    await screenshot(page, 'open-tickets-board');

    await item.getByRole('button', { name: /^Continue checkout for No client, opened / }).click();
    await checkout().waitFor();
    expect(ticketIdFromUrl()).toBe(openTicketId);
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(3000));
  });

  it('counts the $10 taken on the open ticket in the drawer’s expected cash', async () => {
    await nav('Reports');
    await page.getByRole('heading', { name: 'Cash drawer', level: 1 }).waitFor();
    await expect.poll(() => textOf(page, 'Expected cash')).toBe(usd(11_000));
  });

  it('files a voided ticket under “Voided” in History, shown as a void, not a sale', async () => {
    voidedTicketId = await newGelManicure();
    await checkout().getByRole('button', { name: 'Void ticket' }).click();
    const voidDialog = page.getByRole('dialog', { name: 'Void ticket' });
    await voidDialog.getByLabel('Reason').fill('Opened by mistake');
    await voidDialog.getByRole('button', { name: 'Void', exact: true }).click();
    const approval = page.getByRole('dialog', { name: 'Manager approval' });
    await approval.getByLabel('PIN').fill(store.staff.manager.pin);
    await approval.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
    // The void took it off the board; the ticket with cash on it is still there.
    await expect.poll(() => board().getByRole('listitem').count()).toBe(1);

    await nav('History');
    const show = () => page.getByRole('group', { name: 'Show' });
    const rows = page.getByRole('list', { name: 'Tickets' }).getByRole('listitem');

    await show().getByRole('button', { name: 'Voided' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    const voided = await rows.first().innerText();
    expect(voided).toContain('Voided');
    expect(voided).toContain(usd(4000));
    expect(voided).not.toMatch(/Closed/);
    await rows.first().getByRole('button').click();
    const receipt = page.getByRole('region', { name: 'Closed ticket' });
    await receipt.getByText(/VOIDED — Opened by mistake/).waitFor();
    expect(ticketIdFromUrl()).toBe(voidedTicketId);

    await nav('History');
    await show().getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain(`${usd(3000)} due`);
    await rows.first().getByRole('button').click();
    await checkout().waitFor();
    expect(ticketIdFromUrl()).toBe(openTicketId);

    await nav('History');
    await show().getByRole('button', { name: 'Sales' }).click();
    await expect.poll(() => rows.count()).toBe(0);
    await show().getByRole('button', { name: 'All' }).click();
    await expect.poll(() => rows.count()).toBe(2);
  });

  it('exports the void and the open ticket apart from sales in the sales CSV (manager)', async () => {
    // Sales reports are a manager's: the manager steps in with their PIN.
    await statusBar().getByRole('button', { name: 'Switch staff' }).click();
    const pinSwitch = page.getByRole('dialog', { name: 'Switch staff member' });
    await pinSwitch.getByLabel('Staff member').selectOption({ label: store.staff.manager.name });
    await pinSwitch.getByLabel('PIN').fill(store.staff.manager.pin);
    await pinSwitch.getByRole('button', { name: 'Switch' }).click();
    await expect
      .poll(() => statusBar().getByLabel('Acting staff member').innerText())
      .toBe(store.staff.manager.name);

    await nav('Reports');
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export sales CSV' }).click(),
    ]);
    const csv = await readFile(await download.path(), 'utf8');
    const [header, ...days] = csv.trim().split('\r\n');
    expect(days).toHaveLength(1);
    const cells = Object.fromEntries(
      (header ?? '').split(',').map((name, i) => [name, (days[0] ?? '').split(',')[i]]),
    );
    expect(cells).toMatchObject({
      tickets: '0',
      voids: '1',
      open: '1',
      open_paid: '10.00',
      revenue: '0.00',
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
