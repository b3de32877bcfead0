import { randomUUID } from 'node:crypto';
import { addDaysToYmd, businessDate, zonedWallTimeMs } from '@mango/domain/time';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import { baseUrl } from '../../../test-support/e2e-context';
import { longDay } from '../src/book/booking-days';
import { axeFindings, PHONE, sidewaysOverflow, smallTargets } from './page-checks';
import {
  newTabletPage,
  pinLock,
  pullEverything,
  pushAsNewDevice,
  screenshot,
  signIn,
  signupSeededStore,
  switchStaff,
  waitForServiceWorker,
  type SeededStore,
} from './support';

const TZ = 'America/New_York'; // the seeded store's zone
/** The technicians' day on the page: 10:00–14:00 every weekday, so tomorrow always works. */
const SHIFT = { startMin: 10 * 60, endMin: 14 * 60 };

interface Booked {
  booking: { token: string; status: string; start: string; staffName: string };
  manageUrl: string;
}

/**
 * The public booking page (issue 21) against the real server, in Chromium: a client books on a
 * 390 px phone while a signed-in desk watches the day, which shows the booking without a reload
 * and marks it Online; the offered times keep to working hours and to existing appointments; a
 * time taken meanwhile answers 409 and the page offers the fresh times, never a confirmation; the
 * manage link moves and cancels; a desk double booking over an online one lists both as
 * conflicts. axe-core, touch targets and sideways scrolling are checked on every step.
 */
describe('online booking', () => {
  let browser: Browser;
  let store: SeededStore;
  let slug: string;
  let desk: { context: BrowserContext; page: Page };
  let phone: BrowserContext;
  let linh: { id: string; name: string };
  let mai: { id: string; name: string };
  let manageUrl = '';
  const tomorrow = addDaysToYmd(businessDate(new Date().toISOString(), TZ), 1);
  const at = (hour: number, minute = 0) =>
    new Date(zonedWallTimeMs(tomorrow, hour * 60 + minute, TZ)).toISOString();
  const gel = () => store.services.find((s) => s.name === 'Gel Manicure')!;

  /** A booking made by another client, straight through the public API. */
  async function bookByApi(start: string, name: string): Promise<Booked> {
    const res = await fetch(`${baseUrl()}/api/v1/public/stores/${slug}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        serviceId: gel().id,
        staffId: linh.id,
        start,
        client: { name, phone: `555-01${Math.floor(Math.random() * 90 + 10)}` },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as Booked;
  }

  /** axe (serious, critical), touch targets and sideways scrolling on the page as it is. */
  async function expectClean(page: Page, where: string): Promise<void> {
    expect.soft(await axeFindings(page, where), where).toEqual([]);
    expect.soft(await sidewaysOverflow(page), `${where}: wider than the screen`).toEqual([]);
    expect.soft(await smallTargets(page), `${where}: touch targets`).toEqual([]);
  }

  const step = (page: Page, name: string) =>
    page.getByRole('heading', { name, level: 2 }).waitFor();
  const freeTimes = (page: Page) =>
    page.getByLabel('Free times').getByRole('button').allInnerTexts();

  /** The booking page up to the free times of tomorrow with Linh. */
  async function toTomorrowsTimes(page: Page): Promise<void> {
    await page.goto(`${baseUrl()}/book/${slug}`);
    await step(page, 'Choose a service');
    await page.getByRole('button', { name: /^Gel Manicure/ }).click();
    await step(page, 'Choose a technician');
    await page.getByRole('button', { name: /^Linh/ }).click();
    await step(page, 'Choose a day and time');
    await page.getByRole('button', { name: longDay(tomorrow, 'en-US') }).click();
    await page.getByLabel('Free times').waitFor();
  }

  const deskBook = () => desk.page.getByRole('grid', { name: 'Appointment book' });

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('online-booking')]);
    linh = store.staff.technicians[0]!;
    mai = store.staff.technicians[1]!;
    slug = `e2e-${randomUUID().slice(0, 8)}`;
    const workingHours = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, ...SHIFT }));
    await pushAsNewDevice(store.ownerToken, store.storeId, [
      ...[linh, mai].map((t) => ({
        name: 'staff.upsert',
        args: { id: t.id, displayName: t.name, role: 'technician', active: true, workingHours },
      })),
      {
        name: 'store.updateSettings',
        args: {
          onlineBooking: {
            enabled: true,
            slug,
            horizonDays: 14,
            minNoticeMin: 0,
            bufferMin: 0,
            serviceIds: [],
            staffIds: [linh.id, mai.id],
          },
        },
      },
      // The desk's own booking: Linh 10:00–10:45 tomorrow is taken.
      {
        name: 'appointment.book',
        args: { id: randomUUID(), staffId: linh.id, serviceId: gel().id, start: at(10) },
      },
    ]);
    desk = await newTabletPage(browser);
    await signIn(desk.page, store);
    await desk.page.getByRole('button', { name: 'Next day' }).click();
    phone = await browser.newContext({ viewport: PHONE });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('serves /book/… its own small page, without the desk', async () => {
    const html = await (await fetch(`${baseUrl()}/book/${slug}`)).text();
    expect(html).toContain('/assets/book-');
    expect(html).not.toContain('manifest.webmanifest');
    const page = await phone.newPage();
    const scripts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
    await page.goto(`${baseUrl()}/book/${slug}`);
    await step(page, 'Choose a service');
    expect(scripts.filter((s) => /DeviceRoot|FrontDesk|sync\.worker|desk-/.test(s))).toEqual([]);
    expect(await page.evaluate(() => navigator.serviceWorker.getRegistrations())).toHaveLength(0);
    await page.close();
  });

  it('a client books on a phone; the desk sees it at once, marked Online', async () => {
    const page = await phone.newPage();
    await page.goto(`${baseUrl()}/book/${slug}`);
    await page.getByRole('heading', { level: 1, name: 'E2E online-booking salon' }).waitFor();
    await expect.poll(() => page.title()).toBe('Book at E2E online-booking salon · Mango POS');
    await expectClean(page, 'service step');
    // Each service with its length and price, in the store's currency.
    expect(await page.getByRole('button', { name: /^Gel Manicure/ }).innerText()).toMatch(
      /Gel Manicure\s+45 min · \$40\.00/,
    );
    await page.getByRole('button', { name: /^Gel Manicure/ }).click();
    await step(page, 'Choose a technician');
    await expectClean(page, 'technician step');
    await page.getByRole('button', { name: /^Linh/ }).click();
    await step(page, 'Choose a day and time');
    await page.getByRole('button', { name: longDay(tomorrow, 'en-US') }).click();
    await page.getByLabel('Free times').waitFor();
    // Within Linh's 10:00–14:00, 45 minutes long, and not over the desk's 10:00–10:45.
    expect(await freeTimes(page)).toEqual([
      '10:45 AM',
      '11:00 AM',
      '11:15 AM',
      '11:30 AM',
      '11:45 AM',
      '12:00 PM',
      '12:15 PM',
      '12:30 PM',
      '12:45 PM',
      '1:00 PM',
      '1:15 PM',
    ]);
    await expectClean(page, 'time step');
    await screenshot(page, 'online-booking-times-390');
    await page.getByRole('button', { name: '11:00 AM' }).click();
    await step(page, 'Your details');
    await page.getByLabel('Name').fill('Olivia Online');
    await page.getByLabel('Phone').fill('555-0101');
    await page.getByLabel(/^Email/).fill('olivia@example.com');
    await expectClean(page, 'details step');

    // Hold the server's answer: until the 201 arrives the page says nothing is booked.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/v1/public/stores/*/bookings', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Book this time' }).click();
    await page.getByRole('button', { name: 'Booking…' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Booked' }).count()).toBe(0);
    release();
    await step(page, 'Booked');
    await page.unroute('**/api/v1/public/stores/*/bookings');
    const link = page.getByRole('link', { name: 'Manage your booking' });
    manageUrl = (await link.getAttribute('href')) ?? '';
    expect(manageUrl).toMatch(new RegExp(`/book/${slug}/manage/[^/]+$`));
    await expectClean(page, 'booked');
    await screenshot(page, 'online-booking-booked-390');

    // The desk, open on tomorrow all along, shows it without a reload, marked Online.
    const booked = deskBook().getByRole('button', { name: /11:00 AM Olivia Online/ });
    await booked.waitFor({ timeout: 20_000 });
    expect(await booked.innerText()).toContain('Online');
    await screenshot(desk.page, 'online-booking-desk-1024');
    await booked.click();
    const dialog = desk.page.getByRole('dialog', { name: 'Appointment' });
    await expect.poll(() => dialog.innerText()).toContain('by the client on the booking page');
    await dialog.getByRole('button', { name: 'Close' }).click();
    // The week view marks it too.
    await desk.page
      .getByRole('group', { name: 'Book view' })
      .getByRole('button', { name: 'Week' })
      .click();
    const inWeek = desk.page.locator('.week-appt', { hasText: 'Olivia Online' });
    expect(await inWeek.innerText()).toContain('Online');
    await desk.page
      .getByRole('group', { name: 'Book view' })
      .getByRole('button', { name: 'Day' })
      .click();
    await page.close();
  });

  it('a time taken meanwhile: 409, the fresh times, and never a confirmation', async () => {
    const page = await phone.newPage();
    await toTomorrowsTimes(page);
    await page.getByRole('button', { name: '12:30 PM' }).click();
    await step(page, 'Your details');
    await page.getByLabel('Name').fill('Second Client');
    await page.getByLabel('Phone').fill('555-0102');
    // Someone else takes 12:30 first.
    await bookByApi(at(12, 30), 'Quick Booker');
    await page.getByRole('button', { name: 'Book this time' }).click();
    await page.getByText('that time was just booked by someone else').waitFor();
    await step(page, 'Choose a day and time');
    expect(await page.getByRole('heading', { name: 'Booked' }).count()).toBe(0);
    // 11:00–11:45 (Olivia) and 12:30–13:15 are taken now.
    await expect.poll(() => freeTimes(page)).toEqual(['11:45 AM', '1:15 PM']);
    await expectClean(page, 'slot taken');
    await page.close();
  });

  it('the manage link moves a booking, then cancels it; the desk follows', async () => {
    const page = await phone.newPage();
    await page.goto(new URL(manageUrl, baseUrl()).href);
    await step(page, 'Your booking');
    await expect.poll(() => page.title()).toBe('Your booking · Mango POS');
    await expectClean(page, 'manage');
    await page.getByRole('button', { name: 'Move to another time' }).click();
    await step(page, 'Choose a new time');
    await expectClean(page, 'move');
    await page.getByRole('button', { name: longDay(tomorrow, 'en-US') }).click();
    await page.getByRole('button', { name: '1:15 PM' }).click();
    await step(page, 'Move your booking?');
    await page.getByRole('button', { name: 'Move to this time' }).click();
    await page.getByText('Your booking was moved.').waitFor();
    expect(await page.locator('.bk-facts').innerText()).toContain('1:15 PM');
    await deskBook()
      .getByRole('button', { name: /1:15 PM Olivia Online/ })
      .waitFor();

    await page.getByRole('button', { name: 'Cancel booking' }).click();
    await step(page, 'Cancel this booking?');
    await expectClean(page, 'cancel');
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.getByText('Your booking was cancelled.').waitFor();
    await page.getByText('This booking is cancelled.').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel booking' }).count()).toBe(0);
    await deskBook()
      .getByRole('button', { name: /Olivia Online/ })
      .waitFor({ state: 'detached', timeout: 20_000 });
    await page.close();
  });

  it('"Anyone" offers the union of the technicians and books the one who is free', async () => {
    const page = await phone.newPage();
    await page.goto(`${baseUrl()}/book/${slug}`);
    await page.getByRole('button', { name: /^Gel Manicure/ }).click();
    await page.getByRole('button', { name: /^Anyone/ }).click();
    await step(page, 'Choose a day and time');
    await page.getByRole('button', { name: longDay(tomorrow, 'en-US') }).click();
    await page.getByLabel('Free times').waitFor();
    // Linh is busy at 10:00; Mai is not, so "anyone" offers it.
    expect((await freeTimes(page))[0]).toBe('10:00 AM');
    await page.getByRole('button', { name: '10:00 AM' }).click();
    await page.getByLabel('Name').fill('Any Body');
    await page.getByLabel('Phone').fill('555-0199');
    await page.getByRole('button', { name: 'Book this time' }).click();
    await step(page, 'Booked');
    expect(await page.locator('.bk-facts').innerText()).toContain('Mai');
    await page.close();
  });

  it('a lost answer: the page does not confirm, and tapping again books once', async () => {
    const page = await phone.newPage();
    await page.goto(`${baseUrl()}/book/${slug}`);
    await page.getByRole('button', { name: /^Gel Manicure/ }).click();
    await page.getByRole('button', { name: /^Mai/ }).click();
    await step(page, 'Choose a day and time');
    await page.getByRole('button', { name: longDay(tomorrow, 'en-US') }).click();
    await page.getByRole('button', { name: '11:00 AM' }).click();
    await page.getByLabel('Name').fill('Lost Answer');
    await page.getByLabel('Phone').fill('555-0177');
    // The first POST reaches the server, its answer never reaches the phone.
    let sent = 0;
    await page.route('**/api/v1/public/stores/*/bookings', async (route) => {
      sent += 1;
      if (sent === 1) {
        await route.fetch();
        await route.abort('connectionreset');
      } else await route.continue();
    });
    await page.getByRole('button', { name: 'Book this time' }).click();
    await page.getByText(/Not confirmed: .*you will not be booked twice/).waitFor();
    expect(await page.getByRole('heading', { name: 'Booked' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Book this time' }).click();
    await step(page, 'Booked');
    expect(sent).toBe(2);
    const rows = await pullEverything(store.ownerToken, store.storeId);
    const mine = [...rows.values()].filter(
      (r) =>
        r.entity === 'appointment' &&
        !r.deleted &&
        r.data?.['staffId'] === mai.id &&
        r.data['start'] === at(11) &&
        r.data['status'] === 'booked',
    );
    expect(mine).toHaveLength(1);
    await page.close();
  });

  it('a desk double booking over an online one: both listed as conflicts on the book', async () => {
    // A second desk device books Linh at 12:30, over Quick Booker's online booking.
    await pushAsNewDevice(store.ownerToken, store.storeId, [
      {
        name: 'appointment.book',
        args: { id: randomUUID(), staffId: linh.id, serviceId: gel().id, start: at(12, 30) },
      },
    ]);
    const toggle = desk.page.getByRole('button', { name: /Conflicts \(2\)/ });
    await toggle.waitFor({ timeout: 20_000 });
    await toggle.click();
    const list = desk.page.getByRole('list', { name: 'Conflicts to resolve' });
    expect(await list.getByRole('button').count()).toBe(2);
    expect(await list.innerText()).toContain('Quick Booker');
    await screenshot(desk.page, 'online-booking-conflicts-1024');
    await list.getByRole('button', { name: /Quick Booker/ }).click();
    const dialog = desk.page.getByRole('dialog', { name: 'Appointment' });
    await expect.poll(() => dialog.innerText()).toContain('Overlaps another booking');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('the owner changes the settings on the desk; the front desk has no such tab', async () => {
    const page = desk.page;
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Team & catalog' })
      .click();
    await page.getByRole('tab', { name: 'Online booking' }).click();
    const form = page.getByRole('form', { name: 'Online booking' });
    expect(await form.getByLabel('Page address').inputValue()).toBe(slug);
    expect(await form.getByLabel('Take bookings online').isChecked()).toBe(true);
    await expectClean(page, 'online booking settings');
    await form.getByLabel('Days ahead').fill('7');
    await form.getByLabel('Buffer between appointments (minutes)').fill('15');
    await form.getByRole('button', { name: 'Save online booking' }).click();
    await page.getByText('Online booking saved.').waitFor();
    // The public page follows once the change has synced.
    await expect
      .poll(
        async () =>
          (
            (await (await fetch(`${baseUrl()}/api/v1/public/stores/${slug}`)).json()) as {
              store: { horizonDays: number };
            }
          ).store.horizonDays,
        { timeout: 20_000 },
      )
      .toBe(7);
    // A bad address is refused on the desk before anything is sent (the field's own rules).
    await form.getByLabel('Page address').fill('x');
    await form.getByRole('button', { name: 'Save online booking' }).click();
    expect(
      await form
        .getByLabel('Page address')
        .evaluate((el) => (el as HTMLInputElement).validity.valid),
    ).toBe(false);

    // A manager has the tab too; the front desk does not (nor does the server take it from them).
    await switchStaff(page, store.staff.manager.name, store.staff.manager.pin);
    await page.getByRole('tab', { name: 'Online booking' }).waitFor();
    await switchStaff(page, store.staff.frontDesk.name, store.staff.frontDesk.pin);
    await page.getByRole('tab', { name: 'Staff' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Online booking' }).count()).toBe(0);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Front desk' })
      .click();
  });

  it("the desk's service worker leaves /book/… to the booking page", async () => {
    await waitForServiceWorker(desk.page);
    const page = await desk.context.newPage();
    await page.goto(`${baseUrl()}/book/${slug}`);
    await step(page, 'Choose a service');
    expect(await page.getByRole('heading', { name: 'Front desk' }).count()).toBe(0);
    // And the desk still opens as the desk afterwards (its cached shell was not replaced).
    await desk.context.setOffline(true);
    await page.goto(baseUrl());
    await pinLock(page).waitFor();
    await desk.context.setOffline(false);
    await page.close();
  });
});
