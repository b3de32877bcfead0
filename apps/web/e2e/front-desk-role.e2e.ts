import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import { baseUrl } from '../../../test-support/e2e-context';
import { startNetworkSwitch, type NetworkSwitch } from '../../../test-support/e2e-network-switch';
import {
  goOffline,
  http,
  newTabletPage,
  pinLock,
  pullEverything,
  screenshot,
  signIn,
  signupSeededStore,
  textOf,
  unlockWithPin,
  usd,
  waitForServiceWorker,
  type SeededStore,
} from './support';

type PushResult =
  | { id: number; status: 'applied' | 'duplicate' }
  | { id: number; status: 'rejected'; error: { code: string; message: string } };

/**
 * The desk as the front desk acts on it: unlocked by PIN, the manager-only parts out of reach in
 * the UI, and refused by the server when a client forces them; overrides (refund, void) through
 * a manager's PIN approval that the server verifies, online and offline.
 */
describe('the desk as a front-desk staff member', () => {
  let browser: Browser;
  let store: SeededStore;
  /** The browser reaches the server only through this line, so "offline" really is offline. */
  let line: NetworkSwitch;
  let context: BrowserContext;
  let page: Page;
  let refundedTicketId = '';

  const statusBar = () => page.getByRole('region', { name: 'Sync status' });
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const synced = () => statusBar().getByText('All changes synced').waitFor({ timeout: 20_000 });

  /** A device of the test's own (not the browser's) pushing mutations as the owner's account. */
  async function pushRaw(
    mutations: {
      name: string;
      args: Record<string, unknown>;
      actorStaffId?: string;
      approval?: unknown;
    }[],
  ): Promise<PushResult[]> {
    const deviceId = randomUUID();
    await http(`/api/v1/stores/${store.storeId}/devices`, {
      token: store.ownerToken,
      body: { deviceId, name: 'e2e forced client' },
    });
    const clientTime = new Date().toISOString();
    const res = await http<{ results: PushResult[] }>(`/api/v1/stores/${store.storeId}/sync/push`, {
      token: store.ownerToken,
      body: {
        deviceId,
        schemaVersion: 1,
        mutations: mutations.map((m, i) => ({ id: i + 1, clientTime, ...m })),
      },
    });
    return res.results;
  }

  const codeOf = (r: PushResult | undefined) =>
    r?.status === 'rejected' ? r.error.code : r?.status;

  /** A new ticket with one Gel Manicure ($40.00), paid by card; resolves with its id. */
  async function sellGelManicure(opts: { close: boolean }): Promise<string> {
    await page.getByRole('button', { name: 'New ticket' }).click();
    await checkout().getByRole('button', { name: 'Add Gel Manicure' }).click();
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(4000));
    const id = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    if (opts.close) {
      const pay = checkout().getByRole('form', { name: 'Take payment' });
      await pay.getByRole('radio', { name: 'Card', exact: true }).check();
      await pay.getByRole('button', { name: `Pay ${usd(4000)}` }).click();
      await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(0));
      await checkout().getByRole('button', { name: 'Close ticket' }).click();
      await page.getByRole('article', { name: 'Receipt' }).waitFor();
    }
    return id;
  }

  beforeAll(async () => {
    [browser, store, line] = await Promise.all([
      launchChromium(),
      signupSeededStore('front-desk'),
      startNetworkSwitch(baseUrl()),
    ]);
    ({ context, page } = await newTabletPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await line?.close();
  });

  it('reloads onto the PIN lock screen and unlocks as the front desk by PIN', async () => {
    // The owner signs the device in once (registers it); from then on the desk locks by PIN.
    await signIn(page, store, { base: line.url });
    await waitForServiceWorker(page);
    await page.reload();
    const lock = pinLock(page);
    await lock.waitFor();
    // No password form: the desk asks for a PIN, with the PIN field focused.
    expect(await page.getByRole('form', { name: 'Unlock' }).count()).toBe(0);
    await expect
      .poll(() => lock.getByLabel('PIN').evaluate((el) => el === document.activeElement))
      .toBe(true);
    const names = await lock.getByLabel('Staff member').locator('option').allInnerTexts();
    expect(names.sort()).toEqual([store.staff.manager.name, store.staff.frontDesk.name].sort());

    await unlockWithPin(page, store.staff.frontDesk.name, '9999');
    await expect.poll(() => lock.getByRole('alert').innerText()).toBe('Wrong PIN.');
    expect(await page.getByRole('heading', { name: 'Front desk', level: 1 }).count()).toBe(0);

    await unlockWithPin(page, store.staff.frontDesk.name, store.staff.frontDesk.pin);
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
    expect(await statusBar().getByLabel('Acting staff member').innerText()).toBe(
      store.staff.frontDesk.name,
    );
    await screenshot(page, 'front-desk-unlocked-by-pin');
  });

  it('keeps store settings, devices, role changes, others’ PINs and sales reports out of reach', async () => {
    const main = page.getByRole('navigation', { name: 'Main' });
    expect(await main.getByRole('link', { name: 'Errors' }).count()).toBe(0);

    await nav('Team & catalog');
    const team = page.getByRole('region', { name: 'Team and catalog' });
    const tabs = team.getByRole('tablist', { name: 'Team and catalog' });
    await tabs.getByRole('tab', { name: 'Staff' }).waitFor();
    expect(await tabs.getByRole('tab').allInnerTexts()).toEqual([
      'Staff',
      'Services',
      'Products',
      'This device',
    ]);
    await team.getByRole('cell', { name: store.staff.manager.name }).waitFor();
    expect(await team.getByRole('button', { name: 'Add staff member' }).count()).toBe(0);
    for (const person of [store.staff.manager, store.staff.frontDesk]) {
      expect(await team.getByRole('button', { name: `Edit ${person.name}` }).count()).toBe(0);
      expect(await team.getByRole('button', { name: `Set PIN for ${person.name}` }).count()).toBe(
        0,
      );
    }
    await tabs.getByRole('tab', { name: 'Services' }).click();
    await team.getByRole('cell', { name: 'Gel Manicure' }).waitFor();
    expect(await team.getByRole('button', { name: 'Add service' }).count()).toBe(0);

    // The cash drawer is theirs to run; the sales reports are not.
    await nav('Reports');
    await page.getByRole('heading', { name: 'Cash drawer', level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Close-out' }).waitFor();
    expect(await page.getByRole('button', { name: 'Export sales CSV' }).count()).toBe(0);
    await nav('Front desk');
  });

  it('a refund asks for a manager’s PIN, applies after approval, and the server has it', async () => {
    refundedTicketId = await sellGelManicure({ close: true });
    const refund = page.getByRole('form', { name: 'Refund' });
    await refund.getByLabel('Refund amount').fill('10.00');
    await refund.getByLabel('Refund method').selectOption({ label: 'Card' });
    await refund.getByLabel('Reason').fill('Smudged');
    await refund.getByRole('button', { name: 'Refund' }).click();

    const approval = page.getByRole('dialog', { name: 'Manager approval' });
    await approval.waitFor();
    // Only managers approve (the list is read from the device's store as the dialog opens).
    await expect
      .poll(() => approval.getByLabel('Staff member').locator('option').allInnerTexts())
      .toEqual([store.staff.manager.name]);
    await approval.getByLabel('PIN').fill('0000');
    await approval.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => approval.getByRole('alert').innerText()).toBe('Wrong PIN.');
    const receipt = page.getByRole('article', { name: 'Receipt' });
    expect(await receipt.innerText()).not.toMatch(/Refund/);

    await approval.getByLabel('PIN').fill(store.staff.manager.pin);
    await approval.getByRole('button', { name: 'Approve' }).click();
    await receipt.getByText(`−${usd(1000)}`).waitFor();
    expect(await approval.count()).toBe(0);
    // Still the front desk at the desk: the approval covered that one refund only.
    expect(await statusBar().getByLabel('Acting staff member').innerText()).toBe(
      store.staff.frontDesk.name,
    );

    await synced();
    expect(
      await statusBar()
        .getByRole('button', { name: /need attention/ })
        .count(),
    ).toBe(0);
    const server = await pullEverything(store.ownerToken, store.storeId);
    const refunds = [...server.values()].filter(
      (c) => c.entity === 'refund' && c.data?.['ticketId'] === refundedTicketId,
    );
    expect(refunds.map((r) => [r.data?.['amountCents'], r.data?.['method']])).toEqual([
      [1000, 'card'],
    ]);
  });

  it('the server refuses the same things when a client forces them as the front desk', async () => {
    const fd = store.staff.frontDesk.id;
    const before = await pullEverything(store.ownerToken, store.storeId);
    const results = await pushRaw([
      { name: 'store.updateSettings', args: { name: 'Taken over' }, actorStaffId: fd },
      {
        name: 'staff.upsert',
        args: { id: fd, displayName: store.staff.frontDesk.name, role: 'manager', active: true },
        actorStaffId: fd,
      },
      {
        name: 'ticket.refund',
        args: {
          ticketId: refundedTicketId,
          refundId: randomUUID(),
          amountCents: 100,
          method: 'card',
        },
        actorStaffId: fd,
      },
      {
        name: 'ticket.refund',
        args: {
          ticketId: refundedTicketId,
          refundId: randomUUID(),
          amountCents: 100,
          method: 'card',
        },
        actorStaffId: fd,
        approval: {
          staffId: store.staff.manager.id,
          nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
          mac: 'A'.repeat(43),
        },
      },
      // Someone who is not staff of this store cannot be named as the person acting.
      { name: 'store.updateSettings', args: { name: 'Taken over' }, actorStaffId: randomUUID() },
    ]);
    expect(results.map(codeOf)).toEqual([
      'FORBIDDEN_ROLE',
      'FORBIDDEN_ROLE',
      'APPROVAL_REQUIRED',
      'APPROVAL_INVALID',
      'ACTING_STAFF_INVALID',
    ]);

    // Another person's PIN over REST, as the front desk at the desk: refused.
    const pinChange = await fetch(
      `${baseUrl()}/api/v1/stores/${store.storeId}/staff/${store.staff.manager.id}/pin`,
      {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${store.ownerToken}`,
          'content-type': 'application/json',
          'x-mango-acting-staff': fd,
        },
        body: JSON.stringify({ pin: '1111' }),
      },
    );
    expect(pinChange.status).toBe(403);
    expect(((await pinChange.json()) as { error: { code: string } }).error.code).toBe(
      'FORBIDDEN_ROLE',
    );

    const after = await pullEverything(store.ownerToken, store.storeId);
    const key = `store:${store.storeId}`;
    expect(after.get(key)?.data?.['name']).toBe(before.get(key)?.data?.['name']);
    expect(after.get(`staff:${fd}`)?.data?.['role']).toBe('front_desk');
    expect([...after.values()].filter((c) => c.entity === 'refund')).toHaveLength(1);
  });

  it('“Stop acting” locks the desk instead of falling back to the signed-in account', async () => {
    await statusBar().getByRole('button', { name: 'Switch staff' }).click();
    const dialog = page.getByRole('dialog', { name: 'Switch staff member' });
    await dialog
      .getByRole('button', { name: `Stop acting as ${store.staff.frontDesk.name}` })
      .click();
    await pinLock(page).waitFor();
    expect(await statusBar().count()).toBe(0);
    await unlockWithPin(page, store.staff.frontDesk.name, store.staff.frontDesk.pin);
    await expect
      .poll(() => statusBar().getByLabel('Acting staff member').innerText())
      .toBe(store.staff.frontDesk.name);
  });

  it('double-books in strict mode only with a manager’s approval', async () => {
    // The device's cursor ("This device") moves once the strict setting has reached it.
    await nav('Team & catalog');
    await page.getByRole('tab', { name: 'This device' }).click();
    const cursor = async () =>
      Number(/cursor (\d+)/.exec(await page.getByText(/cursor \d+/).innerText())?.[1] ?? -1);
    const before = await cursor();
    const strict = await pushRaw([{ name: 'store.updateSettings', args: { strictBooking: true } }]);
    expect(strict.map(codeOf)).toEqual(['applied']);
    await expect.poll(cursor, { timeout: 10_000 }).toBeGreaterThan(before);

    await nav('Front desk');
    const linh = store.staff.technicians[0]!;
    const book = async (time: string) => {
      await page.getByRole('button', { name: 'Book appointment' }).click();
      const dialog = page.getByRole('dialog', { name: 'Book appointment' });
      await dialog.getByRole('button', { name: 'Walk-in / no client' }).click();
      await dialog.getByLabel('Service').selectOption({ label: 'Gel Manicure (45 min)' });
      await dialog.getByLabel('Staff member').selectOption({ label: linh.name });
      await dialog.getByLabel('Time').fill(time);
      await dialog.getByRole('button', { name: 'Book', exact: true }).click();
      return dialog;
    };
    const linhsAppointments = async () =>
      [...(await pullEverything(store.ownerToken, store.storeId)).values()].filter(
        (c) => c.entity === 'appointment' && c.data?.['staffId'] === linh.id,
      ).length;

    const first = await book('10:00');
    await first.waitFor({ state: 'detached' });
    const second = await book('10:15');
    const approval = page.getByRole('dialog', { name: 'Manager approval' });
    await approval.getByLabel('PIN').fill(store.staff.manager.pin);
    await approval.getByRole('button', { name: 'Approve' }).click();
    await second.waitFor({ state: 'detached' });
    await synced();
    expect(
      await statusBar()
        .getByRole('button', { name: /need attention/ })
        .count(),
    ).toBe(0);
    expect(await linhsAppointments()).toBe(2);
  });

  it('approves a void offline; back online, the server keeps it', async () => {
    const ticketId = await sellGelManicure({ close: false });
    await goOffline(page, context, line);

    await checkout().getByRole('button', { name: 'Void ticket' }).click();
    const voidDialog = page.getByRole('dialog', { name: 'Void ticket' });
    await voidDialog.getByLabel('Reason').fill('Client left');
    await voidDialog.getByRole('button', { name: 'Void', exact: true }).click();
    const approval = page.getByRole('dialog', { name: 'Manager approval' });
    // Checked offline against the cached verifier, signed with the approval key's salt.
    await approval.getByLabel('PIN').fill(store.staff.manager.pin);
    await approval.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
    expect(await statusBar().getByLabel('Pending changes').innerText()).toMatch(
      /changes? waiting to sync/,
    );

    line.restore();
    await context.setOffline(false);
    await synced();
    expect(
      await statusBar()
        .getByRole('button', { name: /need attention/ })
        .count(),
    ).toBe(0);
    const server = await pullEverything(store.ownerToken, store.storeId);
    expect(server.get(`ticket:${ticketId}`)?.data?.['status']).toBe('voided');
  });
});
