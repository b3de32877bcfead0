import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { PLAN_LIMITS } from './plans';
import type { StoreUsage } from './quotas';

interface PushBody {
  results: {
    id: number;
    status: string;
    error?: { code: string; message: string; details?: Record<string, unknown> };
  }[];
}

const staff = (log: MutationLog, displayName: string, id = randomUUID(), active = true) =>
  log.make('staff.upsert', { id, displayName, role: 'technician', active });

describeEachEngine('plan quotas', (getDb) => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await makeTestApp(getDb(), { env: { PLAN_QUOTAS: 'true' } });
  });
  afterAll(async () => {
    await app.close();
  });

  const usage = (store: TestStore, as: TestStore = store) =>
    app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/usage`,
      headers: as.auth,
    });

  it('rejects the 4th staff member on the free plan with QUOTA_EXCEEDED naming the limit', async () => {
    const store = await signupStore(app, 'Tiny');
    const log = new MutationLog(store.deviceId);
    const firstId = randomUUID();
    const res = await push(app, store, store.deviceId, [
      staff(log, 'First', firstId),
      staff(log, 'Second'),
      staff(log, 'Third'),
      staff(log, 'Fourth'),
      // Editing an existing one is never refused, even at the limit.
      staff(log, 'First renamed', firstId),
    ]);
    expect(res.statusCode).toBe(200);
    const results = json<PushBody>(res).results;
    expect(results.map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'rejected',
      'applied',
    ]);
    const error = results[3]!.error!;
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(error.message).toMatch(/free plan allows 3 active staff members/);
    expect(error.details).toEqual({ quota: 'staff', limit: 3, plan: 'free', current: 3 });

    // The device sees the rejection in its next pull.
    const pulled = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=0`,
      headers: store.auth,
    });
    const rejections = json<{ rejections: { id: number; code: string }[] }>(pulled).rejections;
    expect(rejections).toEqual([expect.objectContaining({ id: 4, code: 'QUOTA_EXCEEDED' })]);

    const seen = json<StoreUsage>(await usage(store));
    expect(seen.plan).toBe('free');
    expect(seen.usage.staff).toBe(3);
    expect(seen.limits).toEqual(PLAN_LIMITS.free);
  });

  it('frees a seat when a staff member is deactivated, and lifts the limit on an upgrade', async () => {
    const store = await signupStore(app, 'Growing');
    const log = new MutationLog(store.deviceId);
    const first = randomUUID();
    const pushed = await push(app, store, store.deviceId, [
      staff(log, 'First', first),
      staff(log, 'Second'),
      staff(log, 'Third'),
      staff(log, 'First', first, false),
      staff(log, 'Fourth'),
      staff(log, 'Fifth'),
    ]);
    expect(json<PushBody>(pushed).results.map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'rejected',
    ]);
    await getDb().ownerTransaction((sql) =>
      sql.query(`update stores set plan = 'pro' where id = $1`, [store.storeId]),
    );
    const again = await push(app, store, store.deviceId, [staff(log, 'Fifth')]);
    expect(json<PushBody>(again).results[0]!.status).toBe('applied');
    expect(json<StoreUsage>(await usage(store)).usage.staff).toBe(4);
  });

  it('limits appointments per day of the store', async () => {
    const store = await signupStore(app, 'Booked');
    const log = new MutationLog(store.deviceId);
    const staffId = randomUUID();
    const serviceId = randomUUID();
    const limit = PLAN_LIMITS.free.maxAppointmentsPerDay!;
    const book = (start: string) =>
      log.make('appointment.book', { id: randomUUID(), staffId, serviceId, start });
    const day = '2031-03-04';
    const mutations = [
      staff(log, 'Busy', staffId),
      log.make('service.upsert', {
        id: serviceId,
        name: 'Polish',
        durationMin: 15,
        priceCents: 1000,
        taxable: false,
      }),
      ...Array.from({ length: limit + 1 }, (_, i) =>
        book(
          `${day}T${String(8 + Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}:00.000Z`,
        ),
      ),
      book('2031-03-05T09:00:00.000Z'),
    ];
    const res = await push(app, store, store.deviceId, mutations);
    const statuses = json<PushBody>(res).results.map((r) => r.status);
    expect(statuses.filter((s) => s === 'applied')).toHaveLength(2 + limit + 1);
    expect(statuses[2 + limit]).toBe('rejected');
    expect(json<PushBody>(res).results[2 + limit]!.error!.details).toMatchObject({
      quota: 'appointmentsPerDay',
      limit,
    });
  });

  it('counts a visit on its day and a series on every one of its days', async () => {
    const store = await signupStore(app, 'Series');
    const log = new MutationLog(store.deviceId);
    const staffId = randomUUID();
    const serviceId = randomUUID();
    const limit = PLAN_LIMITS.free.maxAppointmentsPerDay!;
    const full = '2031-04-09'; // a Wednesday, booked up to the limit
    // Every 10 minutes from 08:00 UTC: all on one store day (limit ≤ 60).
    const at = (day: string, i: number) =>
      new Date(Date.parse(`${day}T08:00:00.000Z`) + i * 600_000).toISOString();
    const visit = (day: string) =>
      log.make('appointment.bookVisit', {
        groupId: randomUUID(),
        start: at(day, 0),
        items: [
          { id: randomUUID(), serviceId, staffId },
          { id: randomUUID(), serviceId, staffId },
        ],
      });
    const series = (first: string, count: number) =>
      log.make('appointment.bookSeries', {
        ids: Array.from({ length: count }, () => randomUUID()),
        staffId,
        serviceId,
        start: at(first, 30),
        repeat: { everyWeeks: 1, count },
      });
    const mutations = [
      staff(log, 'Busy', staffId),
      log.make('service.upsert', {
        id: serviceId,
        name: 'Polish',
        durationMin: 15,
        priceCents: 1000,
        taxable: false,
      }),
      ...Array.from({ length: limit }, (_, i) =>
        log.make('appointment.book', { id: randomUUID(), staffId, serviceId, start: at(full, i) }),
      ),
      visit(full), // over the limit on its day
      visit('2031-04-10'),
      series('2031-04-02', 3), // its second occurrence falls on the full day
      series('2031-04-03', 3), // Thursdays: free
    ];
    const res = await push(app, store, store.deviceId, mutations);
    expect(res.statusCode).toBe(200);
    const tail = json<PushBody>(res).results.slice(2 + limit);
    expect(tail.map((r) => [r.status, r.error?.code])).toEqual([
      ['rejected', 'QUOTA_EXCEEDED'],
      ['applied', undefined],
      ['rejected', 'QUOTA_EXCEEDED'],
      ['applied', undefined],
    ]);
  });

  it('shows usage to the store’s owner only', async () => {
    const a = await signupStore(app, 'UsageA');
    const b = await signupStore(app, 'UsageB');
    const refused = await usage(b, a);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).not.toContain('storageBytes');
    const email = `mgr-${randomUUID().slice(0, 8)}@example.com`;
    const added = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${a.storeId}/users`,
      headers: a.auth,
      payload: { email, password: 'correct horse battery', role: 'manager' },
    });
    expect(added.statusCode).toBe(201);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'correct horse battery' },
    });
    const token = json<{ accessToken: string }>(login).accessToken;
    const asManager = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${a.storeId}/usage`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(asManager.statusCode).toBe(403);
    expect(json<{ error: { code: string } }>(asManager).error.code).toBe('FORBIDDEN_ROLE');
    expect((await usage(a)).statusCode).toBe(200);
  });
});
