import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/db';
import {
  createScaleDatabase,
  scaleAdminUrl,
  scaleRedisUrl,
  type ScaleDatabase,
  unreachableRedis,
} from '../scale/test-support/scale-db';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import type { Cache } from './cache';
import { createMemoryCache } from './memory-cache';
import { createRedisCache } from './redis-cache';

interface Catalog {
  staff: { id: string; displayName: string }[];
  services: { id: string; name: string }[];
}

describe('the read cache shared by two instances through Redis', () => {
  let database: ScaleDatabase;
  let db: Db;
  const redisClients: Redis[] = [];
  let a: FastifyInstance;
  let b: FastifyInstance;

  const redis = () => {
    const r = new Redis(scaleRedisUrl(), { maxRetriesPerRequest: 1 });
    redisClients.push(r);
    return r;
  };

  beforeAll(async () => {
    database = await createScaleDatabase(scaleAdminUrl(), 'mango_scale_cache');
    db = await database.open();
    a = await makeTestApp(db, { cache: createRedisCache(redis()) });
    b = await makeTestApp(db, { cache: createRedisCache(redis()) });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const r of redisClients) r.disconnect();
    await db?.close();
    await database?.drop();
  });

  const catalog = async (app: FastifyInstance, store: TestStore) => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/catalog`,
      headers: store.auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    return json<Catalog>(res);
  };

  it('a write on instance A is seen by the next read on instance B', async () => {
    const store = await signupStore(a, 'Cached');
    const log = new MutationLog(store.deviceId);
    const staffId = randomUUID();
    const staff = (displayName: string) =>
      log.make('staff.upsert', { id: staffId, displayName, role: 'technician', active: true });

    await push(a, store, store.deviceId, [staff('Linh')]);
    expect((await catalog(b, store)).staff.map((s) => s.displayName)).toEqual(['Linh']);
    // Now cached: both instances answer from Redis.
    const before = { a: a.scaleStats().cache, b: b.scaleStats().cache };
    expect((await catalog(a, store)).staff.map((s) => s.displayName)).toEqual(['Linh']);
    expect((await catalog(b, store)).staff.map((s) => s.displayName)).toEqual(['Linh']);
    expect(a.scaleStats().cache.hits - before.a.hits).toBe(4);
    expect(b.scaleStats().cache.hits - before.b.hits).toBe(4);

    const renamed = await push(a, store, store.deviceId, [staff('Linh Tran')]);
    expect(renamed.statusCode).toBe(200);
    expect((await catalog(b, store)).staff.map((s) => s.displayName)).toEqual(['Linh Tran']);
  });

  it('invalidates exactly the kinds a write touched', async () => {
    const store = await signupStore(b, 'Exact');
    const log = new MutationLog(store.deviceId);
    await push(a, store, store.deviceId, [
      log.make('service.upsert', {
        id: randomUUID(),
        name: 'Gel',
        durationMin: 30,
        priceCents: 3000,
        taxable: false,
      }),
    ]);
    await catalog(b, store);
    const warm = b.scaleStats().cache;
    // A client is in no part of the catalog: every part stays cached.
    await push(a, store, store.deviceId, [
      log.make('client.upsert', { id: randomUUID(), firstName: 'Ana', lastName: 'Lee' }),
    ]);
    await catalog(b, store);
    expect(b.scaleStats().cache.hits - warm.hits).toBe(4);
    expect(b.scaleStats().cache.misses - warm.misses).toBe(0);
    // A new service: that part alone is read again.
    await push(a, store, store.deviceId, [
      log.make('service.upsert', {
        id: randomUUID(),
        name: 'Pedicure',
        durationMin: 45,
        priceCents: 4500,
        taxable: false,
      }),
    ]);
    const after = await catalog(b, store);
    expect(after.services.map((s) => s.name).sort()).toEqual(['Gel', 'Pedicure']);
    expect(b.scaleStats().cache.misses - warm.misses).toBe(1);
  });
});

/** The same contract on both implementations (the Redis one on the real Redis). */
for (const [name, make] of [
  ['memory', () => createMemoryCache()],
  ['redis', () => createRedisCache(new Redis(scaleRedisUrl(), { maxRetriesPerRequest: 1 }))],
] as [string, () => Cache][]) {
  describe(`cache contract [${name}]`, () => {
    it('files a load that raced a write under the old generation: never served after it', async () => {
      const cache = make();
      const storeId = randomUUID();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      // A read loads the old value, a write commits and invalidates, then the read stores.
      const racing = cache.getOrLoad(storeId, ['staff'], 'k', async () => {
        await gate;
        return 'old';
      });
      await new Promise((r) => setTimeout(r, 20));
      await cache.invalidate(storeId, ['staff']);
      release();
      expect(await racing).toBe('old');
      expect(await cache.getOrLoad(storeId, ['staff'], 'k', async () => 'new')).toBe('new');
      expect(await cache.getOrLoad(storeId, ['staff'], 'k', async () => 'newer')).toBe('new');
      await cache.close();
    });

    it('keeps stores apart and an entry depends on each of its kinds', async () => {
      const cache = make();
      const [s1, s2] = [randomUUID(), randomUUID()];
      expect(await cache.getOrLoad(s1, ['ticket', 'payment'], 'h', async () => 1)).toBe(1);
      expect(await cache.getOrLoad(s2, ['ticket', 'payment'], 'h', async () => 2)).toBe(2);
      await cache.invalidate(s2, ['staff']);
      expect(await cache.getOrLoad(s1, ['ticket', 'payment'], 'h', async () => 9)).toBe(1);
      await cache.invalidate(s1, ['payment']);
      expect(await cache.getOrLoad(s1, ['ticket', 'payment'], 'h', async () => 3)).toBe(3);
      expect(await cache.getOrLoad(s2, ['ticket', 'payment'], 'h', async () => 9)).toBe(2);
      await cache.close();
    });
  });
}

describe('cache on a Redis that is down', () => {
  it('reads from the database and counts the errors', async () => {
    const down = unreachableRedis();
    const cache = createRedisCache(down);
    const storeId = randomUUID();
    expect(await cache.getOrLoad(storeId, ['staff'], 'k', async () => 'from db')).toBe('from db');
    await cache.invalidate(storeId, ['staff']);
    expect(cache.stats().errors).toBe(2);
    down.disconnect();
  });
});
