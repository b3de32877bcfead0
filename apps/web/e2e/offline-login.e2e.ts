import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  newTabletPage,
  screenshot,
  signIn,
  signupSeededStore,
  pinLock,
  textOf,
  usd,
  waitForServiceWorker,
  type SeededStore,
} from './support';

describe('accounts: offline unlock', () => {
  let browser: Browser;
  let store: SeededStore;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('offline-login')]);
    ({ context, page } = await newTabletPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
  });

  const unlockForm = () => page.getByRole('form', { name: 'Unlock' });

  it('signs in online, then opens from the service worker with the network off', async () => {
    await signIn(page, store);
    await waitForServiceWorker(page);
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();

    await context.setOffline(true);
    const shell = await page.reload();
    expect(shell?.fromServiceWorker(), 'the app shell came from the service worker').toBe(true);
    // A reload locks the desk on the PIN screen; the account's password is one link away.
    await pinLock(page).waitFor();
    await pinLock(page).getByRole('button', { name: 'Sign in with password' }).click();
    await unlockForm().waitFor();
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    expect(await unlockForm().getByLabel('Email').inputValue()).toBe(store.email);
  });

  it('refuses a wrong password offline with a visible message', async () => {
    await unlockForm().getByLabel('Password').fill('not-the-password');
    await unlockForm().getByRole('button', { name: 'Unlock' }).click();
    const alert = unlockForm().getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toBe('Wrong password.');
    await screenshot(page, 'offline-unlock-refused');
    expect(
      await page.getByRole('heading', { name: 'Front desk', level: 1 }).count(),
      'still locked',
    ).toBe(0);
  });

  it('unlocks offline with the same password and takes a cash payment', async () => {
    await unlockForm().getByLabel('Password').fill(store.password);
    await unlockForm().getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
    await page
      .getByRole('region', { name: 'Sync status' })
      .getByLabel('Offline', { exact: true })
      .waitFor();

    await page.getByRole('button', { name: 'New ticket' }).click();
    const checkout = page.getByRole('region', { name: 'Checkout' });
    const service = store.services[0]!;
    await checkout.getByRole('button', { name: `Add ${service.name}` }).click();
    await checkout.getByRole('listitem', { name: service.name }).waitFor();
    await expect.poll(() => textOf(page, 'Ticket total')).toBe(usd(service.priceCents));

    const pay = checkout.getByRole('form', { name: 'Take payment' });
    await pay.getByRole('radio', { name: 'Cash', exact: true }).check();
    await pay.getByLabel('Amount').fill('50.00');
    await expect
      .poll(() => pay.getByLabel('Change due').innerText())
      .toBe(`Change due: ${usd(5000 - service.priceCents)}`);
    await pay.getByRole('button', { name: `Pay ${usd(5000)}` }).click();
    await expect.poll(() => textOf(page, 'Amount due')).toBe(usd(0));
    await checkout.getByRole('button', { name: 'Close ticket' }).click();

    const receipt = page.getByRole('article', { name: 'Receipt' });
    await receipt.waitFor();
    expect(await receipt.innerText()).toContain(`change ${usd(5000 - service.priceCents)}`);
    expect(await page.getByRole('region', { name: 'Closed ticket' }).innerText()).toContain(
      'Closed',
    );
    await screenshot(page, 'offline-payment');
  });
});
