import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSentryReceiver, type SentryReceiver } from '../../../../test-support/sentry-receiver';
import { createAccessGate, requireAuth } from '../auth/authenticate';
import { createTokenSigner } from '../auth/tokens';
import { createPassThroughCache } from '../cache/cache';
import { systemClock } from '../clock';
import { describeEachEngine } from '../db/test-support/engines';
import { json, signupStore, TEST_JWT_SECRET, type TestStore } from '../test-support/test-app';
import { buildObservedApp } from './test-support/observed-app';

function explodeInCheckout(): never {
  throw new TypeError('cannot read properties of undefined (reading "total")');
}

describeEachEngine('server error tracking', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let sentry: SentryReceiver;
  beforeAll(async () => {
    sentry = await startSentryReceiver();
    app = await buildObservedApp(getDb(), {
      RELEASE: 'r-2026.11',
      SENTRY_DSN: sentry.dsn,
      SENTRY_ENVIRONMENT: 'test',
    });
    const auth = requireAuth(
      createAccessGate({
        db: getDb(),
        signer: createTokenSigner(TEST_JWT_SECRET),
        clock: systemClock,
        recheckMs: 0,
        cache: createPassThroughCache(),
      }),
    );
    app.post<{ Params: { storeId: string } }>(
      '/test/stores/:storeId/explode',
      { preHandler: auth },
      async () => explodeInCheckout(),
    );
    app.get('/test/explode', async () => explodeInCheckout());
    store = await signupStore(app, 'Broken');
  });
  afterAll(async () => {
    await app.close();
    await sentry.close();
  });

  it('stores a 5xx with its stack, release, store and device, readable by the store’s owner', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/test/stores/${store.storeId}/explode`,
      headers: { ...store.auth, 'x-request-id': 'explode-0001' },
      payload: { deviceId: store.deviceId },
    });
    expect(res.statusCode).toBe(500);
    expect(res.body).toContain('explode-0001');
    expect(res.body).not.toContain('explodeInCheckout');
    await app.errorTracker.flush();

    const list = json<{ items: Record<string, string | null>[] }>(
      await app.inject({
        method: 'GET',
        url: `/api/v1/stores/${store.storeId}/errors`,
        headers: store.auth,
      }),
    );
    const stored = list.items.find((i) => i.kind === 'server');
    expect(stored).toMatchObject({
      release: 'r-2026.11',
      deviceId: store.deviceId,
      url: `POST /test/stores/${store.storeId}/explode`,
    });
    expect(stored?.message).toContain('cannot read properties of undefined');
    expect(stored?.message).toContain('explode-0001');
    expect(stored?.stack).toMatch(
      /at explodeInCheckout \(.*error-tracking\.pg\.test\.ts:\d+:\d+\)/,
    );
  });

  it('sends the 5xx to Sentry through the SDK, with its stack trace, release and store', async () => {
    const envelope = sentry.received.find((r) =>
      r.items.some((i) => JSON.stringify(i.payload).includes('explodeInCheckout')),
    );
    expect(envelope?.url).toMatch(/^\/api\/42\/envelope\/\?.*sentry_key=0123abcdpublickey/);
    expect(envelope?.headers['user-agent']).toMatch(/^sentry\.javascript\.node\//);
    const event = sentry.events().find((e) => e.tags?.request_id === 'explode-0001');
    expect(event).toMatchObject({
      release: 'r-2026.11',
      environment: 'test',
      platform: 'node',
      user: { id: store.session.user.id },
      request: { method: 'POST', url: `/test/stores/${store.storeId}/explode` },
      tags: { source: 'server', store_id: store.storeId, device_id: store.deviceId },
    });
    const exception = event!.exception!.values[0]!;
    expect(exception).toMatchObject({
      type: 'TypeError',
      value: 'cannot read properties of undefined (reading "total")',
    });
    // Sentry lists the innermost call last.
    const innermost = exception.stacktrace!.frames.at(-1);
    expect(innermost?.function).toBe('explodeInCheckout');
    expect(innermost?.filename).toMatch(/error-tracking\.pg\.test\.ts$/);
  });

  it('stores and counts a browser report but leaves Sentry to the browser’s SDK', async () => {
    const before = sentry.received.length;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/client-errors',
      headers: store.auth,
      payload: {
        kind: 'boundary',
        message: 'Checkout crashed',
        stack:
          'Error: Checkout crashed\n    at Checkout (https://pos.example/assets/index.js:3:17)',
        release: 'web-1',
        storeId: store.storeId,
        deviceId: store.deviceId,
      },
    });
    expect(res.statusCode).toBe(202);
    await app.errorTracker.flush();
    expect(sentry.received.length).toBe(before);
  });

  it('does not track a 4xx', async () => {
    const before = sentry.received.length;
    const res = await app.inject({ method: 'POST', url: `/test/stores/${store.storeId}/explode` });
    expect(res.statusCode).toBe(401);
    await app.errorTracker.flush();
    expect(sentry.received.length).toBe(before);
  });

  it('stores the 5xx of a request with no store where no tenant can read it', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/test/explode',
      headers: { 'x-request-id': 'storeless-0001' },
    });
    expect(res.statusCode).toBe(500);
    await app.errorTracker.flush();
    const rows = await getDb().ownerTransaction((sql) =>
      sql.query<{ store_id: string | null; stack: string }>(
        "select store_id, stack from client_errors where kind = 'server' and message like '%storeless-0001%'",
      ),
    );
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]!.store_id).toBeNull();
    expect(rows.rows[0]!.stack).toContain('explodeInCheckout');
  });
});
