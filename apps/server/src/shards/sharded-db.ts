import type { Db, Sql, TenantContext, TransactionOptions } from '../db/db';
import { httpErrors } from '../http/errors';
import type { ShardDirectory, TenantRoute } from './directory';

export interface ShardedDbOptions {
  directory: ShardDirectory;
  /** An open Db per shard id. */
  shards: ReadonlyMap<string, Db>;
  /** Where this instance runs: new organizations signing up here are placed in this region. */
  region: string;
  /** How long an instance trusts a route it read; a move waits this long after pausing. */
  routeCacheMs: number;
  /** How long a request of a paused (moving) organization waits before answering 503. */
  pauseWaitMs: number;
  now?: () => number;
}

export interface ShardedDb extends Db {
  /** The shard an organization's requests go to (placing nothing). */
  shardOf(organizationId: string): Promise<string | undefined>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Db that sends each transaction to its tenant's shard: by the context's organization, or its
 * store's (through the directory). The first transaction of an organization the directory does
 * not know (signup: organization and store together) places it. A context without a tenant
 * (sign-in by email, refresh token look-ups, health checks) must be a read-only look-up: it is
 * tried on each shard in turn until one returns a row. Owner transactions (jobs) run on every
 * shard; migrations are run per shard (main.ts). The rest of the server is unchanged: it still
 * talks to one `Db`.
 */
export function createShardedDb(opts: ShardedDbOptions): ShardedDb {
  const now = opts.now ?? Date.now;
  const routes = new Map<string, { route: TenantRoute; until: number }>();
  const shardDb = (id: string): Db => {
    const db = opts.shards.get(id);
    if (!db) throw new Error(`No connection to shard ${id}: restart with the current directory.`);
    return db;
  };

  const cachedRoute = async (organizationId: string): Promise<TenantRoute | undefined> => {
    const hit = routes.get(organizationId);
    if (hit && hit.until > now()) return hit.route;
    const route = await opts.directory.route(organizationId);
    if (route) {
      if (routes.size > 100_000) routes.clear();
      routes.set(organizationId, { route, until: now() + opts.routeCacheMs });
    } else routes.delete(organizationId);
    return route;
  };

  /** A moving organization's requests wait for the move to end (fresh reads, no cache). */
  const afterPause = async (organizationId: string): Promise<TenantRoute> => {
    const deadline = now() + opts.pauseWaitMs;
    for (;;) {
      const route = await opts.directory.route(organizationId);
      if (!route) throw new Error(`Organization ${organizationId} left the directory.`);
      if (!route.paused) {
        routes.set(organizationId, { route, until: now() + opts.routeCacheMs });
        return route;
      }
      if (now() >= deadline) {
        throw httpErrors.unavailable(
          'This salon’s data is being moved to another server: your changes are kept and will be sent again in a moment.',
        );
      }
      await sleep(50);
    }
  };

  const routeFor = async (ctx: TenantContext): Promise<TenantRoute | undefined> => {
    const organizationId =
      ctx.organizationId ??
      (ctx.storeId ? await opts.directory.organizationOfStore(ctx.storeId) : undefined);
    if (!organizationId) return undefined;
    let route = await cachedRoute(organizationId);
    if (!route) {
      if (!ctx.storeId) throw new Error(`Organization ${organizationId} has no shard.`);
      route = await opts.directory.place(organizationId, [ctx.storeId], opts.region);
    }
    return route.paused ? afterPause(organizationId) : route;
  };

  const eachShard = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    let last: T | undefined;
    for (const db of opts.shards.values()) {
      last = await fn(db);
      if (last !== undefined && last !== null) return last;
    }
    return last as T;
  };

  return {
    engine: 'postgres',
    async transaction<T>(
      ctx: TenantContext | null,
      fn: (sql: Sql) => Promise<T>,
      txOpts?: TransactionOptions,
    ) {
      const route = ctx ? await routeFor(ctx) : undefined;
      if (!route) return eachShard((db) => db.transaction(ctx, fn, txOpts));
      return shardDb(route.shardId).transaction(ctx, fn, txOpts);
    },
    async ownerTransaction<T>(fn: (sql: Sql) => Promise<T>) {
      let last: T | undefined;
      for (const db of opts.shards.values()) last = await db.ownerTransaction(fn);
      return last as T;
    },
    poolStats() {
      const all = [...opts.shards.values()].map((db) => db.poolStats());
      return {
        total: all.reduce((n, s) => n + s.total, 0),
        idle: all.reduce((n, s) => n + s.idle, 0),
        waiting: all.reduce((n, s) => n + s.waiting, 0),
      };
    },
    async shardOf(organizationId) {
      return (await opts.directory.route(organizationId))?.shardId;
    },
    async close() {
      await Promise.all([...opts.shards.values()].map((db) => db.close()));
      await opts.directory.close();
    },
  };
}
