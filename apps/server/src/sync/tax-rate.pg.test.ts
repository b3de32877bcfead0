import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionResponse } from '@mango/protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine, makeTestDb, testEngines } from '../db/test-support/engines';
import { migrate, MIGRATIONS_DIR } from '../db/migrate';
import {
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

interface PushResult {
  id: number;
  status: string;
  error?: { code: string; message: string };
}

async function pushAll(app: FastifyInstance, store: TestStore, log: MutationLog, m: unknown[]) {
  const res = await push(app, store, log.deviceId, m);
  expect(res.statusCode, res.body).toBe(200);
  return json<{ results: PushResult[] }>(res).results;
}

async function pulled(app: FastifyInstance, store: TestStore, key: string) {
  const { replica } = await pullAll(app, store, store.deviceId);
  return replica.get(key)?.data as Record<string, unknown> | undefined;
}

describeEachEngine('tax rates with three decimals', (getDb) => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
  });
  afterAll(async () => {
    await app.close();
  });

  /** A taxable $5.00 service and an open ticket. */
  function ticketSetup(log: MutationLog) {
    const serviceId = randomUUID();
    const ticketId = randomUUID();
    const mutations = [
      log.make('service.upsert', {
        id: serviceId,
        name: 'Polish change',
        durationMin: 15,
        priceCents: 500,
        taxable: true,
      }),
      log.make('ticket.open', { id: ticketId }),
    ];
    const addLine = () =>
      log.make('ticket.addLine', {
        ticketId,
        lineId: randomUUID(),
        kind: 'service',
        itemId: serviceId,
      });
    return { ticketId, mutations, addLine };
  }

  it('taxes a ticket at 8.875 % to the cent on the server, and the rate survives a pull', async () => {
    const store = await signupStore(app, 'Nyc');
    const log = new MutationLog(store.deviceId);
    const settings = log.make('store.updateSettings', { taxRatePpm: 88_750 });
    const { ticketId, mutations, addLine } = ticketSetup(log);
    const results = await pushAll(app, store, log, [settings, ...mutations, addLine(), addLine()]);
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('applied'));

    expect(await pulled(app, store, `store:${store.storeId}`)).toMatchObject({
      taxRatePpm: 88_750,
    });
    // Two $5.00 lines: 8.875 % of $10.00 = 88.75¢ → 89¢ once for the ticket (per line: 2 × 44¢).
    expect(await pulled(app, store, `ticket:${ticketId}`)).toMatchObject({
      subtotalCents: 1000,
      taxCents: 89,
      taxRatePpm: 88_750,
      totalCents: 1089,
    });
    const row = await pulled(app, store, `store:${store.storeId}`);
    expect(row).not.toHaveProperty('taxRateBps');

    // A second device hydrating from scratch gets the same rate.
    const other = await registerDevice(app, store.storeId, store.auth);
    const { replica } = await pullAll(app, store, other);
    expect(replica.get(`store:${store.storeId}`)?.data).toMatchObject({ taxRatePpm: 88_750 });
  });

  it("still applies an older app version's taxRateBps, converted exactly", async () => {
    const store = await signupStore(app, 'Legacy');
    const log = new MutationLog(store.deviceId);
    const { ticketId, mutations, addLine } = ticketSetup(log);
    const results = await pushAll(app, store, log, [
      ...mutations,
      addLine(),
      log.make('store.updateSettings', { taxRateBps: 825 }),
      addLine(),
      addLine(),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(6).fill('applied'));
    expect(await pulled(app, store, `store:${store.storeId}`)).toMatchObject({
      taxRatePpm: 82_500,
    });
    // $15.00 at 8.25 % = 123.75¢ → 124¢: recomputed with the converted rate.
    expect(await pulled(app, store, `ticket:${ticketId}`)).toMatchObject({
      subtotalCents: 1500,
      taxCents: 124,
      taxRatePpm: 82_500,
    });

    const [both] = await pushAll(app, store, log, [
      log.make('store.updateSettings', { taxRatePpm: 88_750, taxRateBps: 887 }),
    ]);
    expect(both).toMatchObject({ status: 'rejected', error: { code: 'INVALID_ARGS' } });
    expect(await pulled(app, store, `store:${store.storeId}`)).toMatchObject({
      taxRatePpm: 82_500,
    });
  });

  it('signs up with a ppm rate, or the deprecated basis points, never both', async () => {
    const signup = (extra: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: {
          organizationName: 'Tax Org',
          storeName: 'Tax Store',
          email: `tax-${randomUUID().slice(0, 8)}@example.com`,
          password: 'correct horse battery',
          ...extra,
        },
      });
    const rateAfterSignup = async (extra: Record<string, unknown>) => {
      const res = await signup(extra);
      expect(res.statusCode, res.body).toBe(201);
      const session = json<SessionResponse>(res);
      const storeId = session.stores[0]!.id;
      const auth = { authorization: `Bearer ${session.accessToken}` };
      const deviceId = await registerDevice(app, storeId, auth);
      const { replica } = await pullAll(app, { storeId, auth }, deviceId);
      return (replica.get(`store:${storeId}`)?.data as { taxRatePpm: number }).taxRatePpm;
    };
    expect(await rateAfterSignup({ taxRatePpm: 88_750 })).toBe(88_750);
    expect(await rateAfterSignup({ taxRateBps: 825 })).toBe(82_500);
    expect(await rateAfterSignup({})).toBe(0);
    const both = await signup({ taxRatePpm: 82_500, taxRateBps: 825 });
    expect(both.statusCode, both.body).toBe(400);
    expect((await signup({ taxRatePpm: 1_000_001 })).statusCode).toBe(400);
  });
});

describe.each(testEngines())('migration 0011 moves tax rates to ppm [%s]', (engine) => {
  it('converts every store exactly and versions it so devices pull the new field', async () => {
    const { db, close } = await makeTestDb({ engine, migrated: false });
    try {
      const before = await mkdtemp(join(tmpdir(), 'mango-migrations-'));
      for (const file of await readdir(MIGRATIONS_DIR)) {
        if (file.endsWith('.sql') && file < '0011')
          await cp(join(MIGRATIONS_DIR, file), join(before, file));
      }
      await migrate(db, { dir: before });
      const orgId = randomUUID();
      const stores = { taxed: randomUUID(), odd: randomUUID(), free: randomUUID() };
      await db.ownerTransaction(async (sql) => {
        await sql.query("insert into organizations (id, name) values ($1, 'Org')", [orgId]);
        for (const [id, bps] of [
          [stores.taxed, 825],
          [stores.odd, 887],
          [stores.free, 0],
        ] as const) {
          await sql.query(
            "insert into stores (id, organization_id, name, tax_rate_bps) values ($1, $2, 'S', $3)",
            [id, orgId, bps],
          );
        }
      });
      type Versions = { id: string; version: string; settings_version: string };
      const versions = async () =>
        db.ownerTransaction(
          async (sql) =>
            (
              await sql.query<Versions>(
                'select id, version::text, settings_version::text from stores where organization_id = $1',
                [orgId],
              )
            ).rows,
        );
      const old = new Map((await versions()).map((r) => [r.id, r]));

      await migrate(db);

      const after = await db.ownerTransaction(
        async (sql) =>
          (
            await sql.query<Versions & { tax_rate_ppm: number }>(
              'select id, tax_rate_ppm, version::text, settings_version::text from stores where organization_id = $1',
              [orgId],
            )
          ).rows,
      );
      const rate = new Map(after.map((r) => [r.id, r.tax_rate_ppm]));
      expect(rate.get(stores.taxed)).toBe(82_500);
      expect(rate.get(stores.odd)).toBe(88_700);
      expect(rate.get(stores.free)).toBe(0);
      for (const r of after) {
        // Also the 0 % store: its value is unchanged, but devices hold a row without the field.
        expect(BigInt(r.version)).toBe(BigInt(old.get(r.id)!.version) + 1n);
        expect(r.settings_version).toBe(r.version);
      }

      const columns = await db.ownerTransaction(
        async (sql) =>
          (
            await sql.query<{ column_name: string }>(
              "select column_name from information_schema.columns where table_name = 'stores' and column_name like 'tax_rate%'",
            )
          ).rows,
      );
      expect(columns.map((c) => c.column_name)).toEqual(['tax_rate_ppm']);

      // An admin-tool change of the new column still versions the store (stores_before_write).
      const bumped = await db.ownerTransaction(
        async (sql) =>
          (
            await sql.query<{ version: string }>(
              'update stores set tax_rate_ppm = 88750 where id = $1 returning version::text',
              [stores.taxed],
            )
          ).rows[0]!,
      );
      expect(BigInt(bumped.version)).toBeGreaterThan(
        BigInt(after.find((r) => r.id === stores.taxed)!.version),
      );
      await expect(
        db.ownerTransaction((sql) =>
          sql.query('update stores set tax_rate_ppm = 1000001 where id = $1', [stores.taxed]),
        ),
      ).rejects.toThrow();
    } finally {
      await close();
    }
  });
});
