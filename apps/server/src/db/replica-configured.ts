import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { openDb, type Db } from './db';
import {
  createMemoryWritePositions,
  createReplicaReads,
  primaryOnlyReads,
  type ReadRouter,
} from './replica';
import { createRedisWritePositions } from './replica-positions';

/** The read routing the configuration names: DATABASE_REPLICA_URL's replica, or the primary. */
export async function openConfiguredReads(
  config: Config,
  primary: Db,
  redis: Redis | undefined,
): Promise<{ reads: ReadRouter; close(): Promise<void> }> {
  // Sharded, each shard has its own replicas (the directory lists them): not wired yet.
  if (!config.databaseReplicaUrl || primary.engine !== 'postgres' || config.shardDirectoryUrl) {
    return { reads: primaryOnlyReads(primary), close: async () => undefined };
  }
  const replica = await openDb({
    kind: 'postgres',
    url: config.databaseReplicaUrl,
    // Nothing runs as the owner on a replica (it is read-only); the pool is never used.
    ownerUrl: config.databaseReplicaUrl,
    poolMax: config.dbPoolMax,
    connectionTimeoutMs: config.dbConnectionTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    idleTimeoutMs: config.dbIdleTimeoutMs,
    preparedStatements: config.databasePreparedStatements,
  });
  const reads = createReplicaReads({
    primary,
    replica,
    positions: redis ? createRedisWritePositions(redis) : createMemoryWritePositions(),
    maxLagMs: config.replicaMaxLagMs,
    waitMs: config.replicaWaitMs,
  });
  return { reads, close: () => replica.close() };
}
