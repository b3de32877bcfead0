import type { Config } from '../config';
import { openDb, type Db } from '../db/db';
import { migrate } from '../db/migrate';
import { createShardDirectory, type ShardInfo } from './directory';
import { createShardedDb, type ShardedDb } from './sharded-db';

export function openShard(shard: ShardInfo, config: Config): Promise<Db> {
  return openDb({
    kind: 'postgres',
    url: shard.primaryUrl,
    ownerUrl: shard.ownerUrl,
    poolMax: config.dbPoolMax,
    connectionTimeoutMs: config.dbConnectionTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    idleTimeoutMs: config.dbIdleTimeoutMs,
    preparedStatements: config.databasePreparedStatements,
  });
}

/**
 * With SHARD_DIRECTORY_URL: every shard in the directory, migrated, behind one routing Db. A shard
 * added later is picked up at the next start (instances are stateless: roll them).
 */
export async function openShardedDb(config: Config, directoryUrl: string): Promise<ShardedDb> {
  const directory = createShardDirectory(directoryUrl);
  await directory.ensureSchema();
  const shards = new Map<string, Db>();
  for (const shard of await directory.shards()) {
    const db = await openShard(shard, config);
    await migrate(db);
    shards.set(shard.id, db);
  }
  if (shards.size === 0) {
    await directory.close();
    throw new Error(
      'The shard directory lists no shard: add one with `npm run admin -- shard-add`.',
    );
  }
  return createShardedDb({
    directory,
    shards,
    region: config.region,
    routeCacheMs: config.shardRouteCacheMs,
    pauseWaitMs: config.shardPauseWaitMs,
  });
}
