import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgCluster, type PgCluster } from '../../../../test-support/pg-cluster';
import { openDb, type Db } from '../db/db';
import { migrate } from '../db/migrate';
import { HttpError } from '../http/errors';
import { adminQuery, scaleAdminUrl, withDatabase } from '../scale/test-support/scale-db';
import {
  json,
  makeTestApp,
  MutationLog,
  pull,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { createShardDirectory, type ShardDirectory } from './directory';
import { cancelMove, moveOrganization, type MoveOptions } from './move';
import { connectShard } from './move-shards';
import { MOVE_STEPS, type MoveStep } from './move-plan';
import { createShardedDb, type ShardedDb } from './sharded-db';

const ROUTE_CACHE_MS = 300;
const REPO_ROOT = path.resolve(import.meta.dirname, '../../../..');

/** A throwaway cluster able to publish (wal_level = logical) and subscribe. */
async function logicalCluster(): Promise<PgCluster> {
  const cluster = await createPgCluster({
    prefix: 'mango-move-',
    settings: {
      wal_level: 'logical',
      max_replication_slots: '20',
      max_wal_senders: '20',
      max_worker_processes: '20',
      max_logical_replication_workers: '12',
      max_sync_workers_per_subscription: '4',
    },
  });
  cluster.start();
  cluster.psql('create database mango');
  return cluster;
}

const openShardDb = (cluster: PgCluster): Promise<Db> =>
  openDb({
    kind: 'postgres',
    url: withDatabase(cluster.url(), 'mango', 'mango_app'),
    ownerUrl: withDatabase(cluster.url(), 'mango'),
    poolMax: 4,
    connectionTimeoutMs: 10_000,
    statementTimeoutMs: 30_000,
    idleTimeoutMs: 1_000,
  });

async function query<R extends pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

class CrashAt extends Error {}
/** Options that make the mover stop after `step` as if its process had died there. */
const crashAt = (step: MoveStep): Partial<MoveOptions> => ({
  afterStep: (s) => {
    if (s === step) throw new CrashAt(s);
  },
});

interface PullPage {
  cursor: number;
  hasMore: boolean;
  changes: { entity: string; id: string; version: number; deleted: boolean }[];
}

/** Pulls from `cursor` to the end into `into` (entity:id → version); returns the new cursor. */
async function pullInto(
  app: FastifyInstance,
  salon: TestStore,
  deviceId: string,
  cursor: number,
  into: Map<string, number>,
): Promise<number> {
  for (;;) {
    const res = await pull(app, salon, deviceId, cursor);
    if (res.statusCode === 503) continue;
    expect(res.statusCode, res.body).toBe(200);
    const page = json<PullPage>(res);
    for (const c of page.changes) {
      if (c.deleted) into.delete(`${c.entity}:${c.id}`);
      else into.set(`${c.entity}:${c.id}`, c.version);
    }
    cursor = page.cursor;
    if (!page.hasMore) return cursor;
  }
}

describe('tenant moves on logical replication between two clusters', () => {
  const admin = scaleAdminUrl();
  const clusters: PgCluster[] = [];
  let a: PgCluster;
  let b: PgCluster;
  let directoryName: string;
  let directory: ShardDirectory;
  const dbs: ShardedDb[] = [];
  const apps: FastifyInstance[] = [];

  const urlOf = (cluster: PgCluster) => withDatabase(cluster.url(), 'mango');
  const count = async (cluster: PgCluster, sql: string, params: unknown[] = []) =>
    Number(Object.values((await query(urlOf(cluster), sql, params))[0]!)[0]);
  /** Publications, slots and subscriptions left on a cluster (a finished move leaves none). */
  const replicationObjects = (cluster: PgCluster) =>
    count(
      cluster,
      `select (select count(*) from pg_publication) + (select count(*) from pg_replication_slots)
            + (select count(*) from pg_subscription)`,
    );
  const orgRows = (cluster: PgCluster, organizationId: string) =>
    count(
      cluster,
      `select (select count(*) from organizations where id = $1)
            + (select count(*) from stores where organization_id = $1)
            + (select count(*) from users where organization_id = $1)
            + (select count(*) from devices where organization_id = $1)
            + (select count(*) from clients c join stores s on s.id = c.store_id where s.organization_id = $1)
            + (select count(*) from push_audit where organization_id = $1)`,
      [organizationId],
    );
  const shardOf = async (organizationId: string) =>
    (await directory.route(organizationId))!.shardId;

  /**
   * No move under way and nothing left of one: the organization on `shardId`, not paused, with
   * `rows` rows there and none on the other shard, and no publication, slot or subscription.
   */
  const expectSettled = async (organizationId: string, shardId: 'a' | 'b', rows: number) => {
    const [here, there] = shardId === 'a' ? [a, b] : [b, a];
    expect(await directory.route(organizationId)).toMatchObject({ shardId, paused: false });
    expect(await directory.currentMove(organizationId)).toBeUndefined();
    expect(await orgRows(here, organizationId)).toBe(rows);
    expect(await orgRows(there, organizationId)).toBe(0);
    expect(await replicationObjects(a)).toBe(0);
    expect(await replicationObjects(b)).toBe(0);
  };

  const move = (organizationId: string, targetShardId: string, extra: Partial<MoveOptions> = {}) =>
    moveOrganization({
      directory,
      organizationId,
      targetShardId,
      routeCacheMs: ROUTE_CACHE_MS,
      ...extra,
    });

  beforeAll(async () => {
    a = await logicalCluster();
    clusters.push(a);
    b = await logicalCluster();
    clusters.push(b);
    for (const c of clusters) {
      const db = await openShardDb(c);
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
    }
    directoryName = `mango_scale_movedir_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    await adminQuery(admin, `create database "${directoryName}"`);
    directory = createShardDirectory(withDatabase(admin, directoryName));
    await directory.ensureSchema();
    for (const [id, cluster, accepting] of [
      ['a', a, true],
      ['b', b, false],
      // A third shard on b's database, for a move that conflicts with one under way.
      ['c', b, false],
    ] as const) {
      await directory.upsertShard({
        id,
        region: 'r',
        primaryUrl: withDatabase(cluster.url(), 'mango', 'mango_app'),
        ownerUrl: urlOf(cluster),
        replicaUrls: [],
        capacity: 100,
        accepting,
      });
    }
    for (let i = 0; i < 2; i++) {
      const db = createShardedDb({
        directory: createShardDirectory(withDatabase(admin, directoryName)),
        shards: new Map([
          ['a', await openShardDb(a)],
          ['b', await openShardDb(b)],
        ]),
        region: 'r',
        routeCacheMs: ROUTE_CACHE_MS,
        pauseWaitMs: 30_000,
      });
      dbs.push(db);
      // Heads off: two instances without a shared Redis would each answer quiet pulls from their
      // own heads, which lag the other's pushes for up to SYNC_HEAD_TTL_SEC (never lose them).
      apps.push(await makeTestApp(db, { env: { LOG_LEVEL: 'error', SYNC_HEAD_TTL_SEC: '0' } }));
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const db of dbs) await db.close();
    await directory?.close();
    if (directoryName)
      await adminQuery(admin, `drop database if exists "${directoryName}" with (force)`);
    for (const c of clusters) c.destroy();
  });

  /** A salon on shard a with `n` clients pushed. */
  async function salonWithClients(n: number): Promise<{ salon: TestStore; log: MutationLog }> {
    const salon = await signupStore(apps[0]!, 'Moving');
    const log = new MutationLog(salon.deviceId);
    if (n > 0) {
      const res = await push(
        apps[0]!,
        salon,
        salon.deviceId,
        Array.from({ length: n }, (_, i) =>
          log.make('client.upsert', { id: randomUUID(), firstName: `C${i}`, lastName: 'Lee' }),
        ),
      );
      expect(res.statusCode, res.body).toBe(200);
    }
    expect(await shardOf(salon.organizationId)).toBe('a');
    return { salon, log };
  }

  it('moves an organization while its devices push at a steady rate: 0 lost, 0 duplicated', async () => {
    const salon = await signupStore(apps[0]!, 'Busy');
    const devices = [
      salon.deviceId,
      await registerDevice(apps[0]!, salon.storeId, salon.auth),
      await registerDevice(apps[0]!, salon.storeId, salon.auth),
    ];
    // The ledger: every mutation a device got acknowledged, with the client it created.
    const acked: { deviceId: string; mutationId: number; clientId: string }[] = [];
    const longestWait = new Map<string, number>(devices.map((d) => [d, 0]));
    let retries = 0;
    let moveOver = false;
    let afterMove = 0;
    const local = new Map<string, number>();
    let cursor = 0;
    const device = async (deviceId: string, k: number) => {
      const log = new MutationLog(deviceId);
      let turn = k;
      // Until the move is over and each device has pushed 10 more on the new shard.
      while (!moveOver || afterMove < 30) {
        const clientId = randomUUID();
        const m = log.make('client.upsert', { id: clientId, firstName: 'Ledger', lastName: 'X' });
        const started = Date.now();
        for (;;) {
          const res = await push(apps[turn++ % 2]!, salon, deviceId, [m]);
          if (res.statusCode === 503) {
            retries++;
            continue; // the same mutation id again, as a device does
          }
          expect(res.statusCode, res.body).toBe(200);
          expect(json<{ lastMutationId: number }>(res).lastMutationId).toBe(m.id);
          break;
        }
        longestWait.set(deviceId, Math.max(longestWait.get(deviceId)!, Date.now() - started));
        acked.push({ deviceId, mutationId: m.id, clientId });
        // The first device also pulls after each push, its cursor kept across the move.
        if (k === 0) cursor = await pullInto(apps[turn % 2]!, salon, deviceId, cursor, local);
        if (moveOver) afterMove++;
        await new Promise((r) => setTimeout(r, 40)); // about 20 mutations a second in all
      }
    };
    const load = Promise.all(devices.map((d, k) => device(d, k)));

    while (acked.length < 30) await new Promise((r) => setTimeout(r, 20));
    const steps: string[] = [];
    const report = await move(salon.organizationId, 'b', { log: (l) => steps.push(l) }).finally(
      () => {
        moveOver = true;
      },
    );
    await load;

    expect(report).toMatchObject({ from: 'a', to: 'b' });
    expect(report.rows).toMatchObject({ organizations: 1, stores: 1, devices: 3 });
    expect(await shardOf(salon.organizationId)).toBe('b');
    // The ledger check: each acknowledged mutation is on the target exactly once.
    const clientIds = acked.map((x) => x.clientId);
    expect(
      await count(b, 'select count(*) from clients where store_id = $1 and id = any($2::uuid[])', [
        salon.storeId,
        clientIds,
      ]),
    ).toBe(acked.length);
    const audited = await query<{ device_id: string; m: string; n: number }>(
      urlOf(b),
      `select device_id, m::text, count(*)::int as n
         from push_audit, generate_series(first_mutation_id, last_mutation_id) m
        where store_id = $1 group by 1, 2`,
      [salon.storeId],
    );
    const seen = new Map(audited.map((r) => [`${r.device_id}:${r.m}`, r.n]));
    const lost = acked.filter((x) => !seen.has(`${x.deviceId}:${x.mutationId}`)).length;
    const duplicated = audited.filter((r) => r.n > 1).length;
    const unacknowledged = audited.length - acked.length;
    expect({ lost, duplicated, unacknowledged }).toEqual({
      lost: 0,
      duplicated: 0,
      unacknowledged: 0,
    });
    for (const d of devices) {
      const [row] = await query<{ last_mutation_id: number }>(
        urlOf(b),
        'select last_mutation_id from devices where id = $1',
        [d],
      );
      expect(Number(row!.last_mutation_id)).toBe(acked.filter((x) => x.deviceId === d).length);
    }
    // The first device's incremental copy equals a fresh full pull from the new shard, and
    // versions kept counting from where the source left them.
    await pullInto(apps[1]!, salon, devices[0]!, cursor, local);
    const fresh = new Map<string, number>();
    await pullInto(apps[0]!, salon, devices[0]!, 0, fresh);
    expect(fresh).toEqual(local);
    expect(clientIds.every((id) => local.has(`client:${id}`))).toBe(true);
    const versions = clientIds.map((id) => local.get(`client:${id}`));
    expect(new Set(versions).size).toBe(versions.length);
    // Nothing of it is left on the source, nor any replication object on either side.
    expect(await orgRows(a, salon.organizationId)).toBe(0);
    expect(await replicationObjects(a)).toBe(0);
    expect(await replicationObjects(b)).toBe(0);

    const longest = Math.max(...longestWait.values());
    const result = {
      devices: devices.length,
      acknowledged: acked.length,
      lost,
      duplicated,
      retriedOn503: retries,
      moverPausedMs: report.pausedMs,
      longestDeviceWaitMs: longest,
      routeCacheMs: ROUTE_CACHE_MS,
      rowsMoved: Object.values(report.rows).reduce((x, y) => x + y, 0),
      pause: steps.find((l) => l.includes('writes paused')),
      at: new Date().toISOString(),
    };
    console.log(
      `shard move under load: ${acked.length} mutations acknowledged by ${devices.length} devices, ` +
        `${lost} lost, ${duplicated} duplicated; writes paused ${report.pausedMs} ms by the mover, ` +
        `longest write pause a device saw: ${longest} ms`,
    );
    mkdirSync(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
    writeFileSync(
      path.join(REPO_ROOT, 'bench/results/shard-move.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
  });

  const crashSteps = MOVE_STEPS.filter((s) => s !== 'done');
  it.each(crashSteps)(
    'resumes after the mover dies right after step %s',
    async (step: MoveStep) => {
      const { salon, log } = await salonWithClients(5);
      const before = await orgRows(a, salon.organizationId);
      await expect(move(salon.organizationId, 'b', crashAt(step))).rejects.toBeInstanceOf(CrashAt);
      expect((await directory.currentMove(salon.organizationId))?.step).toBe(step);
      if (step === 'switched' || step === 'verified') {
        // Past the switch: it works on the target already, and cannot be cancelled.
        await expect(
          cancelMove({ directory, organizationId: salon.organizationId }),
        ).rejects.toMatchObject({ code: 'MOVE_PAST_SWITCH' });
      }

      const report = await move(salon.organizationId, 'b');
      expect(report.resumedAfter).toBe(step);
      await expectSettled(salon.organizationId, 'b', before);
      // And it keeps working there.
      const res = await push(apps[1]!, salon, salon.deviceId, [
        log.make('client.upsert', { id: randomUUID(), firstName: 'After', lastName: 'Move' }),
      ]);
      expect(res.statusCode, res.body).toBe(200);
      expect(await orgRows(b, salon.organizationId)).toBe(before + 2); // the client, its audit
    },
  );

  it('lifts the pause when the last changes are late, and the move resumes later', async () => {
    const { salon, log } = await salonWithClients(3);
    const before = await orgRows(a, salon.organizationId);
    // The source answers as if the subscription never applied past the pause's position.
    let positionChecks = 0;
    const late: MoveOptions['connect'] = async (url) => {
      const session = await connectShard(url);
      return {
        ...session,
        query: async (text, params) =>
          text.includes('pg_stat_replication') && ++positionChecks > 1
            ? ([{ ok: false }] as never[])
            : session.query(text, params),
      };
    };
    await expect(
      move(salon.organizationId, 'b', { connect: late, catchUpTimeoutMs: 200 }),
    ).rejects.toMatchObject({ statusCode: 503, code: 'MOVE_TIMEOUT' });
    expect(await directory.route(salon.organizationId)).toMatchObject({
      shardId: 'a',
      paused: false,
    });
    expect((await directory.currentMove(salon.organizationId))?.step).toBe('synced');
    const res = await push(apps[0]!, salon, salon.deviceId, [
      log.make('client.upsert', { id: randomUUID(), firstName: 'Still', lastName: 'Here' }),
    ]);
    expect(res.statusCode, res.body).toBe(200);

    expect((await move(salon.organizationId, 'b')).resumedAfter).toBe('synced');
    expect(await orgRows(b, salon.organizationId)).toBe(before + 2);
    expect(await orgRows(a, salon.organizationId)).toBe(0);
  });

  it('stops at a failed check with the source rows kept, until a person clears it', async () => {
    const { salon } = await salonWithClients(3);
    await expect(move(salon.organizationId, 'b', crashAt('switched'))).rejects.toBeInstanceOf(
      CrashAt,
    );
    // A row on the source that never reached the target.
    const stray = randomUUID();
    await query(
      urlOf(a),
      `insert into clients (store_id, id, version, data, first_name, last_name)
       values ($1, $2, 1, '{}', 'Stray', 'Row')`,
      [salon.storeId, stray],
    );
    const kept = await orgRows(a, salon.organizationId);
    for (let run = 0; run < 2; run++) {
      await expect(move(salon.organizationId, 'b')).rejects.toMatchObject({
        statusCode: 409,
        code: 'MOVE_CHECK_FAILED',
        details: { tables: ['clients'] },
      });
      expect(await orgRows(a, salon.organizationId)).toBe(kept);
      expect(await directory.currentMove(salon.organizationId)).toMatchObject({
        step: 'switched',
        checkFailed: ['clients'],
      });
    }
    expect(await shardOf(salon.organizationId)).toBe('b');

    // The runbook: the difference looked at and settled, the flag cleared, the move finished.
    await query(urlOf(a), 'delete from clients where store_id = $1 and id = $2', [
      salon.storeId,
      stray,
    ]);
    await query(
      withDatabase(admin, directoryName),
      'update mango_moves set check_failed = null where organization_id = $1 and outcome is null',
      [salon.organizationId],
    );
    expect((await move(salon.organizationId, 'b')).resumedAfter).toBe('switched');
    expect(await orgRows(a, salon.organizationId)).toBe(0);
    expect(await replicationObjects(a)).toBe(0);
    expect(await replicationObjects(b)).toBe(0);
  });

  it('cancels a move under way: the organization stays where it was, nothing is left behind', async () => {
    const { salon, log } = await salonWithClients(5);
    await expect(move(salon.organizationId, 'b', crashAt('synced'))).rejects.toBeInstanceOf(
      CrashAt,
    );
    // Streaming: a write on the source reaches the target's copy.
    const res = await push(apps[0]!, salon, salon.deviceId, [
      log.make('client.upsert', { id: randomUUID(), firstName: 'During', lastName: 'Move' }),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const before = await orgRows(a, salon.organizationId);
    expect(before).toBeGreaterThan(0);

    const cancelled = await cancelMove({ directory, organizationId: salon.organizationId });
    expect(cancelled.step).toBe('synced');
    await expectSettled(salon.organizationId, 'a', before);
    await expect(
      cancelMove({ directory, organizationId: salon.organizationId }),
    ).rejects.toMatchObject({ code: 'MOVE_NOT_FOUND' });
    // A new move after a cancel goes through.
    await move(salon.organizationId, 'b');
    expect(await orgRows(b, salon.organizationId)).toBe(before);
    expect(await orgRows(a, salon.organizationId)).toBe(0);
  });

  it('refuses bad moves with coded errors and changes nothing', async () => {
    const { salon } = await salonWithClients(2);
    const org = salon.organizationId;
    const state = async () => ({
      route: await directory.route(org),
      move: await directory.currentMove(org),
      a: await replicationObjects(a),
      b: await replicationObjects(b),
      rowsA: await orgRows(a, org),
      rowsB: await orgRows(b, org),
    });
    const codeOf = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(HttpError);
      return { status: (e as HttpError).statusCode, code: (e as HttpError).code };
    };
    const initial = await state();

    expect(await codeOf(move(randomUUID(), 'b'))).toEqual({
      status: 404,
      code: 'ORGANIZATION_NOT_FOUND',
    });
    expect(await codeOf(move('not-an-id', 'b'))).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(await codeOf(move(org, 'nowhere'))).toEqual({ status: 404, code: 'SHARD_NOT_FOUND' });
    expect(await codeOf(move(org, 'a'))).toEqual({ status: 409, code: 'ALREADY_ON_SHARD' });
    expect(await codeOf(cancelMove({ directory, organizationId: org }))).toEqual({
      status: 404,
      code: 'MOVE_NOT_FOUND',
    });
    expect(await state()).toEqual(initial);

    // Two movers at once: one moves, the other is refused before touching anything.
    const both = await Promise.allSettled([move(org, 'b'), move(org, 'b')]);
    const refused = both.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'MOVE_IN_PROGRESS',
    });
    expect(await shardOf(org)).toBe('b');

    // While a mover runs, a second one (resuming the same move) and a cancel are refused.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let reached!: () => void;
    const atSynced = new Promise<void>((r) => (reached = r));
    const running = move(org, 'a', {
      afterStep: async (s) => {
        if (s !== 'synced') return;
        reached();
        await gate;
      },
    });
    await atSynced;
    const during = await state();
    expect(await codeOf(move(org, 'a'))).toEqual({ status: 409, code: 'MOVE_IN_PROGRESS' });
    expect(await codeOf(cancelMove({ directory, organizationId: org }))).toEqual({
      status: 409,
      code: 'MOVE_IN_PROGRESS',
    });
    expect(await state()).toEqual(during);
    open();
    await running;
    expect(await shardOf(org)).toBe('a');

    // A move under way (streaming) elsewhere: another target is refused, that move is untouched.
    await expect(move(org, 'b', crashAt('synced'))).rejects.toBeInstanceOf(CrashAt);
    const underWay = await state();
    expect(await codeOf(move(org, 'c'))).toEqual({ status: 409, code: 'MOVE_IN_PROGRESS' });
    expect(await state()).toEqual(underWay);
    await cancelMove({ directory, organizationId: org });
    expect(await shardOf(org)).toBe('a');
    expect(await orgRows(b, org)).toBe(0);
  });
});
