import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  http,
  newTabletPage,
  pinLock,
  pullEverything,
  pushAsNewDevice,
  screenshot,
  signIn,
  signupSeededStore,
  textOf,
  unlockWithPin,
  usd,
  waitForServiceWorker,
  type SeededStore,
} from './support';

/**
 * Tickets a desk can work with (issue "P1 Checkout", part C), as the front desk: a new ticket
 * linked to a client whose allergy shows, nail art per nail as one line × 10, lines in the order
 * they were rung up, and the ticket's readable number (its device's code, then 001) on checkout,
 * on the printed receipt and in History.
 */
describe('ticket basics at the front desk', () => {
  let browser: Browser;
  let store: SeededStore;
  let context: BrowserContext;
  let page: Page;
  const client = {
    id: randomUUID(),
    firstName: 'Rosa',
    lastName: 'Diaz',
    notes: 'Prefers short almond nails',
    allergies: 'Acrylic monomer',
  };
  const nailArt = { id: randomUUID(), name: 'Nail art', priceCents: 500 };
  let number = '';
  let ticketId = '';

  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const lineNames = () =>
    checkout()
      .getByRole('region', { name: 'Ticket lines' })
      .getByRole('listitem')
      .evaluateAll((items) =>
        items.map((li) => li.getAttribute('aria-label')).filter((name) => name !== null),
      );

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('ticket-basics')]);
    await pushAsNewDevice(store.ownerToken, store.storeId, [
      { name: 'client.upsert', args: client },
      {
        name: 'service.upsert',
        args: { ...nailArt, durationMin: 5, taxable: false, category: 'Nails' },
      },
    ]);
    ({ context, page } = await newTabletPage(browser));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  it('knows the short code the server gave this device, and unlocks as the front desk', async () => {
    await signIn(page, store);
    await waitForServiceWorker(page);
    const mine = await page.evaluate((storeId) => {
      return {
        id: localStorage.getItem(`mango.device.${storeId}`),
        code: localStorage.getItem(`mango.deviceCode.${storeId}`),
      };
    }, store.storeId);
    const devices = await http<{ items: { id: string; shortCode: string }[] }>(
      `/api/v1/stores/${store.storeId}/devices`,
      { token: store.ownerToken },
    );
    const registered = devices.items.find((d) => d.id === mine.id);
    expect(registered?.shortCode).toMatch(/^[A-HJ-NP-Z]{1,3}$/);
    expect(mine.code).toBe(registered?.shortCode);
    number = `${mine.code}-001`;

    await page.reload();
    await pinLock(page).waitFor();
    await unlockWithPin(page, store.staff.frontDesk.name, store.staff.frontDesk.pin);
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
  });

  it('opens a numbered ticket and links a client whose allergy shows as an alert', async () => {
    await page.getByRole('button', { name: 'New ticket' }).click();
    await checkout()
      .getByRole('heading', { name: `Ticket ${number}`, level: 1 })
      .waitFor();
    ticketId = new URL(page.url()).pathname.split('/').at(-1) ?? '';

    const who = page.getByRole('region', { name: 'Ticket client' });
    await who.getByLabel('Find client').fill('Rosa');
    await who.getByRole('button', { name: /Rosa Diaz/ }).click();
    await who.getByText('Client: Rosa Diaz').waitFor();
    await expect
      .poll(() => who.getByRole('alert').innerText())
      .toBe(`Allergies: ${client.allergies}`);
    expect(await who.getByLabel('Client notes').innerText()).toContain(client.notes);
  });

  it('sells nail art as one line × 10, and the lines stay in the order they were added', async () => {
    const added = ['Spa Pedicure', 'Nail art', 'Gel Manicure', 'Cuticle Oil'];
    for (const name of added) {
      if (name === 'Cuticle Oil') {
        await checkout().getByRole('tab', { name: 'Products' }).click();
      }
      await checkout()
        .getByRole('button', { name: `Add ${name}` })
        .click();
      await expect.poll(lineNames).toEqual(added.slice(0, added.indexOf(name) + 1));
    }
    // 50 + 5 + 40 + 12
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(10_700));

    const qty = checkout().getByRole('group', { name: 'Quantity of Nail art' });
    await qty.getByLabel('Quantity').fill('10');
    await qty.getByLabel('Quantity').press('Enter');
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(15_200));
    await qty.getByRole('button', { name: 'One more Nail art' }).click();
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(15_700));
    await qty.getByRole('button', { name: 'One less Nail art' }).click();
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(15_200));
    expect(await qty.getByLabel('Quantity').inputValue()).toBe('10');
    expect(await lineNames()).toEqual(added);
    await screenshot(page, 'ticket-basics-checkout');
  });

  it('shows the number on the printed receipt and in History; the server has it all', async () => {
    const pay = checkout().getByRole('form', { name: 'Take payment' });
    await pay.getByRole('radio', { name: 'Card', exact: true }).check();
    await pay.getByRole('button', { name: `Pay ${usd(15_200)}` }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(0));
    await checkout().getByRole('button', { name: 'Close ticket' }).click();

    const receipt = page.getByRole('article', { name: 'Receipt' });
    await receipt.waitFor();
    expect(await receipt.getByLabel('Receipt ticket number').innerText()).toBe(`Ticket ${number}`);
    const text = await receipt.innerText();
    expect(text).toContain('Client: Rosa Diaz');
    const at = ['Spa Pedicure', 'Nail art ×10', 'Gel Manicure', 'Cuticle Oil'].map((n) =>
      text.indexOf(n),
    );
    expect(at.every((p, i) => p >= 0 && (i === 0 || p > (at[i - 1] as number)))).toBe(true);
    // What print sends to paper: the receipt with its number, the toolbar hidden.
    await page.emulateMedia({ media: 'print' });
    expect(await receipt.isVisible()).toBe(true);
    expect(await receipt.getByText(`Ticket ${number}`).isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    await screenshot(page, 'ticket-basics-receipt');

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'History' })
      .click();
    await page.getByRole('region', { name: 'History' }).getByText(`#${number}`).waitFor();

    await page
      .getByRole('region', { name: 'Sync status' })
      .getByText('All changes synced')
      .waitFor({ timeout: 20_000 });
    const server = await pullEverything(store.ownerToken, store.storeId);
    expect(server.get(`ticket:${ticketId}`)?.data).toMatchObject({
      number,
      clientId: client.id,
      status: 'closed',
      totalCents: 15_200,
    });
    const lines = [...server.values()]
      .filter((c) => c.entity === 'ticketLine' && c.data?.['ticketId'] === ticketId)
      .map((c) => c.data as { name: string; quantity: number; position: number })
      .sort((a, b) => a.position - b.position);
    expect(lines.map((l) => [l.name, l.quantity])).toEqual([
      ['Spa Pedicure', 1],
      ['Nail art', 10],
      ['Gel Manicure', 1],
      ['Cuticle Oil', 1],
    ]);
  });
});
