import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db, TenantContext } from '../db/db';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pull,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

interface Page {
  cursor: number;
  epoch: string;
  hasMore: boolean;
  lastMutationId: number;
  changes: { entity: string; id: string }[];
  rejections: { id: number; code: string }[];
}

/**
 * The database as the app sees it, counting the transactions run for a store (a pull's, a
 * push's). The access gate's account lookups run without a store and are not counted: they are
 * per account every AUTH_RECHECK_MS, not per pull.
 */
function countingDb(db: Db) {
  const counts = { storeTransactions: 0 };
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'transaction') {
        return (ctx: TenantContext | null, fn: Parameters<Db['transaction']>[1]) => {
          if (ctx?.storeId) counts.storeTransactions++;
          return target.transaction(ctx, fn);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  return { db: proxy, counts };
}

describeEachEngine('quiet pulls are answered from the sync heads', (getDb) => {
  let app: FastifyInstance;
  let counts: { storeTransactions: number };
  let store: TestStore;
  let other: string; // a second device of the store
  let log: MutationLog;
  let otherLog: MutationLog;

  const pullPage = async (deviceId: string, cursor: number) => {
    const res = await pull(app, store, deviceId, cursor);
    expect(res.statusCode, res.body).toBe(200);
    return json<Page>(res);
  };
  const pushOk = async (deviceId: string, mutations: unknown[]) => {
    const res = await push(app, store, deviceId, mutations);
    expect(res.statusCode, res.body).toBe(200);
  };
  /** Pulls until the device is at the store's version; returns its cursor. */
  const catchUp = async (deviceId: string, from = 0) => {
    let page = await pullPage(deviceId, from);
    while (page.hasMore) page = await pullPage(deviceId, page.cursor);
    return page;
  };

  beforeAll(async () => {
    const counted = countingDb(getDb());
    counts = counted.counts;
    app = await makeTestApp(counted.db);
    store = await signupStore(app, 'Quiet');
    other = await registerDevice(app, store.storeId, store.auth);
    log = new MutationLog(store.deviceId);
    otherLog = new MutationLog(other);
    await pushOk(store.deviceId, [
      log.make('client.upsert', { id: randomUUID(), firstName: 'Kim', lastName: 'Tran' }),
    ]);
  });
  afterAll(async () => {
    await app.close();
  });

  it('a device at the store version pulls with no database statement, with the same answer', async () => {
    const fromDb = await catchUp(store.deviceId);
    expect(fromDb.lastMutationId).toBe(1);
    const before = counts.storeTransactions;
    const hitsBefore = app.scaleStats().heads.hits;
    for (let i = 0; i < 5; i++) {
      expect(await pullPage(store.deviceId, fromDb.cursor)).toEqual({
        cursor: fromDb.cursor,
        epoch: fromDb.epoch,
        hasMore: false,
        lastMutationId: 1,
        changes: [],
        rejections: [],
      });
    }
    expect(counts.storeTransactions - before).toBe(0);
    expect(app.scaleStats().heads.hits - hitsBefore).toBe(5);
  });

  it("another device's push reaches the quiet device at its next pull", async () => {
    const at = (await catchUp(store.deviceId)).cursor;
    await catchUp(other); // the second device is known too
    const clientId = randomUUID();
    await pushOk(other, [
      otherLog.make('client.upsert', { id: clientId, firstName: 'Ana', lastName: 'Le' }),
    ]);
    const page = await pullPage(store.deviceId, at);
    expect(page.changes.map((c) => c.id)).toContain(clientId);
    expect(page.cursor).toBeGreaterThan(at);
    // …and the pushing device learns its own lastMutationId from the heads.
    const own = await pullPage(other, page.cursor);
    expect(own).toMatchObject({ lastMutationId: 1, changes: [] });
  });

  it('a rejection is never hidden by the heads; after its acknowledgement pulls are quiet again', async () => {
    const at = (await catchUp(store.deviceId)).cursor;
    const refused = log.make('ticket.close', { ticketId: randomUUID() });
    await pushOk(store.deviceId, [refused]);
    const page = await pullPage(store.deviceId, at);
    expect(page.rejections.map((r) => r.id)).toEqual([refused.id]);
    expect(page.lastMutationId).toBe(refused.id);
    // Asked again (the answer was lost): the rejection is still there.
    expect((await pullPage(store.deviceId, page.cursor)).rejections).toHaveLength(1);
    const ack = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/sync/rejections/ack`,
      headers: store.auth,
      payload: { deviceId: store.deviceId, ids: [refused.id] },
    });
    expect(ack.statusCode).toBe(200);
    expect((await pullPage(store.deviceId, page.cursor)).rejections).toEqual([]); // database
    const before = counts.storeTransactions;
    expect((await pullPage(store.deviceId, page.cursor)).rejections).toEqual([]);
    expect(counts.storeTransactions - before).toBe(0);
  });

  it('last seen and the pulled version of quiet pulls are written in one batch', async () => {
    const at = (await catchUp(store.deviceId)).cursor;
    await pullPage(store.deviceId, at);
    await pullPage(other, (await catchUp(other)).cursor);
    await pullPage(other, at);
    const { lastSeen } = app.syncHeads;
    expect(lastSeen.pending()).toBeGreaterThanOrEqual(2);
    await getDb().ownerTransaction((sql) =>
      sql.query(
        `update devices set last_pulled_version = 0, last_seen_at = now() - interval '1 day'
          where store_id = $1`,
        [store.storeId],
      ),
    );
    expect(await lastSeen.flush()).toBeGreaterThanOrEqual(2);
    expect(lastSeen.pending()).toBe(0);
    const rows = await getDb().ownerTransaction(
      async (sql) =>
        (
          await sql.query<{ id: string; v: string; recent: boolean }>(
            `select id, last_pulled_version::text as v, last_seen_at > now() - interval '1 minute' as recent
             from devices where store_id = $1`,
            [store.storeId],
          )
        ).rows,
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatchObject({ v: String(at), recent: true });
  });

  it('a revoked device is refused at its next pull, though its heads were warm', async () => {
    const spare = await registerDevice(app, store.storeId, store.auth);
    const at = (await catchUp(spare)).cursor;
    await pullPage(spare, at); // answered from the heads
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/stores/${store.storeId}/devices/${spare}`,
      headers: store.auth,
    });
    expect(revoke.statusCode).toBe(200);
    const res = await pull(app, store, spare, at);
    expect(res.statusCode).toBe(403);
  });

  it("the tenant boundary: another store's token is refused, and so is its device in this store", async () => {
    const at = (await catchUp(store.deviceId)).cursor;
    await pullPage(store.deviceId, at); // warm
    const intruder = await signupStore(app, 'Intruder');
    const cross = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=${at}`,
      headers: intruder.auth,
    });
    expect(cross.statusCode).toBe(403);
    // Its own store, this store's device (whose heads are warm — but in this store only).
    const borrowed = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${intruder.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=${at}`,
      headers: intruder.auth,
    });
    expect(borrowed.statusCode).toBe(403);
  });

  it('a pull that is not at the version reads the database', async () => {
    const at = (await catchUp(store.deviceId)).cursor;
    const before = counts.storeTransactions;
    const behind = await pullPage(store.deviceId, at - 1);
    expect(behind.changes.length).toBeGreaterThan(0);
    expect(counts.storeTransactions - before).toBe(1);
    const ahead = await pull(app, store, store.deviceId, at + 5);
    expect(ahead.statusCode).toBe(409);
  });
});

describeEachEngine('pulls with the heads off (SYNC_HEAD_TTL_SEC=0)', (getDb) => {
  it('every pull reads the database', async () => {
    const { db, counts } = countingDb(getDb());
    const app = await makeTestApp(db, { env: { SYNC_HEAD_TTL_SEC: '0' } });
    try {
      const store = await signupStore(app, 'NoHeads');
      const first = json<Page>(await pull(app, store, store.deviceId, 0));
      const before = counts.storeTransactions;
      for (let i = 0; i < 3; i++) await pull(app, store, store.deviceId, first.cursor);
      expect(counts.storeTransactions - before).toBe(3);
    } finally {
      await app.close();
    }
  });
});
