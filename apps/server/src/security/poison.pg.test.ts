import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  findUnsafeWireValue,
  MAX_QUANTITY,
  MAX_TICKET_TOTAL_CENTS,
  MUTATOR_NAMES,
} from '@mango/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine, makeTestDb, testEngines } from '../db/test-support/engines';
import { migrate, MIGRATIONS_DIR } from '../db/migrate';
import {
  json,
  makeTestApp,
  MutationLog,
  pull,
  pullAll,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

/**
 * One poisoned mutation must never stop a device's outbox: whatever a mutation holds, the push
 * answers 200 with `applied` or `rejected` for it (a coded rejection that advances
 * lastMutationId), and the mutations after it still apply. 503 is only for outages.
 */

interface PushAnswer {
  lastMutationId: number;
  results: { id: number; status: string; error?: { code: string; message: string } }[];
}

/** A fresh device of the store, so each case starts its own outbox at mutation 1. */
async function freshDevice(app: FastifyInstance, store: TestStore) {
  const deviceId = await registerDevice(app, store.storeId, store.auth);
  return { deviceId, log: new MutationLog(deviceId) };
}

const NUL = '\u0000';
const LONE_HIGH = '\ud800';
const LONE_LOW = '\udfff';

describeEachEngine('poisoned mutations are rejected, never 503', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;

  beforeAll(async () => {
    // PLAN_QUOTAS on: the quota lookup once answered "constructor" from Object.prototype.
    app = await makeTestApp(getDb(), { env: { PLAN_QUOTAS: 'true' } });
    store = await signupStore(app, 'Poison');
  });
  afterAll(async () => {
    await app.close();
  });

  /** Pushes [poison, a valid client.upsert] and checks the poison's code and that the next applies. */
  async function expectRejectedThenNextApplies(
    name: string,
    args: unknown,
    code: string,
    extra: Record<string, unknown> = {},
  ) {
    const { deviceId, log } = await freshDevice(app, store);
    const poison = { ...log.make(name, args as Record<string, unknown>), ...extra };
    const clientId = randomUUID();
    const valid = log.make('client.upsert', { id: clientId, firstName: 'After', lastName: 'It' });
    const res = await push(app, store, deviceId, [poison, valid]);
    expect(res.statusCode, res.body).toBe(200);
    const body = json<PushAnswer>(res);
    expect(body.lastMutationId).toBe(2);
    expect(body.results[0]).toMatchObject({ id: 1, status: 'rejected', error: { code } });
    expect(body.results[1]).toEqual({ id: 2, status: 'applied' });
    // The rejection is stored (so the desk sees it) and holds no unstorable text.
    const page = json<{ rejections: { id: number; code: string; message: string }[] }>(
      await pull(app, store, deviceId, 0),
    );
    const rejection = page.rejections.find((r) => r.id === 1);
    expect(rejection?.code).toBe(code);
    expect(findUnsafeWireValue(rejection)).toBeNull();
    return body.results[0]!.error!;
  }

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'a mutation named %s is UNKNOWN_MUTATION',
    async (name) => {
      await expectRejectedThenNextApplies(name, {}, 'UNKNOWN_MUTATION');
    },
  );

  it('names with a NUL or a lone surrogate are UNKNOWN_MUTATION, stored readable', async () => {
    const error = await expectRejectedThenNextApplies(`bad${NUL}name`, {}, 'UNKNOWN_MUTATION');
    expect(error.message).toContain('bad\uFFFDname');
    await expectRejectedThenNextApplies(`ticket.open${LONE_HIGH}`, {}, 'UNKNOWN_MUTATION');
  });

  it('a NUL or lone surrogate in an argument value or key is INVALID_TEXT naming the field', async () => {
    const error = await expectRejectedThenNextApplies(
      'store.updateSettings',
      { timeZone: `Bad${NUL}Zone` },
      'INVALID_TEXT',
    );
    expect(error.message).toContain('timeZone');
    await expectRejectedThenNextApplies(
      'store.updateSettings',
      { timeZone: `x${LONE_LOW}` },
      'INVALID_TEXT',
    );
    await expectRejectedThenNextApplies(
      'store.updateSettings',
      { [`name${NUL}`]: 'x' },
      'INVALID_TEXT',
    );
    const nested = await expectRejectedThenNextApplies(
      'client.upsert',
      { id: randomUUID(), firstName: 'Ana', lastName: 'B', notes: `latex${LONE_HIGH}allergy` },
      'INVALID_TEXT',
    );
    expect(nested.message).toContain('notes');
  });

  it('a "__proto__" key in the arguments is refused, never taken as a prototype', async () => {
    const args = JSON.parse(
      `{"id":"${randomUUID()}","lastName":"B","__proto__":{"firstName":"From the prototype"}}`,
    ) as Record<string, unknown>;
    const error = await expectRejectedThenNextApplies('client.upsert', args, 'INVALID_TEXT');
    expect(error.message).toContain('__proto__');
  });

  it('arguments nested past the depth limit are INVALID_TEXT', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 500; i++) deep = { d: deep };
    await expectRejectedThenNextApplies('client.upsert', { deep }, 'INVALID_TEXT');
  });

  it('a malformed envelope (clientTime, name, actor) rejects that mutation alone', async () => {
    await expectRejectedThenNextApplies('client.upsert', {}, 'INVALID_MUTATION', {
      clientTime: 'yesterday',
    });
    await expectRejectedThenNextApplies('x'.repeat(500), {}, 'INVALID_MUTATION');
    await expectRejectedThenNextApplies('client.upsert', {}, 'INVALID_MUTATION', {
      actorStaffId: 'not-a-uuid',
    });
    await expectRejectedThenNextApplies('client.upsert', {}, 'INVALID_MUTATION', {
      args: ['an', 'array'],
    });
  });

  it('a POSIX time zone such as UTC+3 is refused in settings', async () => {
    await expectRejectedThenNextApplies(
      'store.updateSettings',
      { timeZone: 'UTC+3' },
      'INVALID_SETTING',
    );
  });

  it('money beyond the bounds is refused; no sum can pass MAX_SAFE_INTEGER', async () => {
    const { deviceId, log } = await freshDevice(app, store);
    // The catalog refuses a $99,999,999.99 product (the overflow started from one).
    await expectRejectedThenNextApplies(
      'product.upsert',
      { id: randomUUID(), name: 'Gold', priceCents: 9_999_999_999, taxable: true, stockCount: 1 },
      'INVALID_ARGS',
    );
    const productId = randomUUID();
    const ticketId = randomUUID();
    const setup = await push(app, store, deviceId, [
      log.make('product.upsert', {
        id: productId,
        name: 'Chair',
        priceCents: 10_000_000,
        taxable: true,
        stockCount: 1_000_000,
      }),
      log.make('ticket.open', { id: ticketId }),
    ]);
    expect(json<PushAnswer>(setup).results.map((r) => r.status)).toEqual(['applied', 'applied']);
    // $100,000 × 999 is past the ticket cap: refused, and every later sale still applies.
    const lines = Array.from({ length: 30 }, () =>
      log.make('ticket.addLine', {
        ticketId,
        lineId: randomUUID(),
        kind: 'product',
        itemId: productId,
        quantity: MAX_QUANTITY,
      }),
    );
    const res = await push(app, store, deviceId, [
      ...lines,
      log.make('client.upsert', { id: randomUUID(), firstName: 'Still', lastName: 'Here' }),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const results = json<PushAnswer>(res).results;
    expect(results.slice(0, 30).every((r) => r.error?.code === 'AMOUNT_OUT_OF_RANGE')).toBe(true);
    expect(results[30]?.status).toBe('applied');
    const { replica } = await pullAll(app, store, deviceId);
    const ticket = replica.get(`ticket:${ticketId}`)?.data as { totalCents: number };
    expect(ticket.totalCents).toBeLessThanOrEqual(MAX_TICKET_TOTAL_CENTS);
  });
});

describeEachEngine('the text rule and time zones at the edge of every route', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Edge');
  });
  afterAll(async () => {
    await app.close();
  });

  const signup = (overrides: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: {
        organizationName: 'Org',
        storeName: 'Store',
        email: `edge-${randomUUID().slice(0, 8)}@example.com`,
        password: 'correct horse battery',
        ...overrides,
      },
    });

  it('a NUL in a sign-up, device, user or error-report field is 400 INVALID_TEXT', async () => {
    const cases = [
      () => signup({ organizationName: `Org${NUL}` }),
      () =>
        app.inject({
          method: 'POST',
          url: `/api/v1/stores/${store.storeId}/devices`,
          headers: store.auth,
          payload: { deviceId: randomUUID(), name: `Desk${NUL}` },
        }),
      () =>
        app.inject({
          method: 'POST',
          url: `/api/v1/stores/${store.storeId}/users`,
          headers: store.auth,
          payload: {
            email: `u-${randomUUID().slice(0, 6)}@example.com`,
            displayName: `Kim${LONE_HIGH}`,
            role: 'front_desk',
            password: 'correct horse battery',
          },
        }),
      () =>
        app.inject({
          method: 'POST',
          url: '/api/v1/client-errors',
          payload: { message: `boom${NUL}`, stack: 'x', url: 'http://localhost/' },
        }),
      () =>
        app.inject({
          method: 'GET',
          url: `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=0&x=%00`,
          headers: store.auth,
        }),
    ];
    for (const send of cases) {
      const res = await send();
      expect(res.statusCode, res.body).toBe(400);
      const body = json<{ error: { code: string; message: string; details: { field: string } } }>(
        res,
      );
      expect(body.error.code).toBe('INVALID_TEXT');
      expect(body.error.details.field.length).toBeGreaterThan(0);
    }
  });

  it.each(['UTC+3', 'Mars/Olympus', '+03:00'])(
    'sign-up with time zone %s is a 400, never a 500',
    async (timeZone) => {
      const res = await signup({ timeZone });
      expect(res.statusCode, res.body).toBe(400);
    },
  );

  it('sign-up with an IANA zone works and the store keeps it', async () => {
    const res = await signup({ timeZone: 'America/Port-au-Prince' });
    expect(res.statusCode, res.body).toBe(201);
  });
});

describe.each(testEngines())('migration 0010 repairs unusable time zones [%s]', (engine) => {
  it('a store signed up with UTC+3 gets UTC and a new version devices pull', async () => {
    const { db, close } = await makeTestDb({ engine, migrated: false });
    try {
      const before = await mkdtemp(join(tmpdir(), 'mango-migrations-'));
      for (const file of await readdir(MIGRATIONS_DIR)) {
        if (file.endsWith('.sql') && file < '0010')
          await cp(join(MIGRATIONS_DIR, file), join(before, file));
      }
      await migrate(db, { dir: before });
      const orgId = randomUUID();
      const storeId = randomUUID();
      await db.ownerTransaction(async (sql) => {
        await sql.query("insert into organizations (id, name) values ($1, 'Org')", [orgId]);
        await sql.query(
          "insert into stores (id, organization_id, name, time_zone) values ($1, $2, 'S', 'UTC+3')",
          [storeId, orgId],
        );
      });
      const versionBefore = await db.ownerTransaction(
        async (sql) =>
          (
            await sql.query<{ version: number }>('select version from stores where id = $1', [
              storeId,
            ])
          ).rows[0]!.version,
      );
      await migrate(db);
      const after = await db.ownerTransaction(
        async (sql) =>
          (
            await sql.query<{ time_zone: string; version: number }>(
              'select time_zone, version::int from stores where id = $1',
              [storeId],
            )
          ).rows[0]!,
      );
      expect(after.time_zone).toBe('UTC');
      expect(Number(after.version)).toBeGreaterThan(Number(versionBefore));
      // And the constraint refuses a POSIX zone from now on, even from an admin tool.
      await expect(
        db.ownerTransaction((sql) =>
          sql.query("update stores set time_zone = 'UTC+3' where id = $1", [storeId]),
        ),
      ).rejects.toThrow();
    } finally {
      await close();
    }
  });
});

/** Hostile strings: NUL, lone surrogates, injection, huge, and prototype names. */
const hostileText = fc.oneof(
  fc.constantFrom(
    NUL,
    LONE_HIGH,
    LONE_LOW,
    `a${NUL}b`,
    `${LONE_LOW}${LONE_HIGH}`,
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    "'; drop table stores; --",
    '\u202e',
    '😀',
    'x'.repeat(3000),
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);

const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, 0.5, -0.01, 1e21, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2),
);

const { value: hostileValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileText,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.uuid(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileText, tie('value'), { maxKeys: 4 }),
  ),
}));

/** Nesting far past any mutator's shape, now and then. */
const deepValue = fc.integer({ min: 20, max: 400 }).map((depth) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
});

const hostileArgs = fc.oneof(
  fc.dictionary(hostileText, hostileValue, { maxKeys: 6 }),
  // Keys of real mutators with hostile values: they get past "unknown field" to the rules.
  fc.record(
    {
      id: fc.oneof(fc.uuid(), hostileValue),
      ticketId: fc.oneof(fc.uuid(), hostileValue),
      name: hostileValue,
      firstName: hostileValue,
      lastName: fc.string(),
      priceCents: hostileNumber,
      amountCents: hostileNumber,
      quantity: hostileNumber,
      timeZone: fc.oneof(hostileText, fc.constantFrom('UTC+3', 'Europe/Paris')),
      deep: deepValue,
    },
    { requiredKeys: [] },
  ),
);

const hostileName = fc.oneof(fc.constantFrom(...MUTATOR_NAMES), hostileText);

const hostileMutation = fc.record({
  name: hostileName,
  args: hostileArgs,
  extra: fc.option(
    fc.constantFrom(
      { clientTime: 'not a time' },
      { actorStaffId: 'nope' },
      { surprise: true },
      { args: null },
    ),
    { nil: undefined },
  ),
});

describeEachEngine('fuzz: arbitrary mutations through the real push', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  beforeAll(async () => {
    app = await makeTestApp(getDb(), { env: { PLAN_QUOTAS: 'true' } });
    store = await signupStore(app, 'Fuzz');
  });
  afterAll(async () => {
    await app.close();
  });

  it('every answer is 200 with applied or rejected per mutation; the outbox always drains', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileMutation, { minLength: 1, maxLength: 8 }), async (batch) => {
        const { deviceId, log } = await freshDevice(app, store);
        const mutations = batch.map((m) => ({
          ...log.make(m.name, m.args as Record<string, unknown>),
          ...m.extra,
        }));
        const res = await push(app, store, deviceId, mutations);
        expect(res.statusCode, res.body).toBe(200);
        const body = json<PushAnswer>(res);
        expect(body.lastMutationId).toBe(mutations.length);
        expect(body.results.map((r) => r.id)).toEqual(mutations.map((m) => m.id));
        for (const r of body.results) {
          expect(['applied', 'rejected']).toContain(r.status);
          // MUTATION_FAILED is the safety net for a defect of ours: the fuzz must not reach it.
          expect(r.error?.code, r.error?.message).not.toBe('MUTATION_FAILED');
        }
        // A valid mutation right after still applies.
        const after = await push(app, store, deviceId, [
          log.make('client.upsert', { id: randomUUID(), firstName: 'Valid', lastName: 'After' }),
        ]);
        expect(json<PushAnswer>(after).results[0]?.status).toBe('applied');
      }),
      {
        numRuns: Number(process.env.POISON_FUZZ_RUNS ?? 150),
        seed: Number(process.env.FUZZ_SEED ?? 20261206),
      },
    );
    // Nothing stored holds a NUL or a lone surrogate: every synced row and rejection, as pulled.
    const { replica } = await pullAll(app, store, store.deviceId);
    for (const [key, row] of replica) expect(findUnsafeWireValue(row.data), key).toBeNull();
    const rejections = await getDb().ownerTransaction(
      async (sql) =>
        (
          await sql.query<{ name: string; message: string; details: unknown }>(
            'select name, message, details from rejected_mutations where store_id = $1',
            [store.storeId],
          )
        ).rows,
    );
    expect(rejections.length).toBeGreaterThan(0);
    for (const r of rejections) expect(findUnsafeWireValue(r)).toBeNull();
  });
});
