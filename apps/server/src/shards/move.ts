import pg from 'pg';
import type { ShardDirectory, TenantRoute } from './directory';

export interface MoveOptions {
  directory: ShardDirectory;
  organizationId: string;
  targetShardId: string;
  /** The instances' route cache (SHARD_ROUTE_CACHE_MS): how long to wait until all see the pause. */
  routeCacheMs: number;
  log?: (line: string) => void;
}

export interface MoveReport {
  from: string;
  to: string;
  rows: Record<string, number>;
  /** How long the organization's writes were paused. */
  pausedMs: number;
  route: TenantRoute;
}

interface TableInfo {
  name: string;
  /** How this organization's rows are found: by its id, its stores or its users. */
  by: 'organization' | 'stores' | 'users';
  /** The column compared (`id` for organizations). */
  column: string;
  /** Columns copied as they are (generated columns are recomputed, serials renumbered). */
  columns: string[];
}

const TENANT_TABLES_SQL = `
  select c.oid, c.relname,
         array_agg(a.attname::text order by a.attnum) filter (
           where a.attgenerated = '' and coalesce(pg_get_expr(d.adbin, d.adrelid), '') not like 'nextval(%'
         ) as columns,
         bool_or(a.attname = 'organization_id') as has_org,
         bool_or(a.attname = 'store_id') as has_store,
         bool_or(a.attname = 'user_id') as has_user
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
   where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
   group by c.oid, c.relname`;

const FOREIGN_KEYS_SQL = `
  select conrelid::regclass::text as child, confrelid::regclass::text as parent
    from pg_constraint where contype = 'f' and conrelid <> confrelid`;

/** The tables holding an organization's rows, parents before children. */
async function tenantTables(client: pg.Client): Promise<TableInfo[]> {
  const tables = await client.query<{
    relname: string;
    columns: string[];
    has_org: boolean;
    has_store: boolean;
    has_user: boolean;
  }>(TENANT_TABLES_SQL);
  const infos = new Map<string, TableInfo>();
  for (const t of tables.rows) {
    const key: Pick<TableInfo, 'by' | 'column'> | null =
      t.relname === 'organizations'
        ? { by: 'organization', column: 'id' }
        : t.has_org
          ? { by: 'organization', column: 'organization_id' }
          : t.has_store
            ? { by: 'stores', column: 'store_id' }
            : t.has_user
              ? { by: 'users', column: 'user_id' }
              : null;
    if (key) infos.set(t.relname, { name: t.relname, ...key, columns: t.columns });
  }
  const fks = (await client.query<{ child: string; parent: string }>(FOREIGN_KEYS_SQL)).rows;
  const ordered: TableInfo[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (ordered.some((t) => t.name === name) || visiting.has(name)) return;
    visiting.add(name);
    for (const fk of fks) if (fk.child === name && infos.has(fk.parent)) visit(fk.parent);
    ordered.push(infos.get(name)!);
  };
  for (const name of [...infos.keys()].sort()) visit(name);
  return ordered;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Moves an organization to another shard with a short write pause and no loss:
 *
 * 1. pause it in the directory, and wait out the route cache so every instance sees the pause
 *    (its requests then wait, or answer 503 and the devices retry the same mutation ids);
 * 2. on the source, lock the organization and its stores (`for update`: a push still running
 *    holds a store lock, so it finishes first) and read every row of it;
 * 3. write the rows to the target as they are — versions, device cursors and lastMutationIds
 *    included, so devices keep syncing without re-hydrating — with triggers off (no audit or
 *    version bumps for a copy; needs a superuser owner URL);
 * 4. point the directory at the target and resume; then delete the rows from the source.
 *
 * A failure before step 4 rolls the target back and resumes on the source: nothing changed.
 */
export async function moveOrganization(opts: MoveOptions): Promise<MoveReport> {
  const log = opts.log ?? (() => undefined);
  const { directory, organizationId } = opts;
  const route = await directory.route(organizationId);
  if (!route) throw new Error(`Organization ${organizationId} is not in the directory.`);
  if (route.shardId === opts.targetShardId) throw new Error('The organization is already there.');
  const shards = new Map((await directory.shards()).map((s) => [s.id, s]));
  const source = shards.get(route.shardId);
  const target = shards.get(opts.targetShardId);
  if (!source || !target) throw new Error(`Unknown shard ${opts.targetShardId}.`);

  const from = new pg.Client({ connectionString: source.ownerUrl });
  const to = new pg.Client({ connectionString: target.ownerUrl });
  await from.connect();
  await to.connect();
  const pausedAt = Date.now();
  let moved = false;
  const rows: Record<string, number> = {};
  try {
    await directory.setPaused(organizationId, true);
    log(`paused ${organizationId}; waiting ${opts.routeCacheMs} ms for every instance to see it`);
    await sleep(opts.routeCacheMs + 100);

    await from.query('begin');
    await from.query("set local session_replication_role = 'replica'");
    // Devices, then stores: the order a push locks them, so a push still running finishes first
    // instead of deadlocking with the move.
    await from.query('select 1 from devices where organization_id = $1 order by id for update', [
      organizationId,
    ]);
    await from.query('select 1 from organizations where id = $1 for update', [organizationId]);
    const stores = await from.query<{ id: string }>(
      'select id from stores where organization_id = $1 order by id for update',
      [organizationId],
    );
    const users = await from.query<{ id: string }>(
      'select id from users where organization_id = $1',
      [organizationId],
    );
    const keys = {
      organization: [organizationId],
      stores: stores.rows.map((s) => s.id),
      users: users.rows.map((u) => u.id),
    };
    const where = (t: TableInfo) => ({
      text: `${quoteIdent(t.column)} = any($1::uuid[])`,
      params: [keys[t.by]],
    });
    const tables = await tenantTables(from);

    await to.query('begin');
    await to.query("set local session_replication_role = 'replica'");
    for (const t of tables) {
      const cols = t.columns.map(quoteIdent).join(', ');
      const filter = where(t);
      const data = await from.query<{ rows: unknown }>(
        `select coalesce(jsonb_agg(to_jsonb(x)), '[]'::jsonb) as rows
           from (select ${cols} from ${quoteIdent(t.name)} where ${filter.text}) x`,
        filter.params,
      );
      const json = JSON.stringify(data.rows[0]?.rows ?? []);
      const inserted = await to.query(
        `insert into ${quoteIdent(t.name)} (${cols}) overriding system value
         select ${cols} from jsonb_populate_recordset(null::${quoteIdent(t.name)}, $1::jsonb)`,
        [json],
      );
      rows[t.name] = inserted.rowCount ?? 0;
    }
    await to.query('commit');
    log(`copied ${Object.values(rows).reduce((a, b) => a + b, 0)} rows to ${target.id}`);

    const switched = await directory.completeMove(organizationId, target.id);
    moved = true;
    const pausedMs = Date.now() - pausedAt;
    log(`${organizationId} now on ${target.id} (epoch ${switched.epoch}), paused ${pausedMs} ms`);

    for (const t of [...tables].reverse()) {
      const filter = where(t);
      await from.query(`delete from ${quoteIdent(t.name)} where ${filter.text}`, filter.params);
    }
    await from.query('commit');
    return { from: source.id, to: target.id, rows, pausedMs, route: switched };
  } catch (e) {
    await to.query('rollback').catch(() => undefined);
    await from.query('rollback').catch(() => undefined);
    if (!moved) await directory.setPaused(organizationId, false);
    throw e;
  } finally {
    await from.end();
    await to.end();
  }
}
