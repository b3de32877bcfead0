import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  http,
  newTabletPage,
  screenshot,
  signIn,
  signupSeededStore,
  type SeededStore,
} from './support';

interface ReportedError {
  kind: string;
  message: string;
  stack: string | null;
  componentStack: string | null;
  deviceId: string | null;
  url: string | null;
}

const CRASH_MESSAGE = 'Test crash requested for the reports screen';

describe('error tracking', () => {
  let browser: Browser;
  let store: SeededStore;
  let page: Page;

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), signupSeededStore('errors')]);
    ({ page } = await newTabletPage(browser));
    await signIn(page, store);
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** In-app navigation (no reload, so the device stays unlocked). */
  const goTo = (path: string) =>
    page.evaluate((p) => {
      history.pushState(null, '', p);
      dispatchEvent(new PopStateEvent('popstate'));
    }, path);

  it('shows a recovery panel when a screen throws, and recovers', async () => {
    await goTo('/reports?crash=reports');
    const panel = page.getByRole('alert', { name: 'Screen error' });
    await panel.getByRole('heading', { name: 'Something went wrong on this screen' }).waitFor();
    expect(await panel.innerText()).toContain(CRASH_MESSAGE);
    // The rest of the app still works around the broken screen.
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
    await screenshot(page, 'error-boundary');

    await panel.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();
    expect(await panel.count()).toBe(0);
    expect(new URL(page.url()).search).toBe('');
  });

  it('delivers the error with its stack to the server, readable by the owner', async () => {
    const deviceId = await page.evaluate(
      () =>
        (JSON.parse(localStorage.getItem('mango.session') ?? '{}') as { deviceId?: string })
          .deviceId,
    );
    const find = async () => {
      const { items } = await http<{ items: ReportedError[] }>(
        `/api/v1/stores/${store.storeId}/errors`,
        { token: store.ownerToken },
      );
      return items.find((e) => e.kind === 'boundary' && e.message === CRASH_MESSAGE);
    };
    await expect.poll(find).toBeDefined();
    const reported = (await find())!;
    expect(reported.stack).toContain(CRASH_MESSAGE);
    // A real stack: frames in the app's built bundle.
    expect(reported.stack).toMatch(/\/assets\/[\w-]+\.js:\d+:\d+/);
    expect(reported.componentStack).toMatch(/ErrorBoundary|\bat \w+/);
    expect(reported.deviceId).toBe(deviceId);
    expect(reported.url).toContain('/reports?crash=reports');

    // The Errors screen shows it to the owner too.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Errors' })
      .click();
    const list = page.getByRole('region', { name: 'Reported errors' });
    await list.getByText(CRASH_MESSAGE).first().waitFor();
  });
});
