import AxeBuilder from '@axe-core/playwright';
import { randomUUID } from 'node:crypto';
import { addDaysToYmd, businessDate, zonedWallTimeMs } from '@mango/domain/time';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  http,
  openDeskAs,
  pullEverything,
  pushAsNewDevice,
  screenshot,
  signupSeededStore,
  switchStaff,
  TABLET,
  type PulledChange,
  type SeededStore,
} from './support';

const PHONE = { width: 390, height: 844 } as const;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const TOUCH_PX = 44;
const TECH_PIN = '8642';
const ZONE = 'America/New_York';
const ROSA = { id: randomUUID(), firstName: 'Rosa', lastName: 'Quintero', phone: '(555) 010-0199' };

/**
 * The waitlist at the front desk: a client who wants Linh between 2 and 3 PM is put on the list;
 * Linh's 2 PM client cancels, the freed hour offers Rosa, and one tap books her. Tomorrow, so
 * that the hour is ahead whenever the test runs. A technician may not keep the list: the panel
 * offers no Add, and the server refuses one forced through the API.
 */
describe('waitlist at the front desk', () => {
  let browser: Browser;
  let store: SeededStore;
  let context: BrowserContext;
  let page: Page;
  const today = businessDate(new Date().toISOString(), ZONE);
  const tomorrow = addDaysToYmd(today, 1);
  const linh = () => store.staff.technicians[0]!;
  const cancelledId = randomUUID();

  const panel = () => page.getByRole('region', { name: 'Waitlist' });
  const book = () => page.getByRole('grid', { name: 'Appointment book' });
  const rosa = () => panel().getByRole('listitem', { name: 'Rosa Quintero' });
  const synced = () =>
    page
      .getByRole('region', { name: 'Sync status' })
      .getByText('All changes synced')
      .waitFor({ timeout: 20_000 });

  async function serverRows(entity: string): Promise<PulledChange[]> {
    const rows = await pullEverything(store.ownerToken, store.storeId);
    return [...rows.values()].filter((c) => c.entity === entity && !c.deleted);
  }

  /** axe's serious and critical findings in the panel, one line per node. */
  async function audit(): Promise<string[]> {
    const result = await new AxeBuilder({ page })
      .include('[aria-label="Waitlist"]')
      .withTags(AXE_TAGS)
      .analyze();
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.id} at ${n.target.join(' ')}`));
  }

  /** The panel's visible controls smaller than a finger (checkboxes are sized by their label). */
  const smallTargets = () =>
    panel().evaluate((root, min) => {
      const small: string[] = [];
      for (const el of root.querySelectorAll<HTMLElement>(
        'button, select, textarea, input, label.check',
      )) {
        if (el instanceof HTMLInputElement && el.type === 'checkbox') continue;
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        if (box.height < min - 0.5 || box.width < min - 0.5) {
          small.push(
            `${el.tagName} "${el.textContent?.trim().slice(0, 30)}" ${box.width}x${box.height}`,
          );
        }
      }
      return small;
    }, TOUCH_PX);

  const sideways = () =>
    page.evaluate(() => {
      const root = document.scrollingElement ?? document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('waitlist')]);
    const at = (hour: number) => new Date(zonedWallTimeMs(tomorrow, hour * 60, ZONE)).toISOString();
    await pushAsNewDevice(store.ownerToken, store.storeId, [
      { name: 'client.upsert', args: ROSA },
      { name: 'client.upsert', args: { id: randomUUID(), firstName: 'Bo', lastName: 'Tran' } },
      {
        name: 'appointment.book',
        args: {
          id: cancelledId,
          staffId: linh().id,
          serviceId: store.services[0]!.id, // Gel Manicure, 45 min: 2:00–2:45
          start: at(14),
        },
      },
    ]);
    await http(`/api/v1/stores/${store.storeId}/staff/${linh().id}/pin`, {
      method: 'PUT',
      token: store.ownerToken,
      body: { pin: TECH_PIN },
    });
    context = await browser.newContext({ viewport: TABLET });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('adds Rosa for Linh between 2 and 3 PM; nothing fits her yet', async () => {
    await openDeskAs(page, store, store.staff.frontDesk);
    await page.getByRole('button', { name: 'Next day' }).click();
    await book()
      .getByRole('button', { name: /^2:00\sPM Walk-in — Gel Manicure/ })
      .waitFor();

    await panel().getByRole('button', { name: 'Add to waitlist' }).click();
    const form = panel().getByRole('form', { name: 'Add to waitlist' });
    await form.getByLabel('Find client').fill('Rosa');
    await form.getByRole('button', { name: /Rosa Quintero/ }).click();
    await form.getByText('Client: Rosa Quintero').waitFor();
    await form.getByLabel('Gel Manicure').check();
    await form.getByLabel('Technician').selectOption({ label: linh().name });
    await form.getByLabel('First day').fill(tomorrow);
    await form.getByLabel('Last day').fill(addDaysToYmd(tomorrow, 3));
    await form.getByLabel('Free from').fill('14:00');
    await form.getByLabel('Free until').fill('15:00');
    await form.getByLabel('Notes').fill('Any chair by the window');
    expect(await audit()).toEqual([]);
    await form.getByRole('button', { name: 'Add to waitlist' }).click();
    await form.waitFor({ state: 'detached' });

    await rosa().waitFor();
    expect(await rosa().innerText()).toContain('Gel Manicure with Linh');
    // 8 AM–2 PM and 2:45–8 PM are free, but neither fits 45 minutes between 2 and 3.
    expect(
      await rosa()
        .getByText(/^Fits:/)
        .count(),
    ).toBe(0);
    await synced();
    const entries = await serverRows('waitlistEntry');
    expect(entries.map((e) => e.data)).toEqual([
      expect.objectContaining({
        clientId: ROSA.id,
        staffId: linh().id,
        fromDate: tomorrow,
        windowStart: '14:00',
        windowEnd: '15:00',
        status: 'waiting',
      }),
    ]);
  });

  it('offers Rosa the hour freed by a cancellation and books her in one tap', async () => {
    await book()
      .getByRole('button', { name: /^2:00\sPM Walk-in — Gel Manicure/ })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Appointment' });
    await dialog.getByRole('button', { name: 'Cancel appointment' }).click();
    await dialog.waitFor({ state: 'detached' });

    await rosa()
      .getByText(/^Fits: Linh at 2:00\sPM$/)
      .waitFor();
    expect(await audit()).toEqual([]);
    expect(await smallTargets()).toEqual([]);
    await screenshot(page, 'waitlist-offer');
    await rosa()
      .getByRole('button', { name: /^Book Rosa Quintero with Linh at 2:00\sPM$/ })
      .click();

    await book()
      .getByRole('button', { name: /^2:00\sPM Rosa Quintero — Gel Manicure \(Booked\)/ })
      .waitFor();
    await rosa().waitFor({ state: 'detached' });
    await panel().getByText('Nobody is waiting.').waitFor();
    await synced();
    const [entry] = await serverRows('waitlistEntry');
    expect(entry?.data).toMatchObject({ status: 'booked' });
    const booked = (await serverRows('appointment')).find(
      (a) => a.id === entry?.data?.['appointmentId'],
    );
    expect(booked?.data).toMatchObject({
      clientId: ROSA.id,
      staffId: linh().id,
      status: 'booked',
      notes: 'Any chair by the window',
    });
  });

  it('is clean for axe and finger-sized on a phone, with the form open', async () => {
    await page.setViewportSize(PHONE);
    await panel().getByRole('button', { name: 'Add to waitlist' }).click();
    const form = panel().getByRole('form', { name: 'Add to waitlist' });
    await form.getByLabel('Find client').fill('Bo');
    await form.getByRole('button', { name: /Bo Tran/ }).click();
    await form.getByLabel('Spa Pedicure').check();
    await form.getByRole('button', { name: 'Add to waitlist' }).click();
    await panel().getByRole('listitem', { name: 'Bo Tran' }).waitFor();
    await panel().getByRole('button', { name: 'Add to waitlist' }).click();
    await panel().scrollIntoViewIfNeeded();
    expect(await audit()).toEqual([]);
    expect(await smallTargets()).toEqual([]);
    expect(await sideways()).toBeLessThanOrEqual(0);
    await screenshot(page, 'waitlist-phone');
    await panel().getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.setViewportSize(TABLET);
  });

  it('gives a technician no Add, and the server refuses one forced through the API', async () => {
    await switchStaff(page, linh().name, TECH_PIN);
    await panel().getByRole('listitem', { name: 'Bo Tran' }).waitFor();
    expect(await panel().getByRole('button', { name: 'Add to waitlist' }).count()).toBe(0);
    expect(
      await panel()
        .getByRole('button', { name: /^Remove/ })
        .count(),
    ).toBe(0);

    const deviceId = randomUUID();
    await http(`/api/v1/stores/${store.storeId}/devices`, {
      token: store.ownerToken,
      body: { deviceId, name: 'e2e forced technician' },
    });
    const res = await http<{ results: { status: string; error?: { code: string } }[] }>(
      `/api/v1/stores/${store.storeId}/sync/push`,
      {
        token: store.ownerToken,
        body: {
          deviceId,
          schemaVersion: 1,
          mutations: [
            {
              id: 1,
              name: 'waitlist.add',
              args: {
                id: randomUUID(),
                clientId: ROSA.id,
                serviceIds: [store.services[0]!.id],
                fromDate: tomorrow,
                toDate: tomorrow,
              },
              clientTime: new Date().toISOString(),
              actorStaffId: linh().id,
            },
          ],
        },
      },
    );
    expect(res.results.map((r) => r.error?.code ?? r.status)).toEqual(['FORBIDDEN_ROLE']);
    expect(await serverRows('waitlistEntry')).toHaveLength(2);
  });
});
