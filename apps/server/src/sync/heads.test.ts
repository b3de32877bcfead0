import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { emptyPullFromHeads, createMemoryHeads, type SyncHeads } from './heads';
import { createRedisHeads } from './heads-redis';

const redisUrl = process.env.TEST_REDIS_URL;
const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

interface Engine {
  name: string;
  make: () => SyncHeads;
}

const engines: Engine[] = [
  {
    name: 'memory',
    make: () => createMemoryHeads({ clock: { now: () => new Date() }, ttlMs: 60_000 }),
  },
];
if (redisUrl) {
  engines.push({
    name: 'redis',
    make: () => {
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      clients.push(redis);
      return createRedisHeads(redis, { ttlSec: 60, prefix: `test:head:${randomUUID()}` });
    },
  });
}

const EPOCH = randomUUID();

const fill = (
  heads: SyncHeads,
  store: string,
  device: string,
  head: { version: number; epoch: string },
  lastMutationId: number,
  openRejections = false,
) => heads.fill(store, device, head, { lastMutationId, openRejections });

describe.each(engines)('sync heads ($name)', ({ make }) => {
  it('know nothing until a pull fills them, then answer only a device at the version', async () => {
    const heads = make();
    const store = randomUUID();
    const device = randomUUID();
    expect(await heads.read(store, device)).toEqual({ store: null, device: null });
    await fill(heads, store, device, { version: 7, epoch: EPOCH }, 3, false);
    const known = await heads.read(store, device);
    expect(known).toEqual({
      store: { version: 7, epoch: EPOCH },
      device: { lastMutationId: 3, openRejections: false },
    });
    expect(emptyPullFromHeads(known, 7, EPOCH)).toEqual({
      cursor: 7,
      epoch: EPOCH,
      lastMutationId: 3,
    });
    expect(emptyPullFromHeads(known, 7, undefined)).not.toBeNull(); // devices before epochs
    expect(emptyPullFromHeads(known, 6, EPOCH)).toBeNull(); // behind: it needs the changes
    expect(emptyPullFromHeads(known, 8, EPOCH)).toBeNull(); // ahead: a restore, or heads behind
    expect(emptyPullFromHeads(known, 7, randomUUID())).toBeNull(); // another history
    // Another device of the store is not known until its own pull or push.
    expect((await heads.read(store, randomUUID())).device).toBeNull();
    expect(heads.stats()).toMatchObject({ hits: 1, misses: 2, errors: 0 });
  });

  it('never go back: an older fill changes nothing, a fill of another epoch replaces', async () => {
    const heads = make();
    const store = randomUUID();
    const device = randomUUID();
    await fill(heads, store, device, { version: 9, epoch: EPOCH }, 5, true);
    // A pull that read before the push that made version 9 answers later.
    await fill(heads, store, device, { version: 8, epoch: EPOCH }, 4, false);
    expect(await heads.read(store, device)).toEqual({
      store: { version: 9, epoch: EPOCH },
      device: { lastMutationId: 5, openRejections: true },
    });
    // The same position read later: its acknowledgement of the rejections counts.
    await fill(heads, store, device, { version: 9, epoch: EPOCH }, 5, false);
    expect((await heads.read(store, device)).device).toEqual({
      lastMutationId: 5,
      openRejections: false,
    });
    const restored = randomUUID();
    await fill(heads, store, device, { version: 2, epoch: restored }, 5, false);
    expect((await heads.read(store, device)).store).toEqual({ version: 2, epoch: restored });
  });

  it('advance with each push: the version, the device, its rejections; never create', async () => {
    const heads = make();
    const store = randomUUID();
    const device = randomUUID();
    const other = randomUUID();
    await heads.advance(store, 4, device, { lastMutationId: 2, rejected: false });
    expect(await heads.read(store, device)).toEqual({ store: null, device: null });

    await fill(heads, store, device, { version: 4, epoch: EPOCH }, 2, false);
    await heads.advance(store, 6, device, { lastMutationId: 4, rejected: false });
    expect(await heads.read(store, device)).toEqual({
      store: { version: 6, epoch: EPOCH },
      device: { lastMutationId: 4, openRejections: false },
    });
    // A push of a device not known here: the store's version still moves, the device stays
    // unknown (without a rejection: whether it has open ones is the database's to say).
    await heads.advance(store, 7, other, { lastMutationId: 9, rejected: false });
    expect(await heads.read(store, other)).toEqual({
      store: { version: 7, epoch: EPOCH },
      device: null,
    });
    // Pushes that answer late never take the version back; only duplicates: version unchanged.
    await heads.advance(store, 5, device, { lastMutationId: 3, rejected: false });
    await heads.advance(store, null, device, { lastMutationId: 4, rejected: false });
    expect(await heads.read(store, device)).toEqual({
      store: { version: 7, epoch: EPOCH },
      device: { lastMutationId: 4, openRejections: false },
    });
    await heads.advance(store, 8, device, { lastMutationId: 6, rejected: true });
    expect((await heads.read(store, device)).device).toEqual({
      lastMutationId: 6,
      openRejections: true,
    });
  });

  it('a pull that read before a push committed cannot fill a head older than the push', async () => {
    const heads = make();
    const store = randomUUID();
    const device = randomUUID();
    const other = randomUUID();
    // `other` pushes: version 5, its lastMutationId 3, while no head of the store is known.
    await heads.advance(store, 5, other, { lastMutationId: 3, rejected: false });
    // A pull of `device` read version 4 before that commit and fills after it: no head, so the
    // device poked for version 5 is not answered "nothing new" at 4 — it reads the database.
    await fill(heads, store, device, { version: 4, epoch: EPOCH }, 1);
    expect((await heads.read(store, device)).store).toBeNull();
    expect(emptyPullFromHeads(await heads.read(store, device), 4, EPOCH)).toBeNull();
    // `other`'s own head, read before its push: not created either.
    await fill(heads, store, other, { version: 4, epoch: EPOCH }, 2);
    expect((await heads.read(store, other)).device).toBeNull();
    // Pulls that read after the commit fill as usual.
    await fill(heads, store, device, { version: 5, epoch: EPOCH }, 1);
    await fill(heads, store, other, { version: 5, epoch: EPOCH }, 3);
    expect(await heads.read(store, other)).toEqual({
      store: { version: 5, epoch: EPOCH },
      device: { lastMutationId: 3, openRejections: false },
    });
  });

  it('forget one device or the whole store', async () => {
    const heads = make();
    const store = randomUUID();
    const [d1, d2] = [randomUUID(), randomUUID()];
    const head = { version: 3, epoch: EPOCH };
    await heads.fill(store, d1, head, { lastMutationId: 1, openRejections: false });
    await heads.fill(store, d2, head, { lastMutationId: 1, openRejections: false });
    await heads.forget(store, d1);
    expect((await heads.read(store, d1)).device).toBeNull();
    expect((await heads.read(store, d2)).device).not.toBeNull();
    await heads.forget(store);
    expect(await heads.read(store, d2)).toEqual({ store: null, device: null });
  });

  it('forget every store at once (a restored database)', async () => {
    const heads = make();
    const [s1, s2, d] = [randomUUID(), randomUUID(), randomUUID()];
    await fill(heads, s1, d, { version: 3, epoch: EPOCH }, 1);
    await fill(heads, s2, d, { version: 4, epoch: EPOCH }, 1);
    await heads.forgetAll();
    expect(await heads.read(s1, d)).toEqual({ store: null, device: null });
    expect(await heads.read(s2, d)).toEqual({ store: null, device: null });
  });
});

describe('sync heads expiry', () => {
  it('in memory: a store lives ttl from its fill; advances do not extend it', async () => {
    let now = Date.parse('2026-12-07T10:00:00Z');
    const heads = createMemoryHeads({ clock: { now: () => new Date(now) }, ttlMs: 30_000 });
    const store = randomUUID();
    const device = randomUUID();
    await fill(heads, store, device, { version: 1, epoch: EPOCH }, 0, false);
    now += 29_000;
    await heads.advance(store, 2, device, { lastMutationId: 1, rejected: false });
    expect((await heads.read(store, device)).store?.version).toBe(2);
    now += 1_000;
    expect(await heads.read(store, device)).toEqual({ store: null, device: null });
  });

  it.runIf(redisUrl)('in Redis: the key expires ttl after the fill, advances keep it', async () => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    clients.push(redis);
    const prefix = `test:head:${randomUUID()}`;
    const heads = createRedisHeads(redis, { ttlSec: 30, prefix });
    const store = randomUUID();
    const device = randomUUID();
    await fill(heads, store, device, { version: 1, epoch: EPOCH }, 0, false);
    await redis.pexpire(`${prefix}:{${store}}`, 5_000); // as if 25 s had passed
    await heads.advance(store, 2, device, { lastMutationId: 1, rejected: false });
    await fill(heads, store, device, { version: 2, epoch: EPOCH }, 1, false);
    const left = await redis.pttl(`${prefix}:{${store}}`);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(5_000);
  });

  it.runIf(redisUrl)('a push whose advance Redis refused forgets its store’s heads', async () => {
    const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
    clients.push(redis);
    // The real Redis, refusing the scripts while `refuse` holds (a failover, a busy server).
    let refuse = false;
    const flaky = new Proxy(redis, {
      get(target, prop) {
        if (refuse && (prop === 'evalsha' || prop === 'eval'))
          return () => Promise.reject(new Error('LOADING Redis is loading the dataset'));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const prefix = `test:head:${randomUUID()}`;
    const heads = createRedisHeads(flaky, { ttlSec: 300, prefix });
    const store = randomUUID();
    const device = randomUUID();
    await fill(heads, store, device, { version: 1, epoch: EPOCH }, 0, false);
    expect(emptyPullFromHeads(await heads.read(store, device), 1, EPOCH)).not.toBeNull();
    refuse = true;
    await heads.advance(store, 2, device, { lastMutationId: 1, rejected: false });
    // Not answered "nothing new" at version 1 for the ttl: the heads are gone, the next pull
    // reads the database.
    await vi.waitFor(async () => expect(await redis.exists(`${prefix}:{${store}}`)).toBe(0));
    expect(await heads.read(store, device)).toEqual({ store: null, device: null });
    expect(heads.stats().errors).toBe(1);
  });

  it('Redis away: reads miss (the pull goes to the database), writes are dropped', async () => {
    const redis = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    clients.push(redis);
    const heads = createRedisHeads(redis, { ttlSec: 30 });
    const store = randomUUID();
    const device = randomUUID();
    await fill(heads, store, device, { version: 1, epoch: EPOCH }, 0, false);
    await heads.advance(store, 2, device, { lastMutationId: 1, rejected: true });
    await heads.forget(store);
    expect(await heads.read(store, device)).toEqual({ store: null, device: null });
    // fill, advance, the forget the failed advance asked for, forget, read.
    expect(heads.stats()).toEqual({ hits: 0, misses: 0, errors: 5 });
  });
});
