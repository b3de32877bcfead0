/**
 * The scale-out parts measured on this machine's PostgreSQL and Redis (docs/SCALING.md):
 *
 *   node --import tsx apps/server/src/scale/scale-bench.ts
 *
 * Prints a table and writes bench/results/scale-out.json. In-process (`app.inject`), so the
 * figures are server work without the network; the machine is shared, so compare rows of one run.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createRedisCache } from '../cache/redis-cache';
import type { Db } from '../db/db';
import { createRedisRateLimiter } from '../rate-limit/rate-limiter';
import {
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { startPgBouncer } from './test-support/pgbouncer';
import { createScaleDatabase } from './test-support/scale-db';
import { scaleEnv } from './test-support/scale-env';

const { TEST_DATABASE_URL: ADMIN, TEST_REDIS_URL: REDIS } = scaleEnv();
const CONCURRENCY = 8;

interface Row {
  scenario: string;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  dbTransactionsPerRequest: number;
  note?: string;
}

/** Counts transactions, to show what a cache saves the database. */
function counting(db: Db): Db & { count: number } {
  const wrapped = Object.create(db) as Db & { count: number };
  wrapped.count = 0;
  wrapped.transaction = (ctx, fn) => {
    wrapped.count++;
    return db.transaction(ctx, fn);
  };
  return wrapped;
}

async function measure(
  scenario: string,
  requests: number,
  db: Db & { count: number },
  send: (i: number) => Promise<void>,
  note?: string,
): Promise<Row> {
  const latencies: number[] = [];
  const before = db.count;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests) {
        const i = next++;
        const t = performance.now();
        await send(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.floor(q * (latencies.length - 1))]! * 10) / 10;
  return {
    scenario,
    requests,
    perSecond: Math.round(requests / seconds),
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    dbTransactionsPerRequest: Math.round(((db.count - before) / requests) * 100) / 100,
    ...(note ? { note } : {}),
  };
}

async function catalogRows(db: Db & { count: number }, redis: Redis): Promise<Row[]> {
  const rows: Row[] = [];
  const setups: [string, Parameters<typeof makeTestApp>[1]][] = [
    ['catalog read, cache off', { env: { READ_CACHE: 'false' } }],
    ['catalog read, in-process cache', {}],
    ['catalog read, Redis cache', { cache: createRedisCache(redis) }],
    [
      'catalog read, Redis cache + Redis rate limits',
      {
        cache: createRedisCache(redis),
        limiter: createRedisRateLimiter(redis),
        env: { API_RATE_LIMITS: 'true' },
      },
    ],
  ];
  for (const [scenario, opts] of setups) {
    const app = await makeTestApp(db, opts);
    // 16 free stores: 25 reads each plus the set-up stay under the free plan's 30 a minute.
    const stores: TestStore[] = [];
    for (let i = 0; i < 16; i++) {
      const s = await signupStore(app, `Bench${i}`);
      const log = new MutationLog(s.deviceId);
      await push(app, s, s.deviceId, [
        ...Array.from({ length: 8 }, (_, k) =>
          log.make('staff.upsert', {
            id: randomUUID(),
            displayName: `Tech ${k}`,
            role: 'technician',
            active: true,
          }),
        ),
        ...Array.from({ length: 30 }, (_, k) =>
          log.make('service.upsert', {
            id: randomUUID(),
            name: `Service ${k}`,
            durationMin: 30,
            priceCents: 2500 + k,
            taxable: true,
          }),
        ),
      ]);
      stores.push(s);
    }
    rows.push(
      await measure(scenario, 400, db, async (i) => {
        const s = stores[i % stores.length]!;
        const res = await app.inject({
          method: 'GET',
          url: `/api/v1/stores/${s.storeId}/catalog`,
          headers: s.auth,
        });
        if (res.statusCode !== 200) throw new Error(`${scenario}: ${res.statusCode} ${res.body}`);
      }),
    );
    await app.close();
  }
  return rows;
}

async function pushRow(scenario: string, db: Db, note?: string): Promise<Row> {
  const counted = counting(db);
  const app = await makeTestApp(counted);
  const stores = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, i) => signupStore(app, `Push${i}`)),
  );
  const logs = stores.map((s) => new MutationLog(s.deviceId));
  const row = await measure(
    scenario,
    400,
    counted,
    async (i) => {
      const k = i % stores.length;
      const s = stores[k]!;
      const res = await push(app, s, s.deviceId, [
        logs[k]!.make('client.upsert', { id: randomUUID(), firstName: 'A', lastName: `${i}` }),
      ]);
      if (res.statusCode !== 200) throw new Error(`${scenario}: ${res.statusCode}`);
    },
    note,
  );
  await app.close();
  return row;
}

async function main(): Promise<void> {
  const database = await createScaleDatabase(ADMIN, 'mango_scale_bench');
  const redis = new Redis(REDIS);
  const admin = new URL(ADMIN);
  const bouncer = await startPgBouncer({
    upstreamHost: admin.hostname,
    upstreamPort: Number(admin.port || 5432),
    poolSize: 4,
  });
  const rows: Row[] = [];
  try {
    const direct = counting(await database.open({ poolMax: 20 }));
    rows.push(...(await catalogRows(direct, redis)));
    rows.push(await pushRow('push (1 mutation), direct pool of 20', direct));
    const viaBouncer = await database.open({ via: (u) => bouncer.via(u), poolMax: 20 });
    rows.push(
      await pushRow(
        'push (1 mutation), pool of 20 through PgBouncer (4 server connections)',
        viaBouncer,
      ),
    );
    const pools = await bouncer.show('POOLS');
    const appPool = pools.find((p) => p.database === database.name && p.user === 'mango_app');
    rows.at(-1)!.note = `PgBouncer server connections used: ${
      Number(appPool?.sv_active ?? 0) +
      Number(appPool?.sv_idle ?? 0) +
      Number(appPool?.sv_used ?? 0)
    }`;
    await direct.close();
    await viaBouncer.close();
  } finally {
    redis.disconnect();
    await bouncer.stop();
    await database.drop();
  }
  console.table(rows);
  const out = path.resolve(import.meta.dirname, '../../../../bench/results/scale-out.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: { cpus: os.cpus().length, loadAverage1m: os.loadavg()[0] },
        concurrency: CONCURRENCY,
        rows,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`written ${out}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
