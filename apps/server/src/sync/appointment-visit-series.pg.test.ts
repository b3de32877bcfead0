/**
 * Visits of several services and recurring series, through the real push: rows land exactly
 * once, the roles of appointment.book apply, and hostile sizes are refused with a code without
 * holding back the device's next mutation.
 */
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

interface PushAnswer {
  lastMutationId: number;
  results: { id: number; status: string; error?: { code: string; message: string } }[];
}

const NEW_MUTATORS = [
  'appointment.bookVisit',
  'appointment.bookSeries',
  'appointment.cancelFollowing',
];

describeEachEngine('visits of several services and recurring series', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let log: MutationLog;
  const staff = { ana: randomUUID(), cleo: randomUUID(), desk: randomUUID() };
  const service = { manicure: randomUUID(), pedicure: randomUUID() };

  async function pushAll(mutations: unknown[]): Promise<PushAnswer> {
    const res = await push(app, store, store.deviceId, mutations);
    expect(res.statusCode, res.body).toBe(200);
    return json<PushAnswer>(res);
  }

  async function countAppointments(where: string, params: unknown[]): Promise<number> {
    return getDb().transaction(
      { storeId: store.storeId, organizationId: store.organizationId },
      async (sql) => {
        const res = await sql.query<{ n: number }>(
          `select count(*)::int as n from appointments where ${where}`,
          params,
        );
        return res.rows[0]!.n;
      },
    );
  }

  const visit = (groupId = randomUUID(), start = '2026-12-01T15:00:00Z') => ({
    groupId,
    start,
    items: [
      { id: randomUUID(), serviceId: service.manicure, staffId: staff.ana },
      { id: randomUUID(), serviceId: service.pedicure, staffId: staff.cleo, start },
    ],
  });
  const series = (start = '2026-12-02T15:00:00Z') => ({
    ids: [randomUUID(), randomUUID(), randomUUID(), randomUUID()],
    staffId: staff.ana,
    serviceId: service.manicure,
    start,
    repeat: { everyWeeks: 1, count: 4 },
  });

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Visits');
    log = new MutationLog(store.deviceId);
    const answer = await pushAll([
      log.make('staff.upsert', {
        id: staff.ana,
        displayName: 'Ana',
        role: 'technician',
        active: true,
      }),
      log.make('staff.upsert', {
        id: staff.cleo,
        displayName: 'Cleo',
        role: 'technician',
        active: true,
      }),
      log.make('staff.upsert', {
        id: staff.desk,
        displayName: 'Dana',
        role: 'front_desk',
        active: true,
      }),
      log.make('service.upsert', {
        id: service.manicure,
        name: 'Manicure',
        durationMin: 30,
        priceCents: 2500,
        taxable: true,
      }),
      log.make('service.upsert', {
        id: service.pedicure,
        name: 'Pedicure',
        durationMin: 60,
        priceCents: 4000,
        taxable: true,
      }),
    ]);
    expect(answer.results.every((r) => r.status === 'applied')).toBe(true);
  });
  afterAll(async () => {
    await app.close();
  });

  it('lists the new mutators in the catalog with their argument schemas', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/sync/mutators' });
    const { mutators } = json<{
      mutators: { name: string; roles: string[]; argsSchema: { properties: object } }[];
    }>(res);
    for (const name of NEW_MUTATORS) {
      const entry = mutators.find((m) => m.name === name);
      expect(entry, name).toBeDefined();
      expect(entry?.roles).toEqual(['owner', 'manager', 'front_desk']);
    }
    const bookVisit = mutators.find((m) => m.name === 'appointment.bookVisit');
    expect(Object.keys(bookVisit?.argsSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['groupId', 'start', 'items']),
    );
  });

  it('applies a visit and a series exactly once, as the owner and as the front desk', async () => {
    for (const actorStaffId of [undefined, staff.desk]) {
      const v = visit(randomUUID(), actorStaffId ? '2026-12-03T15:00:00Z' : undefined);
      const s = series(actorStaffId ? '2026-12-04T15:00:00Z' : undefined);
      const mutations = [
        { ...log.make('appointment.bookVisit', v), ...(actorStaffId ? { actorStaffId } : {}) },
        { ...log.make('appointment.bookSeries', s), ...(actorStaffId ? { actorStaffId } : {}) },
      ];
      const first = await pushAll(mutations);
      expect(first.results.map((r) => r.status)).toEqual(['applied', 'applied']);
      const again = await pushAll(mutations);
      expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
      expect(await countAppointments(`data->>'groupId' = $1`, [v.groupId])).toBe(2);
      expect(
        await countAppointments(`data->>'groupId' = $1 and start_at = $2::timestamptz`, [
          v.groupId,
          v.start,
        ]),
      ).toBe(2);
      expect(await countAppointments(`data->>'seriesId' = $1`, [s.ids[0]])).toBe(4);
    }
  });

  it('cancels this and following occurrences on the server', async () => {
    const s = series('2026-12-05T15:00:00Z');
    const answer = await pushAll([
      log.make('appointment.bookSeries', s),
      { ...log.make('appointment.cancelFollowing', { id: s.ids[2] }), actorStaffId: staff.desk },
    ]);
    expect(answer.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(
      await countAppointments(`data->>'seriesId' = $1 and status = 'booked'`, [s.ids[0]]),
    ).toBe(2);
    expect(
      await countAppointments(`id = any($1::uuid[]) and status = 'cancelled'`, [s.ids.slice(2)]),
    ).toBe(2);
  });

  it('refuses a technician, as appointment.book does', async () => {
    const v = visit(randomUUID(), '2026-12-06T15:00:00Z');
    const s = series('2026-12-06T17:00:00Z');
    const answer = await pushAll([
      { ...log.make('appointment.bookVisit', v), actorStaffId: staff.ana },
      { ...log.make('appointment.bookSeries', s), actorStaffId: staff.ana },
      {
        ...log.make('appointment.book', {
          id: randomUUID(),
          staffId: staff.ana,
          serviceId: service.manicure,
          start: '2026-12-06T19:00:00Z',
        }),
        actorStaffId: staff.ana,
      },
    ]);
    expect(answer.results.map((r) => [r.status, r.error?.code])).toEqual([
      ['rejected', 'FORBIDDEN_ROLE'],
      ['rejected', 'FORBIDDEN_ROLE'],
      ['rejected', 'FORBIDDEN_ROLE'],
    ]);
    expect(await countAppointments(`data->>'groupId' = $1`, [v.groupId])).toBe(0);
    expect(await countAppointments(`data->>'seriesId' = $1`, [s.ids[0]])).toBe(0);
  });

  it('refuses hostile sizes with a code, and the device’s next mutation still applies', async () => {
    const hugeVisit = {
      groupId: randomUUID(),
      start: '2026-12-07T15:00:00Z',
      items: Array.from({ length: 101 }, () => ({
        id: randomUUID(),
        serviceId: service.manicure,
        staffId: staff.ana,
      })),
    };
    const everyZero = { ...series('2026-12-07T18:00:00Z'), repeat: { everyWeeks: 0, count: 4 } };
    const tooMany = {
      ...series('2026-12-07T19:00:00Z'),
      ids: Array.from({ length: 27 }, () => randomUUID()),
      repeat: { everyWeeks: 1, count: 27 },
    };
    const next = visit(randomUUID(), '2026-12-08T15:00:00Z');
    const answer = await pushAll([
      log.make('appointment.bookVisit', hugeVisit),
      log.make('appointment.bookSeries', everyZero),
      log.make('appointment.bookSeries', tooMany),
      log.make('appointment.bookVisit', next),
    ]);
    expect(answer.results.map((r) => [r.status, r.error?.code])).toEqual([
      ['rejected', 'INVALID_ARGS'],
      ['rejected', 'INVALID_ARGS'],
      ['rejected', 'INVALID_ARGS'],
      ['applied', undefined],
    ]);
    expect(answer.lastMutationId).toBe(answer.results.at(-1)?.id);
    expect(await countAppointments(`data->>'groupId' = $1`, [hugeVisit.groupId])).toBe(0);
    expect(await countAppointments(`data->>'groupId' = $1`, [next.groupId])).toBe(2);
  });
});
