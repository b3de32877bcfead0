import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/db';
import {
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { startPgBouncer, type PgBouncerProcess } from './test-support/pgbouncer';
import { createScaleDatabase, scaleAdminUrl, type ScaleDatabase } from './test-support/scale-db';

const SERVER_CONNECTIONS = 2;
const APP_POOL = 10;
const STORES = 6;
const ROUNDS = 5;

describe('behind a real PgBouncer in transaction mode', () => {
  let bouncer: PgBouncerProcess;
  let database: ScaleDatabase;
  let db: Db;
  let app: FastifyInstance;

  beforeAll(async () => {
    const admin = new URL(scaleAdminUrl());
    database = await createScaleDatabase(admin.toString(), 'mango_scale_bouncer');
    // Two server connections for ten clients: every transaction lands on a connection another
    // tenant's transaction used just before, which is what would expose leaked session state.
    bouncer = await startPgBouncer({
      upstreamHost: admin.hostname,
      upstreamPort: Number(admin.port || 5432),
      poolSize: SERVER_CONNECTIONS,
    });
    db = await database.open({ via: (u) => bouncer.via(u), poolMax: APP_POOL });
    app = await makeTestApp(db);
  });

  afterAll(async () => {
    await app?.close();
    await db?.close();
    await bouncer?.stop();
    await database?.drop();
  });

  it('interleaved stores pushing and pulling concurrently never see each other’s rows', async () => {
    const stores: TestStore[] = [];
    for (let i = 0; i < STORES; i++) stores.push(await signupStore(app, `Bounce${i}`));
    const logs = stores.map((s) => new MutationLog(s.deviceId));
    const clientIds = stores.map(() => new Set<string>());

    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        stores.map(async (store, i) => {
          const id = randomUUID();
          clientIds[i]!.add(id);
          const res = await push(app, store, store.deviceId, [
            logs[i]!.make('client.upsert', {
              id,
              firstName: `Store${i}`,
              lastName: `Round${round}`,
            }),
          ]);
          expect(res.statusCode, res.body).toBe(200);
          expect(json<{ results: { status: string }[] }>(res).results[0]!.status).toBe('applied');
          // A pull of another store right behind the push, on the same few server connections.
          const other = stores[(i + 1) % STORES]!;
          const seen = await pullAll(app, other, other.deviceId);
          for (const key of seen.replica.keys()) {
            if (key.startsWith('client:')) expect(clientIds[i]!.has(key.slice(7))).toBe(false);
          }
        }),
      );
    }

    for (const [i, store] of stores.entries()) {
      const { replica, lastMutationId } = await pullAll(app, store, store.deviceId);
      const clients = [...replica.keys()].filter((k) => k.startsWith('client:'));
      expect(new Set(clients.map((k) => k.slice(7)))).toEqual(clientIds[i]);
      expect(lastMutationId).toBe(ROUNDS);
      for (const k of clients)
        expect((replica.get(k)!.data as { firstName: string }).firstName).toBe(`Store${i}`);
    }

    const pools = await bouncer.show('POOLS');
    const appPool = pools.find((p) => p.database === database.name && p.user === 'mango_app');
    expect(appPool, JSON.stringify(pools)).toBeDefined();
    const serverConnections =
      Number(appPool!.sv_active) + Number(appPool!.sv_idle) + Number(appPool!.sv_used);
    expect(serverConnections).toBeLessThanOrEqual(SERVER_CONNECTIONS);
    const stats = await bouncer.show('STATS');
    const dbStats = stats.find((s) => s.database === database.name);
    // Every push and pull was at least one transaction through the bouncer.
    expect(Number(dbStats?.total_xact_count)).toBeGreaterThan(STORES * ROUNDS * 2);
  });

  it('leaves no tenant setting on a server connection for the next transaction', async () => {
    const store = await signupStore(app, 'Leak');
    const probes = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? db.transaction({ storeId: store.storeId }, async (sql) => {
            const r = await sql.query<{ s: string }>(
              "select current_setting('app.store_id', true) as s",
            );
            return { withContext: true, setting: r.rows[0]!.s, storesSeen: -1 };
          })
        : db.transaction(null, async (sql) => {
            const r = await sql.query<{ s: string | null }>(
              "select current_setting('app.store_id', true) as s",
            );
            const rows = await sql.query<{ n: number }>('select count(*)::int as n from clients');
            return { withContext: false, setting: r.rows[0]!.s ?? '', storesSeen: rows.rows[0]!.n };
          }),
    );
    const results = await Promise.all(probes);
    for (const r of results) {
      if (r.withContext) expect(r.setting).toBe(store.storeId);
      else {
        expect(r.setting).toBe('');
        expect(r.storesSeen).toBe(0);
      }
    }
  });
});
