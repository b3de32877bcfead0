import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminQuery,
  createScaleDatabase,
  scaleAdminUrl,
  withDatabase,
  type ScaleDatabase,
} from '../scale/test-support/scale-db';
import {
  json,
  makeTestApp,
  MutationLog,
  pull,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { createShardDirectory, type ShardDirectory } from './directory';
import { moveOrganization } from './move';
import { createShardedDb, type ShardedDb } from './sharded-db';

const ROUTE_CACHE_MS = 300;

interface PullPage {
  cursor: number;
  hasMore: boolean;
  lastMutationId: number;
  changes: { entity: string; id: string; version: number; deleted: boolean }[];
}

async function countRows(url: string, sql: string, params: unknown[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const row = (await client.query<Record<string, unknown>>(sql, params)).rows[0]!;
    return Number(Object.values(row)[0]);
  } finally {
    await client.end();
  }
}

describe('tenant shards on two databases', () => {
  const admin = scaleAdminUrl();
  let shardA: ScaleDatabase;
  let shardB: ScaleDatabase;
  let directoryName: string;
  const dbs: ShardedDb[] = [];
  let us: FastifyInstance;
  let eu: FastifyInstance;

  const instance = async (region: string) => {
    const directory: ShardDirectory = createShardDirectory(withDatabase(admin, directoryName));
    const db = createShardedDb({
      directory,
      shards: new Map([
        ['us-1', await shardA.open()],
        ['eu-1', await shardB.open()],
      ]),
      region,
      routeCacheMs: ROUTE_CACHE_MS,
      pauseWaitMs: 30_000,
    });
    dbs.push(db);
    return makeTestApp(db, { env: { LOG_LEVEL: 'error' } });
  };

  beforeAll(async () => {
    shardA = await createScaleDatabase(admin, 'mango_scale_shard');
    shardB = await createScaleDatabase(admin, 'mango_scale_shard');
    directoryName = `mango_scale_dir_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    await adminQuery(admin, `create database "${directoryName}"`);
    const directory = createShardDirectory(withDatabase(admin, directoryName));
    try {
      await directory.ensureSchema();
      for (const [id, region, shard] of [
        ['us-1', 'us-east', shardA],
        ['eu-1', 'eu', shardB],
      ] as const) {
        await directory.upsertShard({
          id,
          region,
          primaryUrl: shard.appUrl,
          ownerUrl: shard.ownerUrl,
          replicaUrls: [],
          capacity: 100,
          accepting: true,
        });
      }
    } finally {
      await directory.close();
    }
    us = await instance('us-east');
    eu = await instance('eu');
  });

  afterAll(async () => {
    await us?.close();
    await eu?.close();
    for (const db of dbs) await db.close();
    await shardA?.drop();
    await shardB?.drop();
    if (directoryName)
      await adminQuery(admin, `drop database if exists "${directoryName}" with (force)`);
  });

  const clientsOn = (shard: ScaleDatabase, storeId: string) =>
    countRows(shard.ownerUrl, 'select count(*) from clients where store_id = $1', [storeId]);

  it('places organizations by region, and any instance routes requests to their shard', async () => {
    const salonUs = await signupStore(us, 'Boston');
    const salonEu = await signupStore(eu, 'Paris');
    expect(await dbs[0]!.shardOf(salonUs.organizationId)).toBe('us-1');
    expect(await dbs[0]!.shardOf(salonEu.organizationId)).toBe('eu-1');

    // Each through the other region's instance: instances are stateless.
    for (const [app, salon] of [
      [eu, salonUs],
      [us, salonEu],
    ] as const) {
      const log = new MutationLog(salon.deviceId);
      const res = await push(app, salon, salon.deviceId, [
        log.make('client.upsert', { id: randomUUID(), firstName: 'Ana', lastName: 'Lee' }),
      ]);
      expect(json<{ results: { status: string }[] }>(res).results[0]!.status).toBe('applied');
    }
    expect(await clientsOn(shardA, salonUs.storeId)).toBe(1);
    expect(await clientsOn(shardB, salonUs.storeId)).toBe(0);
    expect(await clientsOn(shardB, salonEu.storeId)).toBe(1);
    expect(await clientsOn(shardA, salonEu.storeId)).toBe(0);

    // Signing in finds the user on its shard.
    const login = await us.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: salonEu.session.user.email, password: 'correct horse battery' },
    });
    expect(login.statusCode).toBe(200);
  });

  it('moves an organization while its device keeps syncing: nothing lost, nothing doubled', async () => {
    const salon: TestStore = await signupStore(us, 'Mover');
    expect(await dbs[0]!.shardOf(salon.organizationId)).toBe('us-1');
    const log = new MutationLog(salon.deviceId);
    const apps = [us, eu];
    const TOTAL = 40;
    const clientIds: string[] = [];
    const mutations = Array.from({ length: TOTAL }, (_, i) => {
      const id = randomUUID();
      clientIds.push(id);
      return log.make('client.upsert', { id, firstName: `C${i}`, lastName: 'Moved' });
    });

    // The device: pushes two at a time, pulls incrementally, retries the same ids on 503.
    const local = new Map<string, number>();
    let cursor = 0;
    const pullAllFrom = async (app: FastifyInstance) => {
      for (;;) {
        const res = await pull(app, salon, salon.deviceId, cursor);
        if (res.statusCode === 503) continue;
        expect(res.statusCode, res.body).toBe(200);
        const page = json<PullPage>(res);
        for (const c of page.changes) {
          if (c.deleted) local.delete(`${c.entity}:${c.id}`);
          else local.set(`${c.entity}:${c.id}`, c.version);
        }
        cursor = page.cursor;
        if (!page.hasMore) return page.lastMutationId;
      }
    };
    let acknowledged = 0;
    // The last few mutations wait for the move to end, so some of the device's work always goes
    // to the new shard (a batched push is fast enough to finish all 40 before a move does).
    let moveOver = false;
    const device = (async () => {
      let turn = 0;
      while (acknowledged < TOTAL) {
        if (!moveOver && acknowledged >= TOTAL - 6) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const app = apps[turn++ % 2]!;
        const batch = mutations.slice(acknowledged, acknowledged + 2);
        const res = await push(app, salon, salon.deviceId, batch);
        if (res.statusCode === 503) continue;
        expect(res.statusCode, res.body).toBe(200);
        acknowledged = json<{ lastMutationId: number }>(res).lastMutationId;
        await pullAllFrom(app);
      }
    })();

    // Let some mutations land on the source first.
    while (local.size < 6) await new Promise((r) => setTimeout(r, 20));
    const directory = createShardDirectory(withDatabase(admin, directoryName));
    try {
      const report = await moveOrganization({
        directory,
        organizationId: salon.organizationId,
        targetShardId: 'eu-1',
        routeCacheMs: ROUTE_CACHE_MS,
      });
      expect(report).toMatchObject({ from: 'us-1', to: 'eu-1' });
      expect(report.rows).toMatchObject({ organizations: 1, stores: 1, devices: 1 });
    } finally {
      moveOver = true;
      await directory.close();
    }
    await device;

    expect(await dbs[1]!.shardOf(salon.organizationId)).toBe('eu-1');
    expect(await clientsOn(shardB, salon.storeId)).toBe(TOTAL);
    expect(await clientsOn(shardA, salon.storeId)).toBe(0);
    expect(
      await countRows(shardA.ownerUrl, 'select count(*) from stores where organization_id = $1', [
        salon.organizationId,
      ]),
    ).toBe(0);

    // The device's incremental copy (cursor kept across the move) equals a fresh full pull.
    const lastMutationId = await pullAllFrom(us);
    expect(lastMutationId).toBe(TOTAL);
    const clientsSeen = [...local.keys()]
      .filter((k) => k.startsWith('client:'))
      .map((k) => k.slice(7));
    expect(clientsSeen.sort()).toEqual([...clientIds].sort());
    const fresh = new Map<string, number>();
    let from = 0;
    for (;;) {
      const page = json<PullPage>(await pull(eu, salon, salon.deviceId, from));
      for (const c of page.changes) fresh.set(`${c.entity}:${c.id}`, c.version);
      from = page.cursor;
      if (!page.hasMore) break;
    }
    expect(fresh).toEqual(local);
    // Versions kept counting from where the source left them.
    const versions = [...fresh.values()];
    expect(new Set(versions).size).toBe(versions.length);
  });
});
