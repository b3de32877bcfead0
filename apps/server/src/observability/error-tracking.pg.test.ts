import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccessGate, requireAuth } from '../auth/authenticate';
import { createTokenSigner } from '../auth/tokens';
import { createPassThroughCache } from '../cache/cache';
import { systemClock } from '../clock';
import { describeEachEngine } from '../db/test-support/engines';
import { json, signupStore, TEST_JWT_SECRET, type TestStore } from '../test-support/test-app';
import { buildObservedApp } from './test-support/observed-app';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server standing in for Sentry's ingest endpoint. */
async function fakeSentryIngest(): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

function explodeInCheckout(): never {
  throw new TypeError('cannot read properties of undefined (reading "total")');
}

describeEachEngine('server error tracking', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let sentry: Awaited<ReturnType<typeof fakeSentryIngest>>;
  beforeAll(async () => {
    sentry = await fakeSentryIngest();
    app = await buildObservedApp(getDb(), {
      RELEASE: 'r-2026.11',
      SENTRY_DSN: `http://public-key-1@127.0.0.1:${sentry.port}/42`,
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
    await new Promise((resolve) => sentry.server.close(resolve));
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

  it('forwards the 5xx to Sentry as an envelope over HTTP', async () => {
    const envelope = sentry.received.find((r) => r.body.includes('explodeInCheckout'));
    expect(envelope?.url).toBe('/api/42/envelope/');
    expect(envelope?.headers['content-type']).toBe('application/x-sentry-envelope');
    expect(envelope?.headers['x-sentry-auth']).toMatch(
      /sentry_version=7, sentry_key=public-key-1,/,
    );
    const [header, item, payload, rest] = envelope!.body.split('\n');
    expect(rest).toBe('');
    expect(JSON.parse(header!)).toMatchObject({
      event_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(JSON.parse(item!)).toEqual({
      type: 'event',
      content_type: 'application/json',
      length: Buffer.byteLength(payload!),
    });
    const event = JSON.parse(payload!) as {
      event_id: string;
      release: string;
      platform: string;
      tags: Record<string, string>;
      exception: { values: { type: string; stacktrace: { frames: { function?: string }[] } }[] };
    };
    expect(event.event_id).toBe(JSON.parse(header!).event_id);
    expect(event).toMatchObject({
      release: 'r-2026.11',
      platform: 'node',
      tags: { store_id: store.storeId, device_id: store.deviceId, request_id: 'explode-0001' },
    });
    const frames = event.exception.values[0]!.stacktrace.frames;
    expect(event.exception.values[0]!.type).toBe('TypeError');
    // Sentry lists the innermost call last.
    expect(frames.at(-1)?.function).toBe('explodeInCheckout');
  });

  it('forwards a browser report that it stored', async () => {
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
    const forwarded = sentry.received.find((r) => r.body.includes('Checkout crashed'));
    const event = JSON.parse(forwarded!.body.split('\n')[2]!) as Record<string, unknown>;
    expect(event).toMatchObject({
      platform: 'javascript',
      release: 'web-1',
      tags: { source: 'browser' },
    });
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
