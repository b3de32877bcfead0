import AxeBuilder from '@axe-core/playwright';
import { randomUUID } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  http,
  openDeskAs,
  pullEverything,
  pushAsNewDevice,
  screenshot,
  signupSeededStore,
  TABLET,
  type PulledChange,
  type SeededStore,
} from './support';

/** `days` after a `YYYY-MM-DD` date. */
const plusDays = (ymd: string, days: number) =>
  new Date(Date.parse(`${ymd}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * A visit of two services done at once by two technicians, and a weekly series cancelled from its
 * third booking on: booked at the desk by the owner and by the front desk, each in a store of its
 * own, and checked on the server.
 */
describe.each(['owner', 'front desk'] as const)('visits and series, as the %s', (who) => {
  let browser: Browser;
  let store: SeededStore;
  let page: Page;
  let tomorrow: string;
  let person: { id: string; name: string; pin: string };

  const book = () => page.getByRole('grid', { name: 'Appointment book' });
  const bookDialog = () => page.getByRole('dialog', { name: 'Book appointment' });
  const synced = () =>
    page
      .getByRole('region', { name: 'Sync status' })
      .getByText('All changes synced')
      .waitFor({ timeout: 20_000 });
  const linh = () => store.staff.technicians[0]!;
  const mai = () => store.staff.technicians[1]!;
  const tuan = () => store.staff.technicians[2]!;

  async function serverAppointments(): Promise<PulledChange[]> {
    const rows = await pullEverything(store.ownerToken, store.storeId);
    return [...rows.values()].filter((c) => c.entity === 'appointment' && !c.deleted);
  }

  async function openBooking(b: { service: string; staff: string; time: string }) {
    await page.getByRole('button', { name: 'Book appointment' }).click();
    const dialog = bookDialog();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Walk-in / no client' }).click();
    const first = dialog.getByRole('form', { name: 'Booking' });
    await first
      .getByRole('combobox', { name: /^Service/ })
      .first()
      .selectOption({ label: b.service });
    await first
      .getByRole('combobox', { name: /^Staff member/ })
      .first()
      .selectOption({ label: b.staff });
    await first.getByLabel('Time').fill(b.time);
    return dialog;
  }

  async function goTo(ymd: string) {
    await dayField().fill(ymd);
  }

  const dayField = () => page.getByRole('textbox', { name: 'Day', exact: true });
  const block = (name: RegExp): Locator => book().getByRole('button', { name });

  beforeAll(async () => {
    [browser, store] = await Promise.all([
      launchChromium(),
      signupSeededStore(`multi-${who.replace(' ', '-')}`),
    ]);
    person = store.staff.frontDesk;
    if (who === 'owner') {
      // Sign-up makes no staff row for the owner: the desk needs one to unlock as them.
      person = { id: randomUUID(), name: 'Olga (owner)', pin: '9911' };
      await pushAsNewDevice(store.ownerToken, store.storeId, [
        {
          name: 'staff.upsert',
          args: { id: person.id, displayName: person.name, role: 'owner', active: true },
        },
      ]);
      await http(`/api/v1/stores/${store.storeId}/staff/${person.id}/pin`, {
        method: 'PUT',
        token: store.ownerToken,
        body: { pin: person.pin },
      });
    }
    const context = await browser.newContext({ viewport: TABLET });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('books a manicure and a pedicure with two technicians at the same time', async () => {
    // In a test, not beforeAll: opening the desk polls for the service worker.
    await openDeskAs(page, store, person);
    await page.getByRole('button', { name: 'Next day' }).click();
    tomorrow = await dayField().inputValue();
    const dialog = await openBooking({
      service: 'Gel Manicure (45 min)',
      staff: linh().name,
      time: '10:00',
    });
    await dialog.getByRole('button', { name: 'Add service' }).click();
    const second = dialog.getByRole('group', { name: 'Service 2' });
    await second
      .getByRole('combobox', { name: /^Service/ })
      .selectOption({ label: 'Spa Pedicure (60 min)' });
    await second
      .getByRole('combobox', { name: /^Staff member/ })
      .selectOption({ label: mai().name });
    await second.getByLabel('Same time as service 1').check();
    await second.getByText(/10:00\sAM/).waitFor();
    await screenshot(page, `multi-service-dialog-${who.replace(' ', '-')}`);
    await dialog.getByRole('button', { name: 'Book', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    const manicure = block(/^10:00\sAM Walk-in — Gel Manicure.*part of a visit/);
    const pedicure = block(/^10:00\sAM Walk-in — Spa Pedicure.*part of a visit/);
    await manicure.waitFor();
    await pedicure.waitFor();
    await manicure.scrollIntoViewIfNeeded();
    const [a, b] = [await manicure.boundingBox(), await pedicure.boundingBox()];
    if (!a || !b) throw new Error('a booking of the visit is not on screen');
    // Two lanes (Linh's and Mai's columns), the same time.
    expect(Math.abs(a.y - b.y)).toBeLessThan(1);
    expect(a.x + a.width <= b.x || b.x + b.width <= a.x).toBe(true);
    const linhColumn = await book()
      .getByRole('gridcell', { name: `${linh().name} schedule` })
      .boundingBox();
    expect(a.x).toBeGreaterThanOrEqual(linhColumn!.x);
    expect(a.x + a.width).toBeLessThanOrEqual(linhColumn!.x + linhColumn!.width + 0.5);
    // The visit's shared mark, in its own colour, keeps the booking text readable.
    const contrast = await new AxeBuilder({ page })
      .include('[aria-label="Appointment book"]')
      .withRules(['color-contrast'])
      .analyze();
    expect(contrast.violations.flatMap((v) => v.nodes.map((n) => n.target.join(' ')))).toEqual([]);

    await synced();
    const visit = (await serverAppointments()).filter((r) => r.data?.['groupId']);
    expect(visit).toHaveLength(2);
    expect(new Set(visit.map((r) => r.data?.['groupId'])).size).toBe(1);
    expect(new Set(visit.map((r) => r.data?.['start'])).size).toBe(1);
    expect(visit.map((r) => r.data?.['staffId']).sort()).toEqual([linh().id, mai().id].sort());
  });

  it('books a weekly series of 4 that shows on the next weeks’ days', async () => {
    const dialog = await openBooking({
      service: 'Gel Manicure (45 min)',
      staff: tuan().name,
      time: '15:00',
    });
    await dialog.getByLabel('Repeat').selectOption({ label: 'Every week' });
    await dialog.getByLabel('Times in all').fill('4');
    await dialog.getByRole('button', { name: 'Book', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    const occurrence = () => block(/^3:00\sPM Walk-in — Gel Manicure.*repeats/);
    await occurrence().waitFor();
    // The next day has none; each of the next three weeks has one.
    await page.getByRole('button', { name: 'Next day' }).click();
    await expect.poll(() => occurrence().count()).toBe(0);
    for (const week of [1, 2, 3]) {
      await goTo(plusDays(tomorrow, 7 * week));
      await occurrence().waitFor();
    }
    await goTo(plusDays(tomorrow, 28));
    await expect.poll(() => occurrence().count()).toBe(0);

    await synced();
    const series = (await serverAppointments()).filter((r) => r.data?.['seriesId']);
    expect(series).toHaveLength(4);
  });

  it('cancels this and following from the third: two are left', async () => {
    await goTo(plusDays(tomorrow, 14));
    const third = block(/^3:00\sPM Walk-in — Gel Manicure.*repeats/);
    await third.click();
    const dialog = page.getByRole('dialog', { name: 'Appointment' });
    await dialog.getByText('↻ 3 of 4, every week').waitFor();
    await dialog.getByRole('button', { name: 'Cancel this and following' }).click();
    await dialog
      .getByRole('group', { name: 'Cancel this and following?' })
      .getByRole('button', { name: 'Cancel them' })
      .click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => third.count()).toBe(0);
    await goTo(plusDays(tomorrow, 21));
    await page.getByText(/Cancelled today:.*3:00\sPM Walk-in/).waitFor();
    await goTo(plusDays(tomorrow, 7));
    await block(/^3:00\sPM Walk-in — Gel Manicure.*repeats/).waitFor();

    await synced();
    const series = (await serverAppointments()).filter((r) => r.data?.['seriesId']);
    const byStart = series.sort((x, y) =>
      String(x.data?.['start']).localeCompare(String(y.data?.['start'])),
    );
    expect(byStart.map((r) => r.data?.['status'])).toEqual([
      'booked',
      'booked',
      'cancelled',
      'cancelled',
    ]);
  });
});
