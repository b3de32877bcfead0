import pg from 'pg';
import { moveErrors, type MoveKeys, type MoveStep } from './move-plan';

/**
 * The shard directory (seed plan 4.1, 4.2): which PostgreSQL cluster ("shard": a primary, its
 * replicas, its region) holds each organization. It lives in its own small control-plane
 * database (SHARD_DIRECTORY_URL), apart from every shard, and is read on the request path through
 * a short per-instance cache (sharded-db.ts).
 */
export interface ShardInfo {
  id: string;
  region: string;
  /** The application role's URL (mango_app). */
  primaryUrl: string;
  /** The tables' owner, for migrations, jobs and moves. */
  ownerUrl: string;
  replicaUrls: string[];
  /** Organizations the shard is meant to hold; placement fills the emptiest first. */
  capacity: number;
  /** New organizations may be placed here. */
  accepting: boolean;
}

export interface TenantRoute {
  organizationId: string;
  shardId: string;
  /** Writes wait while the organization is being moved. */
  paused: boolean;
  /** Bumped by every move. */
  epoch: number;
}

/** A tenant move as the directory keeps it, so a mover that dies can resume it (move.ts). */
export interface MoveRecord {
  id: string;
  organizationId: string;
  sourceShardId: string;
  targetShardId: string;
  /** The last step done. */
  step: MoveStep;
  /** The organization's stores and users when the publication was made (its row filters). */
  keys: MoveKeys;
  /** Source LSN taken after the pause; the subscription must have applied past it. */
  pauseLsn: string | null;
  /** Tables the check found different: the move stops there until a person clears it. */
  checkFailed: string[] | null;
  startedAt: string;
}

export interface ShardDirectory {
  ensureSchema(): Promise<void>;
  upsertShard(shard: ShardInfo): Promise<void>;
  shards(): Promise<ShardInfo[]>;
  route(organizationId: string): Promise<TenantRoute | undefined>;
  organizationOfStore(storeId: string): Promise<string | undefined>;
  /**
   * Places a new organization (idempotent: an organization already placed keeps its shard): an
   * accepting shard of `region` if there is one, else any accepting shard; the least loaded
   * (organizations / capacity) first.
   */
  place(organizationId: string, storeIds: string[], region: string): Promise<TenantRoute>;
  addStores(organizationId: string, storeIds: string[]): Promise<void>;
  setPaused(organizationId: string, paused: boolean): Promise<void>;
  /**
   * Ends a move's pause: the organization is on `shardId`, writes resume, the epoch advances,
   * and its move record (if any) is at step `switched` — all in one transaction.
   */
  completeMove(organizationId: string, shardId: string): Promise<TenantRoute>;
  /** Records a new move; MOVE_IN_PROGRESS if the organization already has an unfinished one. */
  beginMove(move: Omit<MoveRecord, 'startedAt' | 'checkFailed'>): Promise<MoveRecord>;
  /** The organization's unfinished move. */
  currentMove(organizationId: string): Promise<MoveRecord | undefined>;
  /** Saves a step done (and what it learnt). */
  saveMove(
    moveId: string,
    patch: { step: MoveStep; keys?: MoveKeys; pauseLsn?: string | null; checkFailed?: string[] },
  ): Promise<void>;
  /**
   * Claims the organization for one mover (a session lock on the directory, released by the
   * returned function or by the mover's death); undefined when another mover holds it.
   */
  claimMove(organizationId: string): Promise<(() => Promise<void>) | undefined>;
  /** Closes a move: `done` or `cancelled` (kept as history). */
  finishMove(moveId: string, outcome: 'done' | 'cancelled'): Promise<void>;
  /** Organizations per shard. */
  load(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const SCHEMA = `
create table if not exists mango_shards (
  id text primary key,
  region text not null,
  primary_url text not null,
  owner_url text not null,
  replica_urls text[] not null default '{}',
  capacity integer not null default 10000 check (capacity > 0),
  accepting boolean not null default true
);
create table if not exists mango_tenants (
  organization_id uuid primary key,
  shard_id text not null references mango_shards (id),
  paused boolean not null default false,
  epoch integer not null default 0,
  placed_at timestamptz not null default now(),
  moved_at timestamptz
);
create index if not exists mango_tenants_shard on mango_tenants (shard_id);
create table if not exists mango_tenant_stores (
  store_id uuid primary key,
  organization_id uuid not null references mango_tenants (organization_id)
);
create table if not exists mango_moves (
  id uuid primary key,
  organization_id uuid not null references mango_tenants (organization_id),
  source_shard_id text not null references mango_shards (id),
  target_shard_id text not null references mango_shards (id),
  step text not null,
  keys jsonb not null,
  pause_lsn pg_lsn,
  -- Tables whose check failed: the move waits for a person (docs/OPERATIONS.md).
  check_failed text[],
  outcome text check (outcome in ('done', 'cancelled')),
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- One unfinished move per organization.
create unique index if not exists mango_moves_one_open on mango_moves (organization_id)
  where outcome is null;
`;

interface RouteRow {
  organization_id: string;
  shard_id: string;
  paused: boolean;
  epoch: number;
}

const toRoute = (r: RouteRow): TenantRoute => ({
  organizationId: r.organization_id,
  shardId: r.shard_id,
  paused: r.paused,
  epoch: r.epoch,
});

interface MoveRow {
  id: string;
  organization_id: string;
  source_shard_id: string;
  target_shard_id: string;
  step: MoveStep;
  keys: MoveKeys;
  pause_lsn: string | null;
  check_failed: string[] | null;
  started_at: Date;
}

const toMove = (r: MoveRow): MoveRecord => ({
  id: r.id,
  organizationId: r.organization_id,
  sourceShardId: r.source_shard_id,
  targetShardId: r.target_shard_id,
  step: r.step,
  keys: r.keys,
  pauseLsn: r.pause_lsn,
  checkFailed: r.check_failed,
  startedAt: new Date(r.started_at).toISOString(),
});

export function createShardDirectory(url: string): ShardDirectory {
  const pool = new pg.Pool({ connectionString: url, max: 5, idleTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  const one = async <R extends pg.QueryResultRow>(text: string, params: unknown[] = []) =>
    (await pool.query<R>(text, params)).rows[0];

  const directory: ShardDirectory = {
    async ensureSchema() {
      // Several instances may start at once: serialize the DDL.
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('select pg_advisory_xact_lock(727003)');
        await client.query(SCHEMA);
        await client.query('commit');
      } catch (e) {
        await client.query('rollback');
        throw e;
      } finally {
        client.release();
      }
    },
    async upsertShard(s) {
      await pool.query(
        `insert into mango_shards (id, region, primary_url, owner_url, replica_urls, capacity, accepting)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (id) do update set region = excluded.region, primary_url = excluded.primary_url,
           owner_url = excluded.owner_url, replica_urls = excluded.replica_urls,
           capacity = excluded.capacity, accepting = excluded.accepting`,
        [s.id, s.region, s.primaryUrl, s.ownerUrl, s.replicaUrls, s.capacity, s.accepting],
      );
    },
    async shards() {
      const res = await pool.query<{
        id: string;
        region: string;
        primary_url: string;
        owner_url: string;
        replica_urls: string[];
        capacity: number;
        accepting: boolean;
      }>('select * from mango_shards order by id');
      return res.rows.map((r) => ({
        id: r.id,
        region: r.region,
        primaryUrl: r.primary_url,
        ownerUrl: r.owner_url,
        replicaUrls: r.replica_urls,
        capacity: r.capacity,
        accepting: r.accepting,
      }));
    },
    async route(organizationId) {
      const row = await one<RouteRow>(
        'select organization_id, shard_id, paused, epoch from mango_tenants where organization_id = $1',
        [organizationId],
      );
      return row && toRoute(row);
    },
    async organizationOfStore(storeId) {
      const row = await one<{ organization_id: string }>(
        'select organization_id from mango_tenant_stores where store_id = $1',
        [storeId],
      );
      return row?.organization_id;
    },
    async place(organizationId, storeIds, region) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        // One placement at a time, so load counts are not read stale by two instances.
        await client.query('select pg_advisory_xact_lock(727004)');
        const existing = await client.query<RouteRow>(
          'select organization_id, shard_id, paused, epoch from mango_tenants where organization_id = $1',
          [organizationId],
        );
        let route = existing.rows[0];
        if (!route) {
          const chosen = await client.query<{ id: string }>(
            `select s.id from mango_shards s
               left join mango_tenants t on t.shard_id = s.id
              where s.accepting
              group by s.id
              order by bool_or(s.region = $1) desc, count(t.organization_id)::float8 / min(s.capacity), s.id
              limit 1`,
            [region],
          );
          const shardId = chosen.rows[0]?.id;
          if (!shardId) throw new Error('No shard accepts new organizations.');
          const inserted = await client.query<RouteRow>(
            `insert into mango_tenants (organization_id, shard_id) values ($1, $2)
             returning organization_id, shard_id, paused, epoch`,
            [organizationId, shardId],
          );
          route = inserted.rows[0]!;
        }
        await client.query(
          `insert into mango_tenant_stores (store_id, organization_id)
           select unnest($2::uuid[]), $1 on conflict (store_id) do nothing`,
          [organizationId, storeIds],
        );
        await client.query('commit');
        return toRoute(route);
      } catch (e) {
        await client.query('rollback');
        throw e;
      } finally {
        client.release();
      }
    },
    async addStores(organizationId, storeIds) {
      await pool.query(
        `insert into mango_tenant_stores (store_id, organization_id)
         select unnest($2::uuid[]), $1 on conflict (store_id) do nothing`,
        [organizationId, storeIds],
      );
    },
    async setPaused(organizationId, paused) {
      await pool.query('update mango_tenants set paused = $2 where organization_id = $1', [
        organizationId,
        paused,
      ]);
    },
    async completeMove(organizationId, shardId) {
      // One statement: the route switches exactly when the move record says so.
      const row = await one<RouteRow>(
        `with moved as (
           update mango_moves set step = 'switched', updated_at = now()
            where organization_id = $1 and outcome is null and target_shard_id = $2
         )
         update mango_tenants set shard_id = $2, paused = false, epoch = epoch + 1, moved_at = now()
          where organization_id = $1 returning organization_id, shard_id, paused, epoch`,
        [organizationId, shardId],
      );
      if (!row) throw moveErrors.organizationNotFound(organizationId);
      return toRoute(row);
    },
    async beginMove(move) {
      try {
        const row = await one<MoveRow>(
          `insert into mango_moves (id, organization_id, source_shard_id, target_shard_id, step, keys, pause_lsn)
           values ($1, $2, $3, $4, $5, $6::jsonb, $7) returning *`,
          [
            move.id,
            move.organizationId,
            move.sourceShardId,
            move.targetShardId,
            move.step,
            JSON.stringify(move.keys),
            move.pauseLsn,
          ],
        );
        return toMove(row!);
      } catch (e) {
        if ((e as { code?: string }).code !== '23505') throw e;
        const open = await directory.currentMove(move.organizationId);
        throw moveErrors.inProgress(
          move.organizationId,
          open?.targetShardId ?? '?',
          open?.step ?? '?',
        );
      }
    },
    async currentMove(organizationId) {
      const row = await one<MoveRow>(
        'select * from mango_moves where organization_id = $1 and outcome is null',
        [organizationId],
      );
      return row && toMove(row);
    },
    async saveMove(moveId, patch) {
      await pool.query(
        `update mango_moves set step = $2, keys = coalesce($3::jsonb, keys),
                pause_lsn = case when $4 then $5::pg_lsn else pause_lsn end,
                check_failed = coalesce($6::text[], check_failed), updated_at = now()
          where id = $1`,
        [
          moveId,
          patch.step,
          patch.keys ? JSON.stringify(patch.keys) : null,
          patch.pauseLsn !== undefined,
          patch.pauseLsn ?? null,
          patch.checkFailed ?? null,
        ],
      );
    },
    async claimMove(organizationId) {
      const client = await pool.connect();
      try {
        const res = await client.query<{ ok: boolean }>(
          'select pg_try_advisory_lock(727005, hashtext($1)) as ok',
          [organizationId],
        );
        if (!res.rows[0]?.ok) {
          client.release();
          return undefined;
        }
      } catch (e) {
        client.release();
        throw e;
      }
      return async () => {
        try {
          await client.query('select pg_advisory_unlock(727005, hashtext($1))', [organizationId]);
        } finally {
          client.release();
        }
      };
    },
    async finishMove(moveId, outcome) {
      await pool.query(
        `update mango_moves set outcome = $2, step = case when $2 = 'done' then 'done' else step end,
                updated_at = now() where id = $1`,
        [moveId, outcome],
      );
    },
    async load() {
      const res = await pool.query<{ id: string; n: number }>(
        `select s.id, count(t.organization_id)::int as n from mango_shards s
           left join mango_tenants t on t.shard_id = s.id group by s.id`,
      );
      return Object.fromEntries(res.rows.map((r) => [r.id, r.n]));
    },
    async close() {
      await pool.end();
    },
  };
  return directory;
}
