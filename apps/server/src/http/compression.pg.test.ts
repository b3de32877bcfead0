import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { COMPRESS_ABOVE_BYTES } from './compression';

describeEachEngine('compression of large answers', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let log: MutationLog;
  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Compressed');
    log = new MutationLog(store.deviceId);
    const res = await push(
      app,
      store,
      store.deviceId,
      Array.from({ length: 40 }, (_, i) =>
        log.make('client.upsert', {
          id: randomUUID(),
          firstName: `Client${i}`,
          lastName: 'Compressible',
          phone: '+1 212 555 0100',
        }),
      ),
    );
    expect(res.statusCode).toBe(200);
  });
  afterAll(() => app.close());

  const pullAt = (cursor: number, acceptEncoding?: string, extra: Record<string, string> = {}) =>
    app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=${cursor}`,
      headers: {
        ...store.auth,
        ...(acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding }),
        ...extra,
      },
    });

  it('sends a pull page brotli or gzip, as the client accepts, and the same JSON as plain', async () => {
    const plain = await pullAt(0, 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(COMPRESS_ABOVE_BYTES);

    const br = await pullAt(0, 'gzip, deflate, br, zstd'); // a browser: brotli on the tie
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);

    const gzip = await pullAt(0, 'gzip, br;q=0.5');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(plain.body);

    const none = await pullAt(0); // no Accept-Encoding at all
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body).toBe(plain.body);
  });

  it('leaves a quiet pull and a push’s answer uncompressed (too small to be worth the CPU)', async () => {
    const page = (await pullAt(0, 'identity')).json<{ cursor: number }>();
    const quiet = await pullAt(page.cursor, 'gzip, deflate, br');
    expect(quiet.statusCode).toBe(200);
    expect(quiet.json()).toMatchObject({ changes: [], hasMore: false });
    expect(quiet.headers['content-encoding']).toBeUndefined();

    const ack = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/sync/push`,
      headers: { ...store.auth, 'accept-encoding': 'gzip, br' },
      payload: {
        deviceId: store.deviceId,
        schemaVersion: 1,
        mutations: [log.make('client.upsert', { id: randomUUID(), firstName: 'A', lastName: 'B' })],
      },
    });
    expect(ack.statusCode).toBe(200);
    expect(ack.headers['content-encoding']).toBeUndefined();
  });

  it('refuses a compressed request body with a 4xx and applies nothing (bodies are never inflated)', async () => {
    const before = (await pullAt(0, 'identity')).json<{ cursor: number }>().cursor;
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/sync/push`,
      headers: {
        ...store.auth,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      payload: gzipSync(
        JSON.stringify({
          deviceId: store.deviceId,
          schemaVersion: 1,
          mutations: [
            log.make('client.upsert', { id: randomUUID(), firstName: 'Z', lastName: 'Z' }),
          ],
        }),
      ),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('VALIDATION_FAILED');
    expect((await pullAt(0, 'identity')).json<{ cursor: number }>().cursor).toBe(before);
  });

  it('is read by the device’s fetch over a real socket, which asks for and decodes it itself', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const res = await fetch(
      `http://127.0.0.1:${port}/api/v1/stores/${store.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=0`,
      { headers: store.auth },
    );
    expect(res.status).toBe(200);
    // Node's fetch sends `accept-encoding: gzip, deflate` over http (browsers add br).
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.text()).toBe((await pullAt(0, 'identity')).body);
  });
});
