import type { Db, Sql, TenantContext } from './db';

/**
 * Read/write splitting with a streaming replica (seed plan 3.1). Reads that tolerate lag
 * (history, reports, search) go to the replica; writes, sync pulls and everything else stay on
 * the primary. After a write to a store, its reads go to the replica only once the replica has
 * replayed that write (its WAL position), waiting up to `waitMs` for it, else to the primary: a
 * device reading after its own write always sees it. A replica that fails or lags more than
 * `maxLagMs` is skipped (and re-checked every `healthCheckMs`).
 */
export interface ReadRouter {
  /** A lag-tolerant read in the store's tenant context. */
  read<T>(ctx: TenantContext & { storeId: string }, fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** After a commit to the store on the primary: its next reads must see it. */
  noteWrite(storeId: string): Promise<void>;
  stats(): ReadRouterStats;
}

export interface ReadRouterStats {
  replicaReads: number;
  primaryReads: number;
  /** Reads that found the replica behind the store's last write and waited for it. */
  waitedForReplica: number;
  /** Reads sent to the primary because the replica was down, lagging, or not caught up. */
  replicaSkipped: number;
}

/**
 * Where each store's last write ended in the WAL (bytes since 0/0), kept as the highest seen.
 * Per instance when there is one; with several, shared through Redis (replica-positions.ts), or a
 * read on another instance could miss the write.
 */
export interface WritePositions {
  get(storeId: string): Promise<number | undefined>;
  /** Raises the store's position to `position` (never lowers it). */
  raise(storeId: string, position: number): Promise<void>;
}

/** A position outlives any sane replica lag; after it, the lag bound alone protects reads. */
export const WRITE_POSITION_TTL_MS = 300_000;

export function createMemoryWritePositions(now: () => number = Date.now): WritePositions {
  const positions = new Map<string, { position: number; until: number }>();
  return {
    async get(storeId) {
      const p = positions.get(storeId);
      return p && p.until >= now() ? p.position : undefined;
    },
    async raise(storeId, position) {
      if (positions.size > 100_000) positions.clear();
      const current = positions.get(storeId);
      const kept =
        current && current.until >= now() ? Math.max(current.position, position) : position;
      positions.set(storeId, { position: kept, until: now() + WRITE_POSITION_TTL_MS });
    },
  };
}

/** The primary only (no DATABASE_REPLICA_URL): same interface, nothing to wait for. */
export function primaryOnlyReads(primary: Db): ReadRouter {
  const counts = emptyStats();
  return {
    read(ctx, fn) {
      counts.primaryReads++;
      return primary.transaction(ctx, fn);
    },
    async noteWrite() {},
    stats: () => ({ ...counts }),
  };
}

function emptyStats(): ReadRouterStats {
  return { replicaReads: 0, primaryReads: 0, waitedForReplica: 0, replicaSkipped: 0 };
}

export interface ReplicaOptions {
  primary: Db;
  replica: Db;
  positions: WritePositions;
  maxLagMs: number;
  waitMs: number;
  healthCheckMs?: number;
  pollMs?: number;
  now?: () => number;
}

interface ReplicaHealth {
  usable: boolean;
  checkedAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Replay lag as the replica sees it: zero when it has replayed all it received (an idle primary
 * is not lag), else the age of the last replayed transaction.
 */
const LAG_SQL = `select case
    when pg_last_wal_receive_lsn() is null then null
    when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
    else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()) * 1000, 0)
  end::float8 as lag_ms`;

export function createReplicaReads(opts: ReplicaOptions): ReadRouter {
  const now = opts.now ?? Date.now;
  const healthCheckMs = opts.healthCheckMs ?? 1000;
  const pollMs = opts.pollMs ?? 10;
  const counts = emptyStats();
  let health: ReplicaHealth = { usable: false, checkedAt: -Infinity };
  let checking: Promise<boolean> | undefined;

  const checkHealth = async (): Promise<boolean> => {
    try {
      const lag = await opts.replica.transaction(null, async (sql) => {
        const res = await sql.query<{ lag_ms: number | null }>(LAG_SQL);
        return res.rows[0]?.lag_ms ?? null;
      });
      // null: not a standby (a promoted or misconfigured replica) – still a correct copy only
      // if it is the primary, which we cannot know: skip it.
      return lag !== null && lag <= opts.maxLagMs;
    } catch {
      return false;
    }
  };

  const replicaUsable = async (): Promise<boolean> => {
    if (now() - health.checkedAt < healthCheckMs) return health.usable;
    checking ??= checkHealth().then((usable) => {
      health = { usable, checkedAt: now() };
      checking = undefined;
      return usable;
    });
    return checking;
  };

  const caughtUp = async (position: number): Promise<boolean> => {
    const res = await opts.replica.transaction(null, (sql) =>
      sql.query<{ ok: boolean }>(
        "select (pg_last_wal_replay_lsn() - '0/0'::pg_lsn) >= $1::numeric as ok",
        [position],
      ),
    );
    return res.rows[0]?.ok === true;
  };

  /** Whether the replica has (or, within waitMs, gets) the store's last write. */
  const hasWriteOf = async (storeId: string): Promise<boolean> => {
    const lsn = await opts.positions.get(storeId);
    if (lsn === undefined) return true;
    if (await caughtUp(lsn)) return true;
    counts.waitedForReplica++;
    const deadline = now() + opts.waitMs;
    while (now() < deadline) {
      await sleep(pollMs);
      if (await caughtUp(lsn)) return true;
    }
    return false;
  };

  const onPrimary = <T>(ctx: TenantContext, fn: (sql: Sql) => Promise<T>) => {
    counts.primaryReads++;
    return opts.primary.transaction(ctx, fn);
  };

  return {
    async read(ctx, fn) {
      // The replica or the shared positions failing sends the read to the primary: always right.
      const useReplica = await replicaUsable()
        .then(async (usable) => usable && (await hasWriteOf(ctx.storeId)))
        .catch(() => false);
      if (!useReplica) {
        counts.replicaSkipped++;
        return onPrimary(ctx, fn);
      }
      try {
        const result = await opts.replica.transaction(ctx, fn);
        counts.replicaReads++;
        return result;
      } catch (err) {
        // A query error (bad input, a bug) would fail on the primary too: only a replica that
        // went away or was cancelled by replay (SQLSTATE 40001/57P01…) is retried there.
        if (!isReplicaFailure(err)) throw err;
        health = { usable: false, checkedAt: now() };
        counts.replicaSkipped++;
        return onPrimary(ctx, fn);
      }
    },
    async noteWrite(storeId) {
      const res = await opts.primary.transaction(null, (sql) =>
        sql.query<{ position: number }>(
          "select (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint as position",
        ),
      );
      const position = res.rows[0]?.position;
      if (position !== undefined) await opts.positions.raise(storeId, position);
    },
    stats: () => ({ ...counts }),
  };
}

/** Connection failures, shutdowns and replay conflicts: the replica's fault, not the query's. */
function isReplicaFailure(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return true; // no SQLSTATE: the connection itself failed
  return /^(08|57|40001|53|58)/.test(code);
}
