import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedisBus } from '../bus/redis-bus';
import { describeEachEngine } from '../db/test-support/engines';
import {
  makeTestApp,
  MutationLog,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { openVersionEvents } from '../test-support/version-events';

/** The versions of a real SSE response's `event: version` messages, and a wait for one. */
async function openEventStream(baseUrl: string, store: TestStore) {
  const versions: number[] = [];
  const waiters: { min: number; resolve: (at: number) => void }[] = [];
  const stream = await openVersionEvents(baseUrl, store, (event) => {
    const v = (event as { version: number }).version;
    versions.push(v);
    for (const w of [...waiters])
      if (v >= w.min) {
        w.resolve(Date.now());
        waiters.splice(waiters.indexOf(w), 1);
      }
  });
  return {
    versions,
    waitFor: (min: number) =>
      new Promise<number>((resolve) => {
        if (versions.some((v) => v >= min)) resolve(Date.now());
        else waiters.push({ min, resolve });
      }),
    close: stream.close,
  };
}

async function pushOneClient(
  app: FastifyInstance,
  store: TestStore,
  deviceId: string,
  log: MutationLog,
) {
  const res = await push(app, store, deviceId, [
    log.make('client.upsert', { id: randomUUID(), firstName: 'Poke', lastName: 'Test' }),
  ]);
  expect(res.statusCode).toBe(200);
}

describeEachEngine('sync events (pokes)', (getDb) => {
  let app: FastifyInstance;
  let baseUrl: string;
  let store: TestStore;
  beforeAll(async () => {
    app = await makeTestApp(getDb());
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    store = await signupStore(app, 'Events');
  });
  afterAll(async () => {
    await app.close();
  });

  it('sends the current version at once and a poke within 1 s of another device’s push', async () => {
    const stream = await openEventStream(baseUrl, store);
    await stream.waitFor(0);
    const start = stream.versions.at(-1)!;
    const pusher = await registerDevice(app, store.storeId, store.auth);
    const sentAt = Date.now();
    await pushOneClient(app, store, pusher, new MutationLog(pusher));
    const receivedAt = await stream.waitFor(start + 1);
    expect(receivedAt - sentAt).toBeLessThan(1000);
    stream.close();
  });

  it('refuses a stream for another store', async () => {
    const other = await signupStore(app, 'Other');
    const res = await fetch(`${baseUrl}/api/v1/stores/${other.storeId}/sync/events`, {
      headers: store.auth,
    });
    expect(res.status).toBe(403);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
if (redisUrl) {
  describeEachEngine('pokes across two server instances sharing Redis', (getDb) => {
    let appA: FastifyInstance;
    let appB: FastifyInstance;
    let urlB: string;
    const busA = createRedisBus(redisUrl);
    const busB = createRedisBus(redisUrl);
    beforeAll(async () => {
      appA = await makeTestApp(getDb(), { bus: busA });
      appB = await makeTestApp(getDb(), { bus: busB });
      urlB = await appB.listen({ port: 0, host: '127.0.0.1' });
      await appA.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => {
      await appA.close();
      await appB.close();
      await busA.close();
      await busB.close();
    });

    it('a device on instance B is poked within 1 s of a push on instance A', async () => {
      const store = await signupStore(appA, 'TwoInstances');
      const stream = await openEventStream(urlB, store);
      await stream.waitFor(0);
      const start = stream.versions.at(-1)!;
      const sentAt = Date.now();
      await pushOneClient(appA, store, store.deviceId, new MutationLog(store.deviceId));
      const receivedAt = await stream.waitFor(start + 1);
      expect(receivedAt - sentAt).toBeLessThan(1000);
      stream.close();
    });

    it('a push’s delta crosses instances; the other store’s stream on B gets nothing', async () => {
      const store = await signupStore(appA, 'DeltaAcross');
      const other = await signupStore(appA, 'DeltaOther');
      const seen: { storeId: string; version: number; from?: number }[] = [];
      const offB = await busB.subscribe(store.storeId, (version, delta) =>
        seen.push({ storeId: store.storeId, version, ...(delta ? { from: delta.from } : {}) }),
      );
      const offOther = await busB.subscribe(other.storeId, (version) =>
        seen.push({ storeId: other.storeId, version }),
      );
      await pushOneClient(appA, store, store.deviceId, new MutationLog(store.deviceId));
      for (let i = 0; i < 100 && seen.length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toHaveLength(1);
      expect(seen[0]!.storeId).toBe(store.storeId);
      expect(seen[0]!.from).toBe(seen[0]!.version);
      await offB();
      await offOther();
    });
  });
}
