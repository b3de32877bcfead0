import pg from 'pg';

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
  /** Ends a move: the organization is on `shardId`, writes resume, the epoch advances. */
  completeMove(organizationId: string, shardId: string): Promise<TenantRoute>;
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

export function createShardDirectory(url: string): ShardDirectory {
  const pool = new pg.Pool({ connectionString: url, max: 5, idleTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  const one = async <R extends pg.QueryResultRow>(text: string, params: unknown[] = []) =>
    (await pool.query<R>(text, params)).rows[0];

  return {
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
      const row = await one<RouteRow>(
        `update mango_tenants set shard_id = $2, paused = false, epoch = epoch + 1, moved_at = now()
          where organization_id = $1 returning organization_id, shard_id, paused, epoch`,
        [organizationId, shardId],
      );
      if (!row) throw new Error(`Organization ${organizationId} is not in the directory.`);
      return toRoute(row);
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
}
