import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  newTabletPage,
  pinLock,
  pullEverything,
  screenshot,
  signIn,
  signupSeededStore,
  textOf,
  unlockWithPin,
  usd,
  type SeededStore,
} from './support';

/**
 * The turn list feeding checkout, as the front desk works it: two technicians clock in, a
 * walk-in asks for the second, who takes her out of turn; her ticket starts in one tap with
 * that technician on the line, and closing it counts a request turn that costs no place.
 */
describe('turn tracker to ticket, as the front desk', () => {
  let browser: Browser;
  let store: SeededStore;
  let page: Page;

  const tracker = () => page.getByRole('region', { name: 'Turn tracker' });
  const queue = () => page.getByRole('region', { name: 'Walk-in queue' });
  const checkout = () => page.getByRole('region', { name: 'Checkout' });
  const row = (name: string) => tracker().getByRole('row', { name });
  const nextUp = () =>
    tracker()
      .getByText(/Next up:|Nobody is available/)
      .innerText();

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('turn-to-ticket')]);
    ({ page } = await newTabletPage(browser));
    // The owner registers the tablet once; from then on the desk unlocks by PIN.
    await signIn(page, store);
    await page.reload();
    await pinLock(page).waitFor();
    await unlockWithPin(page, store.staff.frontDesk.name, store.staff.frontDesk.pin);
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('clocks in two technicians and gives a request to the one asked for, out of turn', async () => {
    await page.getByRole('tab', { name: 'Turn tracker' }).click();
    await tracker().getByRole('button', { name: 'Clock in Mai' }).click();
    await row('Mai').getByText('Available').waitFor();
    await tracker().getByRole('button', { name: 'Clock in Tuan' }).click();
    await row('Tuan').getByText('Available').waitFor();
    await expect.poll(nextUp).toBe('Next up: Mai');

    await queue().getByLabel('Walk-in name').fill('Wendy');
    await queue().getByLabel('Service').selectOption({ label: 'Gel Manicure' });
    await queue().getByLabel('Asks for').selectOption({ label: 'Tuan' });
    await queue().getByRole('button', { name: 'Add walk-in' }).click();
    await queue().getByText('asks for Tuan').waitFor();
    await queue().getByRole('button', { name: 'Assign Wendy to Tuan' }).click();

    await row('Tuan').getByText('Busy with Wendy').waitFor();
    const wendy = queue().getByRole('listitem', { name: 'Wendy' });
    await wendy.getByText('Request').waitFor();
    // Mai keeps her place: she is still next for the next walk-in.
    await expect.poll(nextUp).toBe('Next up: Mai');
  });

  it('starts the ticket in one tap, with Tuan on the line, and checks out', async () => {
    await queue().getByRole('button', { name: 'Start ticket for Wendy' }).click();
    const line = checkout().getByRole('listitem', { name: 'Gel Manicure' });
    await line.waitFor();
    await expect
      .poll(() =>
        line
          .getByLabel('Staff')
          .evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.text),
      )
      .toBe('Tuan');
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(4000));

    const pay = checkout().getByRole('form', { name: 'Take payment' });
    await pay.getByRole('radio', { name: 'Card', exact: true }).check();
    await pay.getByRole('button', { name: `Pay ${usd(4000)}` }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(0));
    await checkout().getByRole('button', { name: 'Close ticket' }).click();
    await page.getByRole('article', { name: 'Receipt' }).waitFor();
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
  });

  it('shows the request turn on the board and Wendy done; the server agrees', async () => {
    await page.getByRole('tab', { name: 'Turn tracker' }).click();
    await row('Tuan').getByText('Available').waitFor();
    await expect.poll(() => row('Tuan').getByLabel('Requests of Tuan').innerText()).toBe('1');
    expect(await row('Tuan').getByRole('cell').nth(2).innerText()).toBe('0.0');
    await expect.poll(nextUp).toBe('Next up: Mai');
    // Done: out of service, listed among today's served clients as Tuan's request.
    await queue()
      .getByRole('list', { name: 'Served today' })
      .getByRole('listitem')
      .filter({ hasText: 'Wendy → Tuan' })
      .getByText('Request')
      .waitFor();
    expect(await queue().getByRole('list', { name: 'In service' }).count()).toBe(0);
    await queue().getByText('Nobody waiting.').waitFor();
    await screenshot(page, 'turn-tracker');

    const tuan = store.staff.technicians.find((t) => t.name === 'Tuan');
    await expect
      .poll(
        async () => {
          const rows = [...(await pullEverything(store.ownerToken, store.storeId)).values()];
          const walkIn = rows.find((r) => r.entity === 'walkIn')?.data;
          const turn = rows.find((r) => r.entity === 'turn' && r.data?.['staffId'] === tuan?.id);
          return {
            walkIn: walkIn?.['status'],
            halfTurns: turn?.data?.['halfTurns'],
            requestTurns: turn?.data?.['requestTurns'],
          };
        },
        { timeout: 20_000 },
      )
      .toEqual({ walkIn: 'done', halfTurns: 0, requestTurns: 1 });
  });
});
