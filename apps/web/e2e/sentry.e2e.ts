import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser';
import {
  startSentryReceiver,
  type SentryEvent,
  type SentryReceiver,
} from '../../../test-support/sentry-receiver';
import { startServer, type ServerProcess } from '../../../test-support/server-process';
import { baseUrl } from '../../../test-support/e2e-context';
import { http, newTabletPage, signIn } from './support';

const UNCAUGHT = 'Uncaught test error from the page';
const CRASH = 'Test crash requested for the reports screen';

/**
 * The web app's errors reach Sentry through @sentry/react: a server of its own with SENTRY_DSN
 * pointing at a local envelope receiver standing in for Sentry; the app learns the DSN from the
 * server (GET /api/v1/client-config), loads the SDK and sends an uncaught error and a screen's
 * crash, each with its stack trace.
 */
describe('browser errors reach Sentry', () => {
  let receiver: SentryReceiver;
  let server: ServerProcess | undefined;
  let browser: Browser;
  let page: Page;
  const owner = { email: `sentry-${randomUUID().slice(0, 8)}@e2e.test`, password: 'sentry-pw-1' };

  beforeAll(async () => {
    receiver = await startSentryReceiver();
    [server, browser] = await Promise.all([
      startServer({
        DEMO_SEED: 'false',
        SENTRY_DSN: receiver.dsn,
        SENTRY_ENVIRONMENT: 'e2e',
        RELEASE: 'r-e2e-1',
        ...(process.env.WEB_DIST_DIR ? { WEB_DIST_DIR: process.env.WEB_DIST_DIR } : {}),
      }),
      launchChromium(),
    ]);
    await http('/api/v1/auth/signup', {
      base: server.url,
      body: {
        organizationName: 'E2E Sentry',
        storeName: 'E2E Sentry salon',
        ...owner,
        timeZone: 'America/New_York',
        currency: 'USD',
        taxRatePpm: 0,
      },
    });
    ({ page } = await newTabletPage(browser));
    await signIn(page, owner, { base: server.url });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  const eventWith = (message: string) => () =>
    receiver.events().find((e) => e.exception?.values.some((v) => v.value === message));
  const frames = (event: SentryEvent) => event.exception!.values.at(-1)!.stacktrace?.frames ?? [];

  it('sends an uncaught error with its stack trace, release and environment', async () => {
    await page.evaluate((message) => {
      // Thrown from a timer, so it is uncaught in the page (not caught by evaluate).
      setTimeout(function throwFromPage() {
        throw new Error(message);
      });
    }, UNCAUGHT);
    await expect.poll(eventWith(UNCAUGHT), { timeout: 15_000 }).toBeDefined();
    const event = eventWith(UNCAUGHT)()!;
    expect(event).toMatchObject({
      platform: 'javascript',
      release: 'r-e2e-1',
      environment: 'e2e',
      tags: { kind: 'unhandled', web_build: expect.stringMatching(/^web-\d+$/) },
    });
    expect(frames(event).map((f) => f.function)).toContain('throwFromPage');
    // Once: the SDK's own handlers are off, ours report it (lib/sentry.ts).
    expect(
      receiver.events().filter((e) => e.exception?.values.at(-1)?.value === UNCAUGHT),
    ).toHaveLength(1);
    const envelope = receiver.received.find((r) => r.items.some((i) => i.payload === event));
    expect(envelope?.url).toMatch(/^\/api\/42\/envelope\/\?.*sentry_key=0123abcdpublickey/);
  });

  it('sends a screen’s crash from its error boundary, with the bundle’s frames and the component stack', async () => {
    await page.evaluate(() => {
      history.pushState(null, '', '/reports?crash=reports');
      dispatchEvent(new PopStateEvent('popstate'));
    });
    await page.getByRole('alert', { name: 'Screen error' }).waitFor();
    await expect.poll(eventWith(CRASH), { timeout: 15_000 }).toBeDefined();
    const event = eventWith(CRASH)()!;
    expect(event.tags).toMatchObject({ kind: 'boundary' });
    expect(frames(event).some((f) => /\/assets\/[\w-]+\.js$/.test(f.filename ?? ''))).toBe(true);
    expect(String(event.contexts?.react?.componentStack)).toMatch(/ErrorBoundary|\bat \w+/);
  });

  it('never downloads the SDK from a server without a DSN', async () => {
    const { context, page: plain } = await newTabletPage(browser);
    const requested: string[] = [];
    plain.on('request', (r) => requested.push(new URL(r.url()).pathname));
    const config = plain.waitForResponse((r) => r.url().endsWith('/api/v1/client-config'));
    await plain.goto(baseUrl()); // the suite's server: no SENTRY_DSN
    expect(await (await config).json()).toEqual({ sentry: null });
    await plain.waitForLoadState('networkidle');
    expect(requested.filter((p) => p.includes('sentry'))).toEqual([]);
    await context.close();
  });
});
