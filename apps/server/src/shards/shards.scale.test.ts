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
import { json, makeTestApp, MutationLog, push, signupStore } from '../test-support/test-app';
import { createShardDirectory, type ShardDirectory } from './directory';
import { createShardedDb, type ShardedDb } from './sharded-db';

const ROUTE_CACHE_MS = 300;

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
});
