import AxeBuilder from '@axe-core/playwright';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  http,
  pinLock,
  pullEverything,
  pushAsNewDevice,
  screenshot,
  signupSeededStore,
  switchStaff,
  TABLET,
  unlockWithPin,
  type PulledChange,
  type SeededStore,
  openDeskAs,
} from './support';

/** The client already on file: a phone typed another way must find her, with her allergy. */
const ROSA = {
  id: randomUUID(),
  firstName: 'Rosa',
  lastName: 'Quintero',
  phone: '(555) 010-0199',
  allergies: 'Acrylic monomer',
  notes: 'Prefers short almond nails',
};
const TECH_PIN = '8642';

/**
 * Booking at the front desk of a US salon, on a touch tablet: clients found, added or declined
 * in the booking dialog, overlaps side by side on the book, warnings for odd times, bookings
 * moved by touch, a half-filled booking kept through a stray tap; and a technician who may not
 * book, refused by the app and the server alike.
 */
describe('booking at the front desk', () => {
  let browser: Browser;
  let store: SeededStore;
  let context: BrowserContext;
  let page: Page;

  const statusBar = () => page.getByRole('region', { name: 'Sync status' });
  const book = () => page.getByRole('grid', { name: 'Appointment book' });
  const bookDialog = () => page.getByRole('dialog', { name: 'Book appointment' });
  const synced = () => statusBar().getByText('All changes synced').waitFor({ timeout: 20_000 });
  const linh = () => store.staff.technicians[0]!;
  const mai = () => store.staff.technicians[1]!;

  async function openBooking(): Promise<Locator> {
    await page.getByRole('button', { name: 'Book appointment' }).click();
    await bookDialog().waitFor();
    return bookDialog();
  }

  async function fillBooking(
    dialog: Locator,
    b: { service: string; staff: string; time: string },
  ): Promise<void> {
    await dialog.getByLabel('Service').selectOption({ label: b.service });
    await dialog.getByLabel('Staff member').selectOption({ label: b.staff });
    await dialog.getByLabel('Time').fill(b.time);
  }

  /** axe's colour-contrast findings inside `selector`, one line per node. */
  async function contrastFindings(selector: string): Promise<string[]> {
    const result = await new AxeBuilder({ page })
      .include(selector)
      .withRules(['color-contrast'])
      .analyze();
    return result.violations.flatMap((v) =>
      v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    );
  }

  async function serverRows(entity: string): Promise<PulledChange[]> {
    const rows = await pullEverything(store.ownerToken, store.storeId);
    return [...rows.values()].filter((c) => c.entity === entity && !c.deleted);
  }

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('booking')]);
    await pushAsNewDevice(store.ownerToken, store.storeId, [{ name: 'client.upsert', args: ROSA }]);
    await http(`/api/v1/stores/${store.storeId}/staff/${linh().id}/pin`, {
      method: 'PUT',
      token: store.ownerToken,
      body: { pin: TECH_PIN },
    });
    // A touch tablet: fingers for the book, a mouse still works for the rest.
    context = await browser.newContext({ viewport: TABLET, hasTouch: true });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('unlocks as the front desk and shows tomorrow’s book on a 12-hour clock', async () => {
    await openDeskAs(page, store, store.staff.frontDesk);
    // Tomorrow: every time booked below is still ahead, whenever the test runs.
    await page.getByRole('button', { name: 'Next day' }).click();

    const gutter = book().locator('.cal-gutter').last();
    await gutter.getByText(/^10:00\sAM$/).waitFor();
    await gutter.getByText(/^1:00\sPM$/).waitFor();
    expect(await gutter.innerText()).not.toMatch(/13:00/);
  });

  it('books a new client added in the dialog, and never books “nobody” silently', async () => {
    const dialog = await openBooking();
    await fillBooking(dialog, {
      service: 'Gel Manicure (45 min)',
      staff: linh().name,
      time: '10:00',
    });
    await dialog.getByRole('button', { name: 'Book', exact: true }).click();
    await dialog
      .getByRole('alert')
      .filter({ hasText: 'Choose a client, add a new one, or pick “Walk-in / no client”.' })
      .waitFor();
    expect(await dialog.isVisible()).toBe(true);

    await dialog.getByRole('button', { name: 'New client' }).click();
    const form = dialog.getByRole('form', { name: 'New client' });
    await form.getByLabel('First name').fill('Nora');
    await form.getByLabel('Last name').fill('Nguyen');
    await form.getByLabel('Phone').fill('555-010-0777');
    await form.getByRole('button', { name: 'Add client' }).click();
    await dialog.getByText('Client: Nora Nguyen').waitFor();
    await dialog.getByRole('button', { name: 'Book', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    await book()
      .getByRole('button', { name: '10:00 AM Nora Nguyen — Gel Manicure (Booked)' })
      .waitFor();
    await synced();
    const nora = (await serverRows('client')).find((c) => c.data?.['firstName'] === 'Nora');
    expect(nora?.data?.['phone']).toBe('555-010-0777');
    const appts = await serverRows('appointment');
    expect(appts.map((a) => a.data?.['clientId'])).toEqual([nora?.id]);
  });

  it('offers the client already on file for a phone typed another way, with her allergy in view', async () => {
    const dialog = await openBooking();
    await dialog.getByRole('button', { name: 'New client' }).click();
    const form = dialog.getByRole('form', { name: 'New client' });
    await form.getByLabel('First name').fill('Rosa');
    await form.getByLabel('Phone').fill('+1 555 010 0199');
    const warning = form.getByRole('status', { name: 'Phone already on file' });
    await warning.getByText('Rosa Quintero', { exact: true }).waitFor();
    await warning.getByRole('button', { name: 'Use Rosa Quintero' }).click();

    await dialog.getByText('Client: Rosa Quintero').waitFor();
    const alert = dialog.getByRole('alert').filter({ hasText: 'Allergies:' });
    expect(await alert.innerText()).toContain(ROSA.allergies);
    expect(await dialog.getByLabel('Client notes').innerText()).toContain(ROSA.notes);
    await fillBooking(dialog, {
      service: 'Spa Pedicure (60 min)',
      staff: mai().name,
      time: '13:00',
    });
    expect(page.viewportSize()).toEqual({ width: 1024, height: 768 });
    await screenshot(page, 'booking-dialog');
    expect(await contrastFindings('[role="dialog"]')).toEqual([]);
    await dialog.getByRole('button', { name: 'Book', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await book()
      .getByRole('button', { name: '1:00 PM Rosa Quintero — Spa Pedicure (Booked)' })
      .waitFor();
    await synced();
    expect(
      (await serverRows('client')).filter((c) => c.data?.['firstName'] === 'Rosa'),
    ).toHaveLength(1);
  });

  it('shows two overlapping bookings of one technician side by side', async () => {
    const dialog = await openBooking();
    await dialog.getByRole('button', { name: 'Walk-in / no client' }).click();
    await fillBooking(dialog, {
      service: 'Gel Manicure (45 min)',
      staff: mai().name,
      time: '13:15',
    });
    await dialog.getByRole('button', { name: 'Book', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    const first = book().getByRole('button', { name: /^1:00\sPM Rosa Quintero — Spa Pedicure/ });
    const second = book().getByRole('button', { name: /^1:15\sPM Walk-in — Gel Manicure/ });
    // Flagged in its name (read out), not only by its colour.
    const flagged = book().getByRole('button', {
      name: /^1:15\sPM Walk-in — Gel Manicure.*Conflict$/,
    });
    await expect.poll(() => flagged.count()).toBe(1);
    await first.scrollIntoViewIfNeeded();
    const [a, b] = [await first.boundingBox(), await second.boundingBox()];
    if (!a || !b) throw new Error('a booking is not on screen');
    // Both in Mai's column, neither drawn over the other.
    expect(a.x + a.width <= b.x || b.x + b.width <= a.x).toBe(true);
    await screenshot(page, 'booking-overlap');
    // The technicians' colours behind booking text, a conflict badge among them.
    expect(await contrastFindings('[aria-label="Appointment book"]')).toEqual([]);
    expect(a.width).toBeGreaterThan(30);
    expect(b.width).toBeGreaterThan(30);
    const column = await book()
      .getByRole('gridcell', { name: `${mai().name} schedule` })
      .boundingBox();
    for (const box of [a, b]) {
      expect(box.x).toBeGreaterThanOrEqual(column!.x);
      expect(box.x + box.width).toBeLessThanOrEqual(column!.x + column!.width + 0.5);
    }
  });

  it('keeps a half-filled booking through a stray tap beside the dialog', async () => {
    const dialog = await openBooking();
    await dialog.getByLabel('Notes').fill('Wants the chrome powder');
    await page.touchscreen.tap(8, 8);
    await page.mouse.click(8, 8);
    expect(await dialog.isVisible()).toBe(true);
    expect(await dialog.getByLabel('Notes').inputValue()).toBe('Wants the chrome powder');

    // Escape asks before anything is thrown away; "Keep editing" keeps it.
    await dialog.getByLabel('Notes').press('Escape');
    const ask = dialog.getByRole('group', { name: 'Discard this booking?' });
    await ask.getByRole('button', { name: 'Keep editing' }).click();
    expect(await dialog.getByLabel('Notes').inputValue()).toBe('Wants the chrome powder');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await ask.getByRole('button', { name: 'Discard' }).click();
    await dialog.waitFor({ state: 'detached' });

    // An untouched dialog still closes on a tap beside it.
    const empty = await openBooking();
    await page.touchscreen.tap(8, 8);
    await empty.waitFor({ state: 'detached' });
  });

  it('moves a booking an hour later by touch (hold, then drag), and the server has it', async () => {
    const appt = book().getByRole('button', { name: /^10:00\sAM Nora Nguyen — Gel Manicure/ });
    await appt.scrollIntoViewIfNeeded();
    const box = await appt.boundingBox();
    if (!box) throw new Error('the booking is not on screen');
    const before = (await serverRows('appointment')).find(
      (a) => a.data?.['serviceId'] === store.services[0]!.id && a.data?.['staffId'] === linh().id,
    );
    const startBefore = String(before?.data?.['start']);

    const cdp = await context.newCDPSession(page);
    const x = box.x + box.width / 2;
    const y = box.y + 8;
    const touch = (type: string, points: { x: number; y: number }[]) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points } as never);

    // A quick swipe without the hold scrolls; it does not move the booking.
    await touch('touchStart', [{ x, y }]);
    for (let i = 1; i <= 6; i++) await touch('touchMove', [{ x, y: y + i * 12 }]);
    await touch('touchEnd', []);
    await page.waitForTimeout(300);
    expect(await appt.count()).toBe(1);

    // Hold, then drag 72 px down: an hour at 1.2 px a minute.
    await appt.scrollIntoViewIfNeeded();
    const held = (await appt.boundingBox())!;
    const hx = held.x + held.width / 2;
    const hy = held.y + 8;
    await touch('touchStart', [{ x: hx, y: hy }]);
    await page.waitForTimeout(600);
    for (let i = 1; i <= 8; i++) await touch('touchMove', [{ x: hx, y: hy + i * 9 }]);
    await touch('touchEnd', []);

    const moved = book().getByRole('button', { name: /^11:00\sAM Nora Nguyen — Gel Manicure/ });
    await moved.waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    await synced();
    const after = (await serverRows('appointment')).find((a) => a.id === before?.id);
    expect(Date.parse(String(after?.data?.['start'])) - Date.parse(startBefore)).toBe(60 * 60_000);

    await page.reload();
    await pinLock(page).waitFor();
    await unlockWithPin(page, store.staff.frontDesk.name, store.staff.frontDesk.pin);
    await page.getByRole('button', { name: 'Next day' }).click();
    await book()
      .getByRole('button', { name: /^11:00\sAM Nora Nguyen — Gel Manicure/ })
      .waitFor();
  });

  it('moves a focused booking by 15 minutes with the arrow keys', async () => {
    const appt = book().getByRole('button', { name: /^11:00\sAM Nora Nguyen — Gel Manicure/ });
    await appt.focus();
    await page.keyboard.press('ArrowDown');
    await book()
      .getByRole('button', { name: /^11:15\sAM Nora Nguyen — Gel Manicure/ })
      .waitFor();
  });

  it('moves a booking to another technician and lengthens it by its bottom edge, by mouse', async () => {
    const tuan = store.staff.technicians[2]!;
    const appt = book().getByRole('button', { name: /^11:15\sAM Nora Nguyen — Gel Manicure/ });
    await appt.scrollIntoViewIfNeeded();
    const box = (await appt.boundingBox())!;
    const tuanColumn = (await book()
      .getByRole('gridcell', { name: `${tuan.name} schedule` })
      .boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(tuanColumn.x + tuanColumn.width / 2, box.y + 10, { steps: 8 });
    await page.mouse.up();
    const moved = book()
      .getByRole('gridcell', { name: `${tuan.name} schedule` })
      .getByRole('button', { name: /^11:15\sAM Nora Nguyen — Gel Manicure/ });
    await moved.waitFor();
    // The drag's own click does not open the booking.
    expect(await page.getByRole('dialog').count()).toBe(0);

    // Half an hour more (36 px) by the bottom edge: 45 → 75 minutes.
    const at = (await moved.boundingBox())!;
    const edge = at.y + at.height - 3;
    await page.mouse.move(at.x + at.width / 2, edge);
    await page.mouse.down();
    await page.mouse.move(at.x + at.width / 2, edge + 36, { steps: 6 });
    await page.mouse.up();
    await expect.poll(async () => (await moved.boundingBox())?.height ?? 0).toBeGreaterThan(80);
    await moved.click();
    const dialog = page.getByRole('dialog', { name: 'Appointment' });
    await dialog.getByText('(75 min)').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await synced();
    const server = (await serverRows('appointment')).find((a) => a.data?.['staffId'] === tuan.id);
    expect(server?.data?.['durationMin']).toBe(75);
  });

  it('draws the current time across today’s book', async () => {
    await page.getByRole('button', { name: 'Today' }).click();
    const minutes = Number(
      new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      })
        .formatToParts(new Date())
        .reduce(
          (m, p) =>
            p.type === 'hour'
              ? m + Number(p.value) * 60
              : p.type === 'minute'
                ? m + Number(p.value)
                : m,
          0,
        ),
    );
    const line = book().getByLabel(/^Now \d{1,2}:\d{2}\s[AP]M$/);
    // The book runs 8 AM to 8 PM, longer when the day's appointments do (earlier tests may have
    // booked at the hour this runs): the line is on it within the hours it shows, only.
    const hourLabels = await book().locator('.cal-gutter .cal-hour').allTextContents();
    const asMinutes = (label: string) => {
      const m = /(\d{1,2})(?::(\d{2}))?\s*([AP]M)/.exec(label);
      if (!m) throw new Error(`not an hour label: ${label}`);
      return ((Number(m[1]) % 12) + (m[3] === 'PM' ? 12 : 0)) * 60 + Number(m[2] ?? 0);
    };
    const shownFrom = asMinutes(hourLabels[0]!);
    const shownTo = asMinutes(hourLabels.at(-1)!) + 60;
    expect(shownFrom).toBeLessThanOrEqual(8 * 60);
    expect(shownTo).toBeGreaterThanOrEqual(20 * 60);
    if (minutes >= shownFrom + 1 && minutes < shownTo - 1) await line.waitFor();
    else expect(await line.count()).toBe(0);
    await page.getByRole('button', { name: 'Next day' }).click();
    expect(await line.count()).toBe(0);
    await page.getByRole('button', { name: 'Previous day' }).click();
  });

  it('warns, without refusing, when booking a time already gone', async () => {
    await page.getByRole('button', { name: 'Previous day' }).click();
    const dialog = await openBooking();
    await dialog.getByRole('button', { name: 'Walk-in / no client' }).click();
    await fillBooking(dialog, {
      service: 'Gel Manicure (45 min)',
      staff: linh().name,
      time: '09:00',
    });
    const warnings = dialog.getByRole('list', { name: 'Booking warnings' });
    await warnings.getByText('This time is in the past.').waitFor();
    await dialog.getByRole('button', { name: 'Book', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await book()
      .getByRole('button', { name: /^9:00\sAM Walk-in — Gel Manicure/ })
      .waitFor();
  });

  it('a technician switched in by PIN cannot book, and the server refuses it too', async () => {
    await switchStaff(page, linh().name, TECH_PIN);

    // appointments.book is the front desk's (permissions.ts): not even their own column.
    expect(await page.getByRole('button', { name: 'Book appointment' }).isDisabled()).toBe(true);
    await book()
      .getByRole('gridcell', { name: `${linh().name} schedule` })
      .click({ position: { x: 20, y: 500 } });
    expect(await bookDialog().count()).toBe(0);
    const own = book().getByRole('button', { name: /^9:00\sAM Walk-in — Gel Manicure/ });
    await own.focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(300);
    expect(await own.count()).toBe(1);

    const appt = (await serverRows('appointment')).find((a) => a.data?.['staffId'] === linh().id);
    const forced = (name: string, args: Record<string, unknown>) =>
      pushAsNewDevice(store.ownerToken, store.storeId, [{ name, args, actorStaffId: linh().id }]);
    await expect(
      forced('appointment.book', {
        id: randomUUID(),
        staffId: linh().id,
        serviceId: store.services[0]!.id,
        start: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    ).rejects.toThrow(/"code":"FORBIDDEN_ROLE"/);
    await expect(
      forced('appointment.reschedule', {
        id: appt!.id,
        start: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      }),
    ).rejects.toThrow(/"code":"FORBIDDEN_ROLE"/);
    // The same move by the front desk goes through: what was refused is the technician's role.
    await pushAsNewDevice(store.ownerToken, store.storeId, [
      {
        name: 'appointment.reschedule',
        args: { id: appt!.id, start: new Date(Date.now() + 2 * 86_400_000).toISOString() },
        actorStaffId: store.staff.frontDesk.id,
      },
    ]);
  });
});
