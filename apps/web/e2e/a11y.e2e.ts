import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import { baseUrl } from '../../../test-support/e2e-context';
import { axeFindings, PHONE, sidewaysOverflow, smallTargets } from './page-checks';
import {
  pinLock,
  screenshot,
  signIn,
  signupSeededStore,
  TABLET,
  textOf,
  unlockWithPin,
  usd,
  pushAsNewDevice,
  type SeededStore,
} from './support';

/**
 * axe-core over every screen, as the front desk and (for what the front desk may not see) the
 * manager, on a phone, a tablet in portrait and a tablet in landscape: no serious or critical
 * violation. The layout at each size: no sideways scrolling of the page, touch-sized controls,
 * the navigation behind a menu button on the phone. And keyboard use: dialogs keep focus, Escape
 * closes them, focus comes back; focus follows a payment and the closing of a ticket; each screen
 * names itself in the page title.
 */
describe.each([
  { size: 'phone', viewport: PHONE },
  { size: 'tablet in portrait', viewport: { width: 768, height: 1024 } },
  { size: 'tablet', viewport: TABLET },
])('accessibility on a $size ($viewport.width px)', ({ viewport }) => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let store: SeededStore;
  const phone = viewport.width === PHONE.width;

  const heading = (name: string) => page.getByRole('heading', { name, level: 1 });
  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const statusBar = () => page.getByRole('region', { name: 'Sync status' });
  const mainNav = () => page.getByRole('navigation', { name: 'Main' });
  const menuButton = () => page.getByRole('button', { name: 'Menu' });

  async function nav(name: string): Promise<void> {
    if (phone) await menuButton().click();
    await mainNav().getByRole('link', { name }).click();
  }

  async function expectClean(where: string): Promise<void> {
    // Soft: one run reports every screen's findings, not only the first screen's.
    expect.soft(await axeFindings(page, where), where).toEqual([]);
    expect.soft(await sidewaysOverflow(page), `${where}: wider than the screen`).toEqual([]);
    expect.soft(await smallTargets(page), `${where}: touch targets`).toEqual([]);
  }

  const isFocused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);

  beforeAll(async () => {
    [browser, store] = await Promise.all([
      launchChromium(),
      signupSeededStore(`a11y-${viewport.width}`),
    ]);
    await seedDay(store);
    context = await browser.newContext({ viewport });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the sign-in page', async () => {
    await page.goto(baseUrl());
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expect.poll(() => page.title()).toBe('Sign in · Mango POS');
    await expectClean('Sign-in');
  });

  it('the PIN lock, then the front desk as the front desk person', async () => {
    await signIn(page, store);
    await page.reload();
    await pinLock(page).waitFor();
    await expect.poll(() => page.title()).toBe('Unlock · Mango POS');
    await expectClean('PIN lock');

    await unlockWithPin(page, store.staff.frontDesk.name, store.staff.frontDesk.pin);
    await heading('Front desk').waitFor();
    await expect
      .poll(() => statusBar().getByLabel('Acting staff member').innerText())
      .toBe(store.staff.frontDesk.name);
    await expect.poll(() => page.title()).toBe('Front desk · Mango POS');
    await page
      .getByRole('grid', { name: 'Appointment book' })
      .getByRole('button')
      .first()
      .waitFor();
    await expectClean('Front desk');
    await screenshot(page, `a11y-front-desk-${viewport.width}`);
    await page.getByRole('tab', { name: 'Turn tracker' }).click();
    await expectClean('Front desk, turn tracker');
    await page.getByRole('tab', { name: 'Appointments' }).click();
  });

  it('folds the main navigation into a menu button on a phone only', async () => {
    const clients = mainNav().getByRole('link', { name: 'Clients' });
    if (!phone) {
      expect(await menuButton().isVisible()).toBe(false);
      expect(await clients.isVisible()).toBe(true);
      return;
    }
    expect(await clients.isVisible()).toBe(false);
    expect(await menuButton().getAttribute('aria-expanded')).toBe('false');
    await menuButton().click();
    expect(await menuButton().getAttribute('aria-expanded')).toBe('true');
    await clients.waitFor();
    await expectClean('Front desk, menu open');
    // Escape folds it again, focus back on the button.
    await page.keyboard.press('Escape');
    await expect.poll(() => clients.isVisible()).toBe(false);
    expect(await isFocused(menuButton())).toBe(true);
    // A destination closes the menu behind it.
    await nav('Clients');
    await heading('Clients').waitFor();
    await expect.poll(() => clients.isVisible()).toBe(false);
    await nav('Front desk');
    await heading('Front desk').waitFor();
  });

  it('checkout: a ticket, focus after each payment and after closing it', async () => {
    await page.getByRole('button', { name: 'New ticket' }).click();
    await checkout().getByRole('button', { name: 'Add Gel Manicure' }).click();
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(4000));
    await expect.poll(() => page.title()).toBe('Checkout · Mango POS');
    await expectClean('Checkout');
    await screenshot(page, `a11y-checkout-${viewport.width}`);

    const pay = checkout().getByRole('form', { name: 'Take payment' });
    await pay.getByRole('radio', { name: 'Cash', exact: true }).check();
    await pay.getByLabel('Amount').fill('10.00');
    await pay.getByRole('button', { name: `Pay ${usd(1000)}` }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(3000));
    // Part paid: ready for the next amount.
    await expect.poll(() => isFocused(pay.getByLabel('Amount'))).toBe(true);

    await pay.getByRole('button', { name: `Pay ${usd(3000)}` }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(0));
    // Paid in full: the next thing to do is to close it.
    const close = checkout().getByRole('button', { name: 'Close ticket' });
    await expect.poll(() => isFocused(close)).toBe(true);

    await page.keyboard.press('Enter');
    const closed = page.getByRole('region', { name: 'Closed ticket' });
    await closed.waitFor();
    await expect.poll(() => isFocused(closed.getByRole('heading', { level: 1 }))).toBe(true);
    await expectClean('Closed ticket');
  });

  it('History, Clients, Reports (close-out) and Team as the front desk', async () => {
    for (const [link, h1, title] of [
      ['History', 'History', 'History'],
      ['Clients', 'Clients', 'Clients'],
      ['Reports', 'Cash drawer', 'Cash drawer'],
      ['Team & catalog', 'Team & catalog', 'Team & catalog'],
    ] as const) {
      await nav(link);
      await heading(h1).waitFor();
      await expect.poll(() => page.title()).toBe(`${title} · Mango POS`);
      await expectClean(h1);
    }
    await nav('Front desk');
    await heading('Front desk').waitFor();
  });

  it('a dialog keeps focus, closes on Escape and gives focus back', async () => {
    const opener = statusBar().getByRole('button', { name: 'Switch staff' });
    await opener.click();
    const dialog = page.getByRole('dialog', { name: 'Switch staff member' });
    await dialog.waitFor();
    await expectClean('Switch staff dialog');

    const insideDialog = () =>
      dialog.evaluate((el) => el.contains(document.activeElement) && document.activeElement !== el);
    await expect.poll(insideDialog).toBe(true);
    // Forwards past the last control and backwards past the first: never out of the dialog.
    const seen = new Set<string>();
    for (let i = 0; i < 8; i += 1) {
      await page.keyboard.press('Tab');
      expect(await insideDialog()).toBe(true);
      seen.add(await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80) ?? ''));
    }
    expect(seen.size).toBeGreaterThan(2);
    for (let i = 0; i < 8; i += 1) {
      await page.keyboard.press('Shift+Tab');
      expect(await insideDialog()).toBe(true);
    }

    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await isFocused(opener)).toBe(true);

    // Focus on the page itself (as after a tap on the dialog's text): Escape still closes it.
    await opener.click();
    await dialog.waitFor();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await isFocused(opener)).toBe(true);
  });

  it('Reports, Team and Errors as the manager', async () => {
    await statusBar().getByRole('button', { name: 'Switch staff' }).click();
    const pinSwitch = page.getByRole('dialog', { name: 'Switch staff member' });
    await pinSwitch.getByLabel('Staff member').selectOption({ label: store.staff.manager.name });
    await pinSwitch.getByLabel('PIN').fill(store.staff.manager.pin);
    await pinSwitch.getByRole('button', { name: 'Switch' }).click();
    await expect
      .poll(() => statusBar().getByLabel('Acting staff member').innerText())
      .toBe(store.staff.manager.name);

    for (const [link, h1] of [
      ['Reports', 'Reports'],
      ['Team & catalog', 'Team & catalog'],
      ['Errors', 'Reported errors'],
    ] as const) {
      await nav(link);
      await heading(h1).waitFor();
      await expect.poll(() => page.title()).toBe(`${h1} · Mango POS`);
      await expectClean(h1);
    }
  });
});

/**
 * Something on each screen: a client, and today's book with bookings (one pair overlapping, a
 * flagged conflict), so the colours of the appointment blocks are audited too.
 */
async function seedDay(store: SeededStore): Promise<void> {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(
    new Date(),
  );
  // Standard time's offset: in summer the bookings land an hour later, still inside the book.
  const at = (hhmm: string) => new Date(`${today}T${hhmm}:00-05:00`).toISOString();
  const client = {
    id: randomUUID(),
    firstName: 'Rosa',
    lastName: 'Quintero',
    phone: '(555) 010-0199',
  };
  const [linh, mai] = store.staff.technicians;
  const [gel, pedicure] = store.services;
  const book = (staffId: string, serviceId: string, start: string, clientId?: string) => ({
    name: 'appointment.book',
    args: { id: randomUUID(), staffId, serviceId, start, ...(clientId ? { clientId } : {}) },
  });
  await pushAsNewDevice(store.ownerToken, store.storeId, [
    { name: 'client.upsert', args: client },
    book(linh!.id, gel!.id, at('10:00'), client.id),
    book(linh!.id, pedicure!.id, at('10:30')),
    book(mai!.id, pedicure!.id, at('13:00'), client.id),
  ]);
}
