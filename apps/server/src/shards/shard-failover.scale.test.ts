import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStandbyPair,
  pgTool,
  postgresBinariesPresent,
  type PgCluster,
} from '../../../../test-support/pg-cluster';
import { freePort } from '../../../../test-support/server-process';
import { loadConfig } from '../config';
import type { Db } from '../db/db';
import { isDatabaseUnavailable } from '../db/unavailable';
import {
  adminQuery,
  createScaleDatabase,
  scaleAdminUrl,
  withDatabase,
  type ScaleDatabase,
} from '../scale/test-support/scale-db';
import { runShardCommand } from './admin-commands';
import { createShardDirectory, type ShardDirectory } from './directory';
import { connectShard } from './move-shards';
import { openShardedDb } from './open-sharded';
import type { ShardedDb } from './sharded-db';

/**
 * A shard that is a failover pair, registered in the directory with both hosts in one URL
 * (target_session_attrs=read-write), beside a one-host shard. The pair is two throwaway clusters
 * of our own: `primary`, and `standby` (in recovery with no upstream: pg_is_in_recovery() = true
 * until promoted), listed first so that the pool must search. The whole pg_auto_failover failover
 * of a shard under load is the `shard-primary-failover` fault scenario (tools/faults).
 */
describe.skipIf(!postgresBinariesPresent())('a shard on a failover pair', () => {
  const admin = scaleAdminUrl();
  let primary: PgCluster;
  let standby: PgCluster;
  let single: ScaleDatabase;
  let directoryName: string;
  let directoryUrl: string;
  let directory: ShardDirectory;
  let sharded: ShardedDb | undefined;
  let pairUrl: string;
  const lines: string[] = [];

  const config = () =>
    loadConfig({
      SHARD_DIRECTORY_URL: directoryUrl,
      DB_CONNECTION_TIMEOUT_MS: '2000',
      DB_POOL_MAX: '4',
      LOG_LEVEL: 'error',
    });
  const shardCommand = (command: string, args: string[]) =>
    runShardCommand(command, args, config(), (line) => lines.push(line));
  const addShard = (id: string, region: string, url: string, ownerUrl: string) =>
    shardCommand('shard-add', [
      '--id',
      id,
      '--region',
      region,
      '--url',
      url,
      '--owner-url',
      ownerUrl,
    ]);
  /** Where a tenant transaction of `organizationId` ran. */
  const whereIs = (db: Db, organizationId: string) =>
    db.transaction({ organizationId }, async (sql) => {
      const res = await sql.query<{ port: number; db: string }>(
        'select inet_server_port() as port, current_database() as db',
      );
      return res.rows[0]!;
    });

  beforeAll(async () => {
    ({ primary, standby } = await createStandbyPair('mango-shard-'));
    single = await createScaleDatabase(admin, 'mango_scale_shard');
    directoryName = `mango_scale_dir_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    await adminQuery(admin, `create database "${directoryName}"`);
    directoryUrl = withDatabase(admin, directoryName);
    directory = createShardDirectory(directoryUrl);
    // The password is ignored (trust authentication): it is here to be hidden by shard-list.
    pairUrl = `postgres://postgres:s3cret@127.0.0.1:${standby.port},127.0.0.1:${primary.port}/postgres?target_session_attrs=read-write`;
  });

  afterAll(async () => {
    await sharded?.close().catch(() => undefined);
    await directory?.close();
    primary?.destroy();
    standby?.destroy();
    await single?.drop();
    if (directoryName)
      await adminQuery(admin, `drop database if exists "${directoryName}" with (force)`);
  });

  it('shard-add saves a multi-host URL, refuses a bad one changing nothing; shard-list hides passwords', async () => {
    expect(await addShard('eu-pair', 'eu', pairUrl, pairUrl)).toBe(0);
    expect(await addShard('us-1', 'us', single.appUrl, single.ownerUrl)).toBe(0);
    const saved = await directory.shards();
    expect(saved.find((s) => s.id === 'eu-pair')).toMatchObject({ primaryUrl: pairUrl });

    const deadPort = await freePort();
    for (const [id, url] of [
      // Over the good entry: the upsert must not happen.
      ['eu-pair', `postgres://postgres@127.0.0.1:${deadPort},127.0.0.1:${primary.port}/postgres`],
      // A new shard: must not be added.
      [
        'eu-2',
        `postgres://postgres@127.0.0.1:${primary.port},/postgres?target_session_attrs=read-write`,
      ],
    ] as const) {
      const err: unknown = await addShard(id, 'eu', url, pairUrl).catch((e: unknown) => e);
      expect(err).toMatchObject({ statusCode: 400, code: 'SHARD_URL_INVALID' });
    }
    expect(await directory.shards()).toEqual(saved);

    lines.length = 0;
    expect(await shardCommand('shard-list', [])).toBe(0);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(
      `eu-pair\teu\t0/10000 organizations\topen\tpostgres://postgres:***@127.0.0.1:${standby.port},127.0.0.1:${primary.port}/postgres?target_session_attrs=read-write`,
    );
    expect(lines.join('\n')).not.toContain('s3cret');
  });

  it('routes each organization to its shard: the pair to its primary, and follows its promotion', async () => {
    sharded = await openShardedDb(config(), directoryUrl);
    const [orgEu, orgUs] = [randomUUID(), randomUUID()];
    await directory.place(orgEu, [randomUUID()], 'eu');
    await directory.place(orgUs, [randomUUID()], 'us');
    expect(await sharded.shardOf(orgEu)).toBe('eu-pair');

    // The standby is first in the URL: the pair's pool found the primary.
    expect(await whereIs(sharded, orgEu)).toEqual({ port: primary.port, db: 'postgres' });
    expect((await whereIs(sharded, orgUs)).db).toBe(single.name);
    // A tenant move's own sessions (shard-move) reach the pair's primary too.
    const moveSession = await connectShard(pairUrl);
    try {
      const [row] = await moveSession.query<{ port: number }>('select inet_server_port() as port');
      expect(row?.port).toBe(primary.port);
    } finally {
      await moveSession.end();
    }

    primary.stop('immediate');
    const during: unknown = await whereIs(sharded, orgEu).catch((e: unknown) => e);
    expect(isDatabaseUnavailable(during)).toBe(true);
    // The other shard's pool is not touched by it.
    expect((await whereIs(sharded, orgUs)).db).toBe(single.name);

    pgTool('pg_ctl', ['-D', standby.dataDir, '-w', 'promote']);
    // Same ShardedDb, nothing reopened: the pair's pool searched and found the promoted node.
    expect(await whereIs(sharded, orgEu)).toEqual({ port: standby.port, db: 'postgres' });
    await sharded.transaction({ organizationId: orgEu }, (sql) =>
      sql.query('create table written_after_failover (n int)'),
    );
  });
});
