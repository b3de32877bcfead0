import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestDb, testDatabaseUrl, type TestDb } from '../db/test-support/engines';
import { json, makeTestApp, MutationLog, push, signupStore } from '../test-support/test-app';

/**
 * Per-store ordering takes the store row's lock for the version bump. That lock must never make
 * another store wait. Real PostgreSQL only: PGlite has one connection, so everything waits there.
 */
describe.skipIf(!testDatabaseUrl())('store version locks [postgres]', () => {
  let handle: TestDb;
  let app: FastifyInstance;
  beforeAll(async () => {
    handle = await makeTestDb({ engine: 'postgres' });
    app = await makeTestApp(handle.db);
  });
  afterAll(async () => {
    await app.close();
    await handle.close();
  });

  it("a push to store B completes while store A's version row is locked; A's waits for the lock", async () => {
    const a = await signupStore(app, 'LockA');
    const b = await signupStore(app, 'LockB');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // Another push to A in flight: it holds A's row lock until it commits.
    const holder = handle.db.transaction(
      { storeId: a.storeId, organizationId: a.organizationId },
      async (sql) => {
        await sql.query('select version from stores where id = $1 for update', [a.storeId]);
        locked();
        await released;
      },
    );
    await isLocked;

    const events: string[] = [];
    const t0 = performance.now();
    const logB = new MutationLog(b.deviceId);
    const pushB = push(app, b, b.deviceId, [
      logB.make('client.upsert', { id: randomUUID(), firstName: 'B', lastName: 'Free' }),
    ]).then((res) => {
      events.push('B done');
      return { res, ms: performance.now() - t0 };
    });
    const logA = new MutationLog(a.deviceId);
    const pushA = push(app, a, a.deviceId, [
      logA.make('client.upsert', { id: randomUUID(), firstName: 'A', lastName: 'Waits' }),
    ]).then((res) => {
      events.push('A done');
      return { res, ms: performance.now() - t0 };
    });

    const b1 = await pushB;
    // Hold A's lock a while longer: A must still be waiting.
    await new Promise((r) => setTimeout(r, 300));
    events.push('A lock released');
    release();
    await holder;
    const a1 = await pushA;

    expect(json<{ lastMutationId: number }>(b1.res).lastMutationId).toBe(1);
    expect(json<{ lastMutationId: number }>(a1.res).lastMutationId).toBe(1);
    expect(events).toEqual(['B done', 'A lock released', 'A done']);
    console.log(
      `store lock isolation: push to B took ${b1.ms.toFixed(1)} ms while A was locked; push to A took ${a1.ms.toFixed(1)} ms (waited for the lock)`,
    );
  });
});
