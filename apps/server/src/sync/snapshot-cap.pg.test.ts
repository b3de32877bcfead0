/**
 * The cap on concurrent first syncs of one store (routes/sync.ts): a snapshot holds a database
 * connection and a REPEATABLE READ transaction for its whole stream, so a store's third at once is
 * told to come back (429 with Retry-After) instead of taking a third connection; other stores are
 * not affected, and a finished (or failed) snapshot frees its place.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../db/db';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

/** The database, with every snapshot transaction held at its start until `release()`. */
function heldSnapshots(db: Db) {
  let open = (): void => {};
  let gate = new Promise<void>((r) => (open = r));
  let waiting = 0;
  const held = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'transaction')
        return async (...args: Parameters<Db['transaction']>) => {
          if (args[2]?.readOnlySnapshot) {
            waiting++;
            await gate;
            waiting--;
          }
          return target.transaction(...args);
        };
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    db: held,
    waiting: () => waiting,
    release() {
      open();
      gate = new Promise<void>((r) => (open = r));
    },
  };
}

describeEachEngine('at most two snapshots of a store at once', (getDb) => {
  let app: FastifyInstance;
  let held: ReturnType<typeof heldSnapshots>;
  let store: TestStore;
  let other: TestStore;
  const devices: string[] = [];

  const snapshot = (s: TestStore, deviceId: string) =>
    app.inject({
      method: 'GET',
      url: `/api/v1/stores/${s.storeId}/sync/snapshot?deviceId=${deviceId}`,
      headers: s.auth,
    });
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(done()).toBe(true);
  };

  beforeAll(async () => {
    held = heldSnapshots(getDb());
    app = await makeTestApp(held.db);
    store = await signupStore(app, 'Capped');
    other = await signupStore(app, 'Uncapped');
    devices.push(store.deviceId);
    for (let i = 0; i < 3; i++) devices.push(await registerDevice(app, store.storeId, store.auth));
  });
  afterAll(async () => {
    held.release();
    await app.close();
  });

  it('the third is refused with 429 and Retry-After; another store is not; a finished one frees its place', async () => {
    const first = snapshot(store, devices[0]!);
    const second = snapshot(store, devices[1]!);
    await until(() => held.waiting() === 2);

    const third = await snapshot(store, devices[2]!);
    expect(third.statusCode).toBe(429);
    expect(third.headers['retry-after']).toBe('5');
    expect(json<{ error: { code: string } }>(third).error.code).toBe('RATE_LIMITED');

    // Another store's device is not behind this store's cap.
    const elsewhere = snapshot(other, other.deviceId);
    await until(() => held.waiting() === 3);

    held.release();
    for (const res of await Promise.all([first, second, elsewhere])) {
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body.trimEnd().split('\n').at(-1)).toContain('"type":"end"');
    }
    // Both places are free again.
    const again = [snapshot(store, devices[2]!), snapshot(store, devices[3]!)];
    await until(() => held.waiting() === 2);
    held.release();
    for (const res of await Promise.all(again)) expect(res.statusCode, res.body).toBe(200);
  });

  it('a snapshot refused before its first line (an unknown device) does not keep its place', async () => {
    // The device is checked inside the snapshot's transaction: held like the others, then refused.
    const refused = snapshot(store, '00000000-0000-4000-8000-000000000000');
    await until(() => held.waiting() === 1);
    held.release();
    expect((await refused).statusCode).toBe(403);
    const runs = [snapshot(store, devices[0]!), snapshot(store, devices[1]!)];
    await until(() => held.waiting() === 2);
    held.release();
    for (const res of await Promise.all(runs)) expect(res.statusCode, res.body).toBe(200);
  });
});
