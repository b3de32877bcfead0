import AxeBuilder from '@axe-core/playwright';
import { randomUUID } from 'node:crypto';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  DEMO,
  http,
  newTabletPage,
  openDeskAs,
  pullEverything,
  pushAsNewDevice,
  signIn,
  signupSeededStore,
  TABLET,
  type SeededStore,
} from './support';

const TZ = 'America/New_York';
const PHONE = { width: 390, height: 844 } as const;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const TECH_PIN = '8642';
const ROSA = { id: randomUUID(), firstName: 'Rosa', lastName: 'Quintero', phone: '555-010-0199' };

/** The store's day of an instant, `YYYY-MM-DD` (New York, as every e2e store). */
const ymdOf = (at: string | Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: TZ, dateStyle: 'short' }).format(new Date(at));
const addDays = (ymd: string, n: number) => {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + n)).toISOString().slice(0, 10);
};
/** A US salon's week: Sunday to Saturday. */
const weekOf = (ymd: string) => {
  const sunday = addDays(ymd, -new Date(`${ymd}T12:00:00Z`).getUTCDay());
  return Array.from({ length: 7 }, (_, i) => addDays(sunday, i));
};
/** The UTC instant of a New York wall time: the offset is found, not assumed (DST). */
const nyInstant = (ymd: string, hhmm: string) => {
  const guess = new Date(`${ymd}T${hhmm}:00Z`);
  const wall = new Date(guess.toLocaleString('en-US', { timeZone: TZ }) + ' UTC');
  return new Date(guess.getTime() + (guess.getTime() - wall.getTime())).toISOString();
};

const week = (page: Page) => page.getByRole('grid', { name: 'Week book' });
const column = (page: Page, ymd: string) => week(page).locator(`.cal-col[data-ymd="${ymd}"]`);
const idsIn = (col: Locator) =>
  col
    .locator('[data-appointment-id]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-appointment-id') ?? '').sort());

async function switchToWeek(page: Page): Promise<void> {
  await page
    .getByRole('group', { name: 'Book view' })
    .getByRole('button', { name: 'Week' })
    .click();
  await week(page).waitFor();
}

/** The week's days as its columns say, in order. */
const shownDays = (page: Page) =>
  week(page)
    .locator('.cal-col')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-ymd') ?? ''));

/** axe's serious and critical findings in the book, one readable line per node. */
async function audit(page: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).include('.book').withTags(AXE_TAGS).analyze();
  const found = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${where}: [${v.impact}] ${v.id} at ${n.target.join(' ')}`));
  if (found.length > 0) console.error(found.join('\n'));
  return found;
}

/** The page's own sideways scroll (the book may scroll inside itself). */
const pageOverflow = (page: Page) =>
  page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return root.scrollWidth - window.innerWidth;
  });

/**
 * The appointment book's week view: the demo store's real week, day by day as the server has it;
 * then a store of our own at the front desk (filter by technician, overlaps side by side, book
 * by tapping an empty slot, a phone's width, axe-core), and a technician, who sees the week but
 * may not book (appointments.book is the front desk's, permissions.ts).
 */
describe('the week view of the appointment book', () => {
  let browser: Browser;
  let store: SeededStore;
  const anna = () => store.staff.manager;
  const linh = () => store.staff.technicians[0]!;
  const mai = () => store.staff.technicians[1]!;
  const tuan = () => store.staff.technicians[2]!;
  // Next week: every booking below is still ahead, whenever the test runs.
  const next = weekOf(addDays(ymdOf(new Date()), 7));
  const [tue, wed, thu] = [next[2]!, next[3]!, next[4]!];

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('week')]);
    const book = (staffId: string, serviceIdx: number, ymd: string, hhmm: string, client = {}) => ({
      name: 'appointment.book',
      args: {
        id: randomUUID(),
        staffId,
        serviceId: store.services[serviceIdx]!.id,
        start: nyInstant(ymd, hhmm),
        ...client,
      },
    });
    await pushAsNewDevice(store.ownerToken, store.storeId, [
      { name: 'client.upsert', args: ROSA },
      // Three people at once on Tuesday: side by side in the day's column.
      book(anna().id, 1, tue, '10:00'),
      book(linh().id, 0, tue, '10:00', { clientId: ROSA.id }),
      book(mai().id, 1, tue, '10:15'),
      book(tuan().id, 0, thu, '14:00'),
    ]);
    await http(`/api/v1/stores/${store.storeId}/staff/${linh().id}/pin`, {
      method: 'PUT',
      token: store.ownerToken,
      body: { pin: TECH_PIN },
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the demo store’s bookings in their days, this week, next week and last week', async () => {
    const { context, page } = await newTabletPage(browser);
    await signIn(page, DEMO, { hydrationTimeoutMs: 90_000 });
    const login = await http<{ accessToken: string; stores: { id: string }[] }>(
      '/api/v1/auth/login',
      { body: DEMO },
    );
    const appts = [...(await pullEverything(login.accessToken, login.stores[0]!.id)).values()]
      .filter((c) => c.entity === 'appointment' && !c.deleted && c.data?.['status'] !== 'cancelled')
      .map((c) => ({ id: c.id, ymd: ymdOf(String(c.data?.['start'])) }));
    const expected = (ymd: string) =>
      appts
        .filter((a) => a.ymd === ymd)
        .map((a) => a.id)
        .sort();

    await switchToWeek(page);
    const thisWeek = weekOf(ymdOf(new Date()));
    const seen: number[] = [];
    for (const [move, days] of [
      [null, thisWeek],
      ['Next week', weekOf(addDays(thisWeek[0]!, 7))],
      ['Previous week', thisWeek],
      ['Previous week', weekOf(addDays(thisWeek[0]!, -7))],
    ] as const) {
      if (move) await page.getByRole('button', { name: move }).click();
      await expect.poll(() => shownDays(page)).toEqual(days);
      for (const ymd of days) {
        await expect.poll(() => idsIn(column(page, ymd)), { message: ymd }).toEqual(expected(ymd));
      }
      seen.push(days.reduce((n, ymd) => n + expected(ymd).length, 0));
    }
    // The demo store has a busy past and bookings ahead: the checks above were not vacuous.
    expect(seen[0]! + seen[1]!).toBeGreaterThan(0);
    expect(seen[3]).toBeGreaterThan(10);
    expect(await audit(page, 'demo store, last week @1024px')).toEqual([]);

    await page.getByRole('button', { name: 'This week' }).click();
    await expect.poll(() => shownDays(page)).toEqual(thisWeek);
    expect(await page.getByRole('button', { name: 'This week' }).isDisabled()).toBe(true);
    await context.close();
  });

  it('at the front desk: filters by technician, sets overlaps side by side, opens a booking', async () => {
    const { context, page } = await newTabletPage(browser);
    await openDeskAs(page, store, store.staff.frontDesk);
    await switchToWeek(page);
    await page.getByRole('button', { name: 'Next week' }).click();
    await expect.poll(() => shownDays(page)).toEqual(next);

    // Named by time, client, service, technician (and status), the same 12-hour clock as the day.
    const rosa = column(page, tue).getByRole('button', {
      name: '10:00 AM Rosa Quintero — Gel Manicure · Linh (Booked)',
    });
    const walkIn = column(page, tue).getByRole('button', {
      name: '10:15 AM Walk-in — Spa Pedicure · Mai (Booked)',
    });
    await rosa.waitFor();
    await walkIn.waitFor();
    await column(page, thu)
      .getByRole('button', { name: /^2:00\sPM Walk-in — Gel Manicure · Tuan/ })
      .waitFor();
    expect(await idsIn(column(page, wed))).toEqual([]);
    await rosa.scrollIntoViewIfNeeded();
    const boxes = await Promise.all(
      (await column(page, tue).locator('[data-appointment-id]').all()).map(
        async (el) => (await el.boundingBox())!,
      ),
    );
    expect(boxes).toHaveLength(3);
    const col = (await column(page, tue).boundingBox())!;
    for (const p of boxes) {
      expect(p.x).toBeGreaterThanOrEqual(col.x);
      expect(p.x + p.width).toBeLessThanOrEqual(col.x + col.width + 0.5);
      for (const q of boxes) {
        if (p !== q) expect(p.x + p.width <= q.x + 0.5 || q.x + q.width <= p.x + 0.5).toBe(true);
      }
    }
    const a = (await rosa.boundingBox())!;
    const gutter = week(page).locator('.cal-body > .cal-gutter');
    await gutter.getByText(/^10:00\sAM$/).waitFor();
    expect(await gutter.innerText()).not.toMatch(/13:00/);

    // One technician: only hers, the whole column's width.
    const filter = page.getByLabel('Technician');
    await filter.selectOption({ label: mai().name });
    await expect.poll(() => week(page).locator('[data-appointment-id]').count()).toBe(1);
    await walkIn.waitFor();
    const alone = (await walkIn.boundingBox())!;
    expect(alone.width).toBeGreaterThan(a.width * 1.5);
    await filter.selectOption({ label: 'All' });
    await expect.poll(() => week(page).locator('[data-appointment-id]').count()).toBe(4);

    // A tap on a booking opens it; typed-in changes survive a stray tap beside the dialog.
    await rosa.click();
    const dialog = page.getByRole('dialog', { name: 'Appointment' });
    await dialog.getByText('Rosa Quintero').waitFor();
    await dialog.getByLabel('Reason').fill('Client called in sick');
    await page.mouse.click(5, 5);
    expect(await dialog.isVisible()).toBe(true);
    expect(await dialog.getByLabel('Reason').inputValue()).toBe('Client called in sick');
    await page.keyboard.press('Escape');
    const ask = dialog.getByRole('group', { name: 'Discard your changes?' });
    await ask.getByRole('button', { name: 'Discard' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Untouched, it closes on a tap beside it as before.
    await walkIn.click();
    await dialog.waitFor();
    await page.mouse.click(5, 5);
    await dialog.waitFor({ state: 'detached' });
    await context.close();
  });

  it('books by tapping an empty slot: that day and time, the first technician free', async () => {
    const { context, page } = await newTabletPage(browser);
    await openDeskAs(page, store, store.staff.frontDesk);
    await switchToWeek(page);
    await page.getByRole('button', { name: 'Next week' }).click();
    await expect.poll(() => shownDays(page)).toEqual(next);

    // Tuesday 10:45, below Linh's booking (10:00–10:45): Anna (until 11:00) and Mai (until
    // 11:15) are busy, Linh is free again. 1.2 px a minute from 8:00.
    await column(page, tue).click({ position: { x: 6, y: 165 * 1.2 + 5 } });
    const dialog = page.getByRole('dialog', { name: 'Book appointment' });
    await dialog.waitFor();
    expect(await dialog.getByLabel('Time').inputValue()).toBe('10:45');
    expect(await dialog.getByLabel('Staff member').inputValue()).toBe(linh().id);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Wednesday 11:00 (an empty day), then booked as a walk-in.
    await column(page, wed).click({ position: { x: 6, y: 180 * 1.2 + 5 } });
    await dialog.waitFor();
    expect(await dialog.getByLabel('Time').inputValue()).toBe('11:00');
    expect(await dialog.getByLabel('Staff member').inputValue()).toBe(anna().id);
    await dialog.getByRole('button', { name: 'Walk-in / no client' }).click();
    await dialog.getByRole('button', { name: 'Book', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await column(page, wed)
      .getByRole('button', { name: /^11:00\sAM Walk-in — Gel Manicure · Anna \(manager\)/ })
      .waitFor();
    await page
      .getByRole('region', { name: 'Sync status' })
      .getByText('All changes synced')
      .waitFor({
        timeout: 20_000,
      });
    const rows = await pullEverything(store.ownerToken, store.storeId);
    const booked = [...rows.values()].filter(
      (c) => c.entity === 'appointment' && c.data?.['start'] === nyInstant(wed, '11:00'),
    );
    expect(booked.map((c) => c.data?.['staffId'])).toEqual([anna().id]);

    // With one technician chosen, an empty slot books her.
    await page.getByLabel('Technician').selectOption({ label: mai().name });
    await column(page, thu).click({ position: { x: 6, y: 60 * 1.2 + 5 } });
    await dialog.waitFor();
    expect(await dialog.getByLabel('Staff member').inputValue()).toBe(mai().id);
    expect(await dialog.getByLabel('Time').inputValue()).toBe('09:00');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByLabel('Technician').selectOption({ label: 'All' });

    // axe-core on the week, tablet and phone; on a phone the days scroll inside the book only.
    expect(await audit(page, 'week @1024px')).toEqual([]);
    await page.setViewportSize(PHONE);
    await expect.poll(() => pageOverflow(page)).toBeLessThanOrEqual(0);
    const scrolls = await week(page).evaluate((el) => el.scrollWidth > el.clientWidth);
    expect(scrolls).toBe(true);
    // The week's own controls are on screen, not pushed off its right edge.
    for (const name of ['Previous week', 'Next week']) {
      const box = (await page.getByRole('button', { name }).boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    expect(await audit(page, 'week @390px')).toEqual([]);
    await page.setViewportSize(TABLET);
    await context.close();
  });

  it('a technician sees the week but cannot book from it', async () => {
    const { context, page } = await newTabletPage(browser);
    await openDeskAs(page, store, { name: linh().name, pin: TECH_PIN });
    await switchToWeek(page);
    await page.getByRole('button', { name: 'Next week' }).click();
    await expect.poll(() => shownDays(page)).toEqual(next);
    // Everyone's bookings, as on the day view.
    await expect.poll(() => week(page).locator('[data-appointment-id]').count()).toBe(5);
    expect(await page.getByRole('button', { name: 'Book appointment' }).isDisabled()).toBe(true);
    await column(page, wed).click({ position: { x: 6, y: 300 } });
    await page.waitForTimeout(300);
    expect(await page.getByRole('dialog', { name: 'Book appointment' }).count()).toBe(0);
    // A booking still opens, to be read.
    await column(page, tue)
      .getByRole('button', { name: /^10:00\sAM Rosa Quintero/ })
      .click();
    await page.getByRole('dialog', { name: 'Appointment' }).waitFor();
    await context.close();
  });
});
