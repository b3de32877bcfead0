import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import { DEMO, signIn } from './support';

const DIR = 'test-results/screenshots';

/**
 * Issue #23's pictures of the demo store at a phone's, a portrait tablet's and a landscape
 * tablet's width: the front desk (day view), the week view, the booking dialog and checkout, in
 * test-results/screenshots/ (kept by CI as artifacts, ignored by git).
 */
describe.each([
  { size: 'phone', viewport: { width: 390, height: 844 } },
  { size: 'tablet in portrait', viewport: { width: 768, height: 1024 } },
  { size: 'tablet', viewport: { width: 1024, height: 768 } },
])('screenshots on a $size ($viewport.width px)', ({ viewport }) => {
  let browser: Browser;
  let page: Page;

  const shot = async (name: string, fullPage = true) => {
    const path = `${DIR}/${name}-${viewport.width}.png`;
    await page.screenshot({ path, fullPage });
    // The page is as wide as the screen: a picture wider than it would show sideways scrolling.
    const width = await page.evaluate(() => document.scrollingElement?.scrollWidth ?? 0);
    expect.soft(width, `${name}: page width`).toBeLessThanOrEqual(viewport.width);
  };

  beforeAll(async () => {
    mkdirSync(DIR, { recursive: true });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport });
    page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    await signIn(page, DEMO, { hydrationTimeoutMs: 90_000 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the front desk, day view', async () => {
    await page
      .getByRole('grid', { name: 'Appointment book' })
      .getByRole('button')
      .first()
      .waitFor();
    await shot('front-desk');
  });

  it('the week view', async () => {
    await page
      .getByRole('group', { name: 'Book view' })
      .getByRole('button', { name: 'Week' })
      .click();
    await page.getByRole('grid', { name: 'Week book' }).getByRole('button').first().waitFor();
    await shot('week-view');
  });

  it('the booking dialog', async () => {
    await page.getByRole('button', { name: 'Book appointment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Book appointment' });
    await dialog.waitFor();
    await shot('booking-dialog', false);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByRole('group', { name: 'Book view' })
      .getByRole('button', { name: 'Day' })
      .click();
  });

  it('checkout', async () => {
    // An open ticket of the demo day when there is one: the picture changes nothing.
    const open = page.getByRole('button', { name: /^Continue checkout for / });
    if ((await open.count()) > 0) {
      await open.first().click();
    } else {
      await page.getByRole('button', { name: 'New ticket' }).click();
      await page
        .getByRole('region', { name: 'Checkout' })
        .getByRole('button', { name: /^Add / })
        .first()
        .click();
    }
    await page.getByRole('region', { name: 'Checkout' }).waitFor();
    await page.getByLabel('Ticket total', { exact: true }).waitFor();
    await shot('checkout');
  });
});
