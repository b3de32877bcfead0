import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  http,
  HttpFailure,
  newTabletPage,
  pullEverything,
  screenshot,
  signIn,
  signupSeededStore,
  type SeededStore,
} from './support';

describe('appointment resize and the device list', () => {
  let browser: Browser;
  let store: SeededStore;
  let page: Page;

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('devices')]);
    ({ page } = await newTabletPage(browser));
    await signIn(page, store);
  });
  afterAll(async () => {
    await browser?.close();
  });

  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

  it('changes an appointment’s length from the keyboard, and the server keeps it', async () => {
    await nav('Front desk');
    await page.getByRole('button', { name: 'Book appointment' }).click();
    const booking = page.getByRole('dialog', { name: 'Book appointment' });
    await booking.getByRole('button', { name: 'Walk-in / no client' }).click();
    await booking.getByLabel('Service').selectOption({ label: 'Gel Manicure (45 min)' });
    await booking.getByLabel('Staff member').selectOption({ label: 'Linh' });
    await booking.getByLabel('Time').fill('11:00');
    await booking.getByRole('button', { name: 'Book', exact: true }).click();

    const appt = page.getByRole('button', { name: '11:00 AM Walk-in — Gel Manicure (Booked)' });
    const heightBefore = (await appt.boundingBox())?.height ?? 0;
    await appt.click();
    const dialog = page.getByRole('dialog', { name: 'Appointment' });
    await dialog.getByText('(45 min)').waitFor();
    // The move field shows the store's local time, not UTC (the store row may load after mount).
    await expect.poll(() => dialog.getByLabel('New time').inputValue()).toBe('11:00');
    const resize = dialog.getByRole('form', { name: 'Change length' });
    const longer = resize.getByRole('button', { name: 'Longer by 15 minutes' });
    await longer.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    expect(await resize.getByLabel('Length (minutes)').inputValue()).toBe('75');
    await resize.getByRole('button', { name: 'Change length' }).click();
    await dialog.waitFor({ state: 'detached' });

    // The block grows on the book at once (local-first), by 30 minutes of grid.
    await expect
      .poll(async () => (await appt.boundingBox())?.height ?? 0)
      .toBeGreaterThan(heightBefore);
    await appt.click();
    await page.getByRole('dialog', { name: 'Appointment' }).getByText('(75 min)').waitFor();
    await screenshot(page, 'front-desk-resized');
    await page
      .getByRole('dialog', { name: 'Appointment' })
      .getByRole('button', { name: 'Close' })
      .click();

    await expect
      .poll(async () => {
        const rows = await pullEverything(store.ownerToken, store.storeId);
        const booked = [...rows.values()].find((c) => c.entity === 'appointment');
        return booked?.data && { durationMin: booked.data.durationMin, end: booked.data.end };
      })
      .toEqual({ durationMin: 75, end: expect.stringMatching(/T\d\d:15:00/) });
  });

  it('lists the store’s devices for the owner and revokes one, which then cannot sync', async () => {
    const spareId = randomUUID();
    await http(`/api/v1/stores/${store.storeId}/devices`, {
      token: store.ownerToken,
      body: { deviceId: spareId, name: 'Spare tablet' },
    });
    await nav('Team & catalog');
    await page.getByRole('tab', { name: 'Devices' }).click();
    const table = page.getByRole('table', { name: 'Registered devices' });
    const spareLabel = `Spare tablet ${spareId.slice(0, 8)}`;
    const spareRow = table.getByRole('row').filter({ hasText: spareLabel });
    await spareRow.waitFor();
    // The seed device pushed the catalog, so it shows its last mutation id; this browser is marked.
    await table.getByRole('row').filter({ hasText: '(this device)' }).waitFor();
    const seedRow = table.getByRole('row').filter({ hasText: 'e2e seed' }).first();
    expect(await seedRow.getByRole('cell').nth(3).innerText()).not.toBe('0');
    expect(await spareRow.getByRole('cell').nth(2).innerText()).toBe('Never');

    await spareRow.getByRole('button', { name: `Revoke ${spareLabel}` }).click();
    await page
      .getByRole('dialog', { name: 'Revoke this device?' })
      .getByRole('button', { name: 'Revoke device' })
      .click();
    await spareRow.getByText(/^Revoked /).waitFor();
    expect(await spareRow.getByRole('button').count()).toBe(0);
    await screenshot(page, 'team-devices');

    const refused = await http(`/api/v1/stores/${store.storeId}/sync/push`, {
      token: store.ownerToken,
      body: { deviceId: spareId, schemaVersion: 1, mutations: [] },
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpFailure);
    expect((refused as HttpFailure).status).toBe(403);
    expect((refused as HttpFailure).message).toContain('DEVICE_REVOKED');
  });

  it('keeps a weekly schedule per staff member and shades the off-hours on the book', async () => {
    const today = new Date().toLocaleDateString('en-US', {
      weekday: 'long',
      timeZone: 'America/New_York',
    });
    await nav('Team & catalog');
    await page.getByRole('tab', { name: 'Staff' }).click();
    await page.getByRole('button', { name: 'Working hours for Linh' }).click();
    const hours = page.getByRole('dialog', { name: 'Working hours for Linh' });
    await hours.getByLabel(`Works ${today}`).check();
    await hours.getByLabel(`${today} start`).fill('09:00');
    await hours.getByLabel(`${today} end`).fill('17:00');
    await hours.getByRole('button', { name: 'Save hours' }).click();
    await hours.waitFor({ state: 'detached' });

    await nav('Front desk');
    const linh = page.getByRole('gridcell', { name: 'Linh schedule' });
    // In the store's clock format, as everywhere on the book (a US store: 12 hours).
    await linh.getByTitle(/^Linh off 8:00\sAM–9:00\sAM$/).waitFor();
    await linh.getByTitle(/^Linh off 5:00\sPM–8:00\sPM$/).waitFor();
    expect(await linh.getByTitle(/^Linh off/).count()).toBe(2);
    // No schedule kept for Tuan: nothing of his day is shaded.
    const tuan = page.getByRole('gridcell', { name: 'Tuan schedule' });
    expect(await tuan.getByTitle(/off/).count()).toBe(0);
    await screenshot(page, 'front-desk-off-hours');

    // The schedule reopens as saved (it lives on the synced staff row).
    await nav('Team & catalog');
    await page.getByRole('button', { name: 'Working hours for Linh' }).click();
    const again = page.getByRole('dialog', { name: 'Working hours for Linh' });
    expect(await again.getByLabel(`Works ${today}`).isChecked()).toBe(true);
    expect(await again.getByLabel(`${today} end`).inputValue()).toBe('17:00');
  });
});
