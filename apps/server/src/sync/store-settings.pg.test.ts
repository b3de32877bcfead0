import { randomUUID } from 'node:crypto';
import { mutators } from '@mango/domain';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { STORE_COLUMNS } from '../db/entity-tables';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

interface PushBody {
  results: { id: number; status: string; error?: { code: string; message: string } }[];
}

/**
 * Settings whose valid values the zod type cannot say (the mutator checks them against Intl).
 * Every other field's sample is derived from its zod type alone.
 */
const MEANINGFUL_SAMPLES: Record<string, unknown> = {
  currency: 'EUR',
  timeZone: 'Europe/Paris',
  onlineBooking: {
    enabled: true,
    slug: `kept-${Date.now().toString(36)}`,
    horizonDays: 30,
    minNoticeMin: 60,
    bufferMin: 10,
    serviceIds: [],
    staffIds: [],
  },
};

/**
 * A value for one updateSettings field that its schema accepts and that differs from what the
 * store has now, derived from the field's zod type so a field added later is covered without
 * touching this test. A type this cannot sample fails the test, asking for a sample.
 */
function sampleFor(field: string, schema: z.ZodType, current: unknown): unknown {
  let type: z.ZodType = schema;
  while (type instanceof z.ZodOptional || type instanceof z.ZodNullable) {
    type = type.unwrap() as z.ZodType;
  }
  let sample: unknown;
  if (field in MEANINGFUL_SAMPLES) {
    sample = MEANINGFUL_SAMPLES[field];
  } else if (type instanceof z.ZodBoolean) {
    sample = current !== true;
  } else if (type instanceof z.ZodNumber) {
    const min = type.minValue ?? 0;
    const max = type.maxValue ?? Number.MAX_SAFE_INTEGER;
    const base = typeof current === 'number' ? current : min;
    sample = base + 1234 <= max ? base + 1234 : Math.max(min, base - 1);
  } else if (type instanceof z.ZodString) {
    sample = `Kept ${field}`.slice(0, type.maxLength ?? undefined);
  } else if (type instanceof z.ZodEnum) {
    sample = (type.options as unknown[]).find((o) => o !== current);
  } else {
    throw new Error(
      `store.updateSettings.${field}: cannot derive a sample from its zod type; add one to MEANINGFUL_SAMPLES`,
    );
  }
  expect(schema.safeParse(sample).success, `sample for ${field} fits its schema`).toBe(true);
  expect(sample, `sample for ${field} differs from the store's current value`).not.toEqual(current);
  return sample;
}

/**
 * Arguments that are not settings of their own: a deprecated spelling the mutator converts into
 * another field (old app versions still send it). Only a field without a store column may be
 * listed here, and its push must change the field it stands for.
 */
const ARG_ALIASES: Record<string, string> = {
  taxRateBps: 'taxRatePpm',
};

const STORE_FIELDS = new Set<string>(STORE_COLUMNS.map((c) => c.field));

async function storeRow(app: FastifyInstance, store: TestStore) {
  const { replica } = await pullAll(app, store, store.deviceId);
  const row = replica.get(`store:${store.storeId}`)?.data;
  if (!row) throw new Error('the pull carried no store row');
  return row as Record<string, unknown>;
}

async function pushAll(
  app: FastifyInstance,
  store: TestStore,
  mutations: unknown[],
): Promise<PushBody['results']> {
  const res = await push(app, store, store.deviceId, mutations);
  expect(res.statusCode, res.body).toBe(200);
  return json<PushBody>(res).results;
}

describeEachEngine('store settings are kept', (getDb) => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
  });
  afterAll(async () => {
    await app.close();
  });

  it('every store.updateSettings field survives the push, a pull and a server restart', async () => {
    const store = await signupStore(app, 'Settings');
    const shape = mutators['store.updateSettings'].args.shape as Record<string, z.ZodType>;
    const fields = Object.keys(shape);
    expect(fields).toContain('strictBooking');
    for (const field of fields) {
      if (STORE_FIELDS.has(field)) continue;
      expect(ARG_ALIASES[field], `store.updateSettings.${field} has no store column`).toBeDefined();
    }
    // Aliases first, so the settings they stand for are then set to their own samples.
    const aliases = fields.filter((f) => !STORE_FIELDS.has(f));
    const settings = fields.filter((f) => STORE_FIELDS.has(f));
    const log = new MutationLog(store.deviceId);

    for (const field of aliases) {
      const target = ARG_ALIASES[field] ?? field;
      const before = await storeRow(app, store);
      const sample = sampleFor(field, shape[field] as z.ZodType, before[field]);
      const [result] = await pushAll(app, store, [
        log.make('store.updateSettings', { [field]: sample }),
      ]);
      expect(result, field).toMatchObject({ status: 'applied' });
      expect((await storeRow(app, store))[target], `${field} → ${target}`).not.toEqual(
        before[target],
      );
    }

    const before = await storeRow(app, store);
    const samples = Object.fromEntries(
      settings.map((field) => [field, sampleFor(field, shape[field] as z.ZodType, before[field])]),
    );
    // One mutation per field, so a rejection names the field.
    const results = await pushAll(
      app,
      store,
      settings.map((field) => log.make('store.updateSettings', { [field]: samples[field] })),
    );
    expect(results.map((r, i) => [settings[i], r.status, r.error?.message])).toEqual(
      settings.map((field) => [field, 'applied', undefined]),
    );

    expect(await storeRow(app, store)).toMatchObject(samples);

    // A new app over the same database: nothing was only in the first one's memory.
    const restarted = await makeTestApp(getDb());
    try {
      expect(await storeRow(restarted, store)).toMatchObject(samples);
    } finally {
      await restarted.close();
    }
  });

  it('enforces strict booking: an overlapping booking by the front desk is refused', async () => {
    const store = await signupStore(app, 'Strict');
    const log = new MutationLog(store.deviceId);
    const tech = randomUUID();
    const desk = randomUUID();
    const service = randomUUID();
    const first = randomUUID();
    const setup = await pushAll(app, store, [
      log.make('staff.upsert', { id: tech, displayName: 'Linh', role: 'technician', active: true }),
      log.make('staff.upsert', { id: desk, displayName: 'Dana', role: 'front_desk', active: true }),
      log.make('service.upsert', {
        id: service,
        name: 'Pedicure',
        durationMin: 60,
        priceCents: 4000,
        taxable: true,
      }),
      log.make('store.updateSettings', { strictBooking: true }),
      {
        ...log.make('appointment.book', {
          id: first,
          staffId: tech,
          serviceId: service,
          start: '2026-12-01T15:00:00.000Z',
        }),
        actorStaffId: desk,
      },
    ]);
    expect(setup.map((r) => r.status)).toEqual(Array(5).fill('applied'));

    const overlap = { staffId: tech, serviceId: service, start: '2026-12-01T15:30:00.000Z' };
    const [byDesk] = await pushAll(app, store, [
      { ...log.make('appointment.book', { id: randomUUID(), ...overlap }), actorStaffId: desk },
    ]);
    expect(byDesk).toMatchObject({ status: 'rejected', error: { code: 'STAFF_DOUBLE_BOOKED' } });

    // The owner's own account may double-book: the rule is the manager's approval, not a lock.
    const second = randomUUID();
    const [byOwner] = await pushAll(app, store, [
      log.make('appointment.book', { id: second, ...overlap }),
    ]);
    expect(byOwner).toMatchObject({ status: 'applied' });
    const { replica } = await pullAll(app, store, store.deviceId);
    expect(replica.get(`appointment:${second}`)?.data).toMatchObject({ conflict: true });
    expect(replica.get(`appointment:${first}`)?.data).toMatchObject({ conflict: true });
  });
});
