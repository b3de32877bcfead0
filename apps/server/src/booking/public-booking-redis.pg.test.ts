import { randomUUID } from 'node:crypto';
import { addDaysToYmd, businessDate } from '@mango/domain';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedisBus } from '../bus/redis-bus';
import { createRedisCache } from '../cache/redis-cache';
import { describeEachEngine } from '../db/test-support/engines';
import { createRedisRateLimiter } from '../rate-limit/rate-limiter';
import { json, makeTestApp, MutationLog, push, signupStore } from '../test-support/test-app';

const redisUrl = process.env.TEST_REDIS_URL;
if (redisUrl) {
  /**
   * Two server instances sharing Redis (cache, limiter, bus), as deployed: a booking on one
   * pokes the store's devices through the other and the day's cached times on both are dropped.
   */
  describeEachEngine('online booking across instances sharing Redis', (getDb) => {
    let appA: FastifyInstance;
    let appB: FastifyInstance;
    const redis = new Redis(redisUrl);
    const busA = createRedisBus(redisUrl);
    const busB = createRedisBus(redisUrl);
    const prefix = `test:${randomUUID()}`;
    beforeAll(async () => {
      const shared = {
        cache: createRedisCache(redis, { prefix }),
        limiter: createRedisRateLimiter(redis),
      };
      appA = await makeTestApp(getDb(), { ...shared, bus: busA });
      appB = await makeTestApp(getDb(), { ...shared, bus: busB });
    });
    afterAll(async () => {
      await appA.close();
      await appB.close();
      await busA.close();
      await busB.close();
      redis.disconnect();
    });

    it('a booking on A pokes B’s subscribers and B no longer offers the time', async () => {
      const store = await signupStore(appA, 'Redis booking');
      const log = new MutationLog(store.deviceId);
      const ana = randomUUID();
      const service = randomUUID();
      const slug = `redis-${randomUUID().slice(0, 8)}`;
      const res = await push(appA, store, store.deviceId, [
        log.make('staff.upsert', {
          id: ana,
          displayName: 'Ana',
          role: 'technician',
          active: true,
          workingHours: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
            weekday,
            startMin: 540,
            endMin: 1020,
          })),
        }),
        log.make('service.upsert', {
          id: service,
          name: 'Manicure',
          durationMin: 30,
          priceCents: 2500,
          taxable: true,
        }),
        log.make('store.updateSettings', {
          onlineBooking: {
            enabled: true,
            slug,
            horizonDays: 14,
            minNoticeMin: 0,
            bufferMin: 0,
            serviceIds: [],
            staffIds: [],
          },
        }),
      ]);
      expect(res.statusCode, res.body).toBe(200);
      const page = json<{ store: { timeZone: string } }>(
        await appB.inject({ method: 'GET', url: `/api/v1/public/stores/${slug}` }),
      );
      const day = addDaysToYmd(businessDate(new Date().toISOString(), page.store.timeZone), 1);
      const url = `/api/v1/public/stores/${slug}/availability?serviceId=${service}&date=${day}`;
      const timesOn = async (app: FastifyInstance) =>
        json<{ times: { start: string }[] }>(await app.inject({ method: 'GET', url })).times.map(
          (t) => t.start,
        );
      const before = await timesOn(appB); // cached in Redis by B
      expect(await timesOn(appA)).toEqual(before); // and read by A from there
      const versions: number[] = [];
      const off = await busB.subscribe(store.storeId, (version) => versions.push(version));
      const booked = await appA.inject({
        method: 'POST',
        url: `/api/v1/public/stores/${slug}/bookings`,
        headers: { 'idempotency-key': randomUUID() },
        payload: {
          serviceId: service,
          staffId: 'anyone',
          start: before[2],
          client: { name: 'Kim Lee', phone: '555 010 0199' },
        },
      });
      expect(booked.statusCode, booked.body).toBe(201);
      for (let i = 0; i < 100 && versions.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(versions.length).toBeGreaterThan(0);
      await off();
      expect(await timesOn(appB)).not.toContain(before[2]);
      expect(appB.scaleStats().cache.hits + appA.scaleStats().cache.hits).toBeGreaterThan(0);
    });
  });
}
