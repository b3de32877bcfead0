import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/db';
import { PLAN_LIMITS } from '../quotas/plans';
import {
  createScaleDatabase,
  scaleAdminUrl,
  scaleRedisUrl,
  type ScaleDatabase,
  unreachableRedis,
} from '../scale/test-support/scale-db';
import { json, makeTestApp, pull, signupStore, type TestStore } from '../test-support/test-app';
import { createRedisRateLimiter } from './rate-limiter';

const LIMITS_ON = { API_RATE_LIMITS: 'true', RATE_LIMIT_IP_PER_MIN: '5' };

const history = (app: FastifyInstance, store: TestStore) =>
  app.inject({
    method: 'GET',
    url: `/api/v1/stores/${store.storeId}/tickets`,
    headers: store.auth,
  });

/** Sends requests, alternating instances, until one is refused; returns the allowed count. */
async function untilRefused(
  send: (i: number) => Promise<LightMyRequestResponse>,
  max: number,
): Promise<{ allowed: LightMyRequestResponse[]; refused: LightMyRequestResponse }> {
  const allowed: LightMyRequestResponse[] = [];
  for (let i = 0; i < max; i++) {
    const res = await send(i);
    if (res.statusCode === 429) return { allowed, refused: res };
    expect(res.statusCode, res.body).toBe(200);
    allowed.push(res);
  }
  throw new Error(`no request refused in ${max}`);
}

describe('API rate limits shared by two instances through Redis', () => {
  let database: ScaleDatabase;
  let db: Db;
  const redisClients: Redis[] = [];
  let a: FastifyInstance;
  let b: FastifyInstance;

  const instance = async (env: Record<string, string> = LIMITS_ON) => {
    const redis = new Redis(scaleRedisUrl(), { maxRetriesPerRequest: 1 });
    redisClients.push(redis);
    return makeTestApp(db, { limiter: createRedisRateLimiter(redis), env });
  };

  beforeAll(async () => {
    database = await createScaleDatabase(scaleAdminUrl(), 'mango_scale_rl');
    db = await database.open();
    a = await instance();
    b = await instance();
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    for (const r of redisClients) r.disconnect();
    await db?.close();
    await database?.drop();
  });

  it('refuses the store’s N+1-th request in the window with 429 and the limit headers', async () => {
    const store = await signupStore(a, 'Limited');
    const limit = PLAN_LIMITS.free.apiRequestsPerMinute;
    const { allowed, refused } = await untilRefused(
      (i) => history(i % 2 === 0 ? a : b, store),
      limit + 5,
    );
    // The device registration of the signup was the store's first request.
    expect(allowed.length + 1).toBe(limit);
    expect(allowed.at(-1)!.headers['ratelimit']).toMatch(/^limit=30, remaining=0, reset=\d+$/);
    expect(allowed[0]!.headers['ratelimit-policy']).toBe(`${limit};w=60`);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit']).toMatch(/^limit=30, remaining=0, reset=\d+$/);
    expect(refused.headers['ratelimit-policy']).toBe(`${limit};w=60`);
    expect(json<{ error: { code: string } }>(refused).error.code).toBe('RATE_LIMITED');
    // Both instances counted into the same window and both refuse now.
    expect((await history(b, store)).statusCode).toBe(429);
    expect(a.scaleStats().rateLimits!.limited + b.scaleStats().rateLimits!.limited).toBe(2);
    // Another store has its own budget.
    const other = await signupStore(b, 'Neighbour');
    expect((await history(a, other)).statusCode).toBe(200);
  });

  it('limits one device below its store, leaving the store’s other requests through', async () => {
    const store = await signupStore(a, 'Chatty');
    const deviceLimit = PLAN_LIMITS.free.deviceRequestsPerMinute;
    const { allowed, refused } = await untilRefused(
      (i) => pull(i % 2 === 0 ? a : b, store, store.deviceId, 0),
      deviceLimit + 5,
    );
    expect(allowed.length + 1).toBe(deviceLimit);
    expect(refused.headers['ratelimit-policy']).toBe(`${deviceLimit};w=60`);
    expect(json<{ error: { message: string } }>(refused).error.message).toMatch(/device/);
    expect((await history(b, store)).statusCode).toBe(200);
  });

  it('takes the limits from the store’s plan', async () => {
    const store = await signupStore(a, 'Upgraded');
    await db.ownerTransaction((sql) =>
      sql.query(`update stores set plan = 'pro' where id = $1`, [store.storeId]),
    );
    // A fresh instance: plans are remembered per instance for a minute.
    const c = await instance();
    try {
      const res = await history(c, store);
      expect(res.headers['ratelimit-policy']).toBe(`${PLAN_LIMITS.pro.apiRequestsPerMinute};w=60`);
    } finally {
      await c.close();
    }
  });

  it('limits routes without a store per client IP', async () => {
    const ip = `10.${[1, 2, 3].map(() => Math.floor(Math.random() * 250) + 1).join('.')}`;
    const mutators = (app: FastifyInstance, remoteAddress: string) =>
      app.inject({ method: 'GET', url: '/api/v1/sync/mutators', remoteAddress });
    const { allowed, refused } = await untilRefused((i) => mutators(i % 2 ? a : b, ip), 10);
    expect(allowed).toHaveLength(5);
    expect(refused.headers['ratelimit-policy']).toBe('5;w=60');
    expect(
      (await mutators(a, `${ip.slice(0, -1)}${(Number(ip.at(-1)) + 1) % 10}`)).statusCode,
    ).toBe(200);
  });

  it('behind a load balancer (TRUST_PROXY), limits each forwarded client IP by itself', async () => {
    const c = await instance({ ...LIMITS_ON, TRUST_PROXY: 'true' });
    try {
      const octet = () => Math.floor(Math.random() * 250) + 1;
      const [one, two] = [`172.16.${octet()}.${octet()}`, `172.17.${octet()}.${octet()}`];
      const viaProxy = (client: string) =>
        c.inject({
          method: 'GET',
          url: '/api/v1/sync/mutators',
          remoteAddress: '10.0.0.2',
          headers: { 'x-forwarded-for': client },
        });
      const { allowed } = await untilRefused(() => viaProxy(one), 10);
      expect(allowed).toHaveLength(5);
      expect((await viaProxy(two)).statusCode).toBe(200);
    } finally {
      await c.close();
    }
  });

  it('lets requests through when Redis is unreachable (fail open), counting them', async () => {
    const down = unreachableRedis();
    const c = await makeTestApp(db, { limiter: createRedisRateLimiter(down), env: LIMITS_ON });
    try {
      const store = await signupStore(a, 'Outage');
      for (let i = 0; i < PLAN_LIMITS.free.apiRequestsPerMinute + 5; i++) {
        const res = await history(c, store);
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit']).toBeUndefined();
      }
      expect(c.scaleStats().rateLimits!.failedOpen).toBeGreaterThanOrEqual(35);
      expect(c.scaleStats().rateLimits!.limited).toBe(0);
    } finally {
      await c.close();
      down.disconnect();
    }
  });

  it('is off unless API_RATE_LIMITS is set', async () => {
    const c = await instance({});
    try {
      const store = await signupStore(c, 'Unlimited');
      const res = await history(c, store);
      expect(res.headers['ratelimit']).toBeUndefined();
      expect(c.scaleStats().rateLimits).toBeNull();
    } finally {
      await c.close();
    }
  });
});
