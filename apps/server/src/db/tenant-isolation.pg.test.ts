import { beforeAll, expect, it } from 'vitest';
import type { Db, TenantContext } from './db';
import { refreshReportViews } from './jobs';
import { describeEachEngine } from './test-support/engines';
import { contextOf, createTenant, seedAllEntities, type Tenant } from './test-support/fixtures';

interface Relation {
  name: string;
  kind: 'r' | 'p' | 'm' | 'v';
  partition: boolean;
  rls: boolean;
  forced: boolean;
}

/** Everything in schema public the catalog knows: tables, partitions, views, materialized views. */
async function relations(db: Db): Promise<Relation[]> {
  const res = await db.ownerTransaction((sql) =>
    sql.query<Relation>(
      `select c.relname as name, c.relkind as kind, c.relispartition as partition,
              c.relrowsecurity as rls, c.relforcerowsecurity as forced
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'm', 'v')
        order by c.relname`,
      [],
    ),
  );
  return res.rows;
}

const NOT_BUSINESS = new Set(['schema_migrations']);

function pgCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: T } | { error: unknown }> {
  try {
    return { ok: await fn() };
  } catch (error) {
    return { error };
  }
}

describeEachEngine('tenant isolation', (getDb) => {
  let a: Tenant;
  let b: Tenant;
  let all: Relation[];
  let business: Relation[];
  /** Per business table: the rows of tenant B (to_jsonb(row)::text, read as the owner). */
  const bRows = new Map<string, string[]>();
  const aRows = new Map<string, string[]>();

  async function rowsOf(table: string, t: Tenant): Promise<string[]> {
    const res = await getDb().ownerTransaction((sql) =>
      sql.query<{ j: string }>(
        `select to_jsonb(x)::text as j from ${table} x
          where to_jsonb(x) ->> 'store_id' = $1 or to_jsonb(x) ->> 'organization_id' = $2
             or to_jsonb(x) ->> 'user_id' = $3 or to_jsonb(x) ->> 'id' = any($4::text[])`,
        [t.storeId, t.organizationId, t.userId, [t.storeId, t.organizationId, t.userId]],
      ),
    );
    return res.rows.map((r) => r.j).sort();
  }

  beforeAll(async () => {
    const db = getDb();
    a = await createTenant(db);
    b = await createTenant(db); // another organization
    await seedAllEntities(db, a);
    await seedAllEntities(db, b);
    await refreshReportViews(db);
    all = await relations(db);
    business = all.filter(
      (r) => (r.kind === 'r' || r.kind === 'p') && !r.partition && !NOT_BUSINESS.has(r.name),
    );
    for (const rel of business) {
      bRows.set(rel.name, await rowsOf(rel.name, b));
      aRows.set(rel.name, await rowsOf(rel.name, a));
    }
  });

  it('the app role is not the owner, not superuser, not BYPASSRLS, and exempt from nothing', async () => {
    const res = await getDb().transaction(null, (sql) =>
      sql.query<{
        me: string;
        rolsuper: boolean;
        rolbypassrls: boolean;
        owned: number;
        maintenance: boolean;
        truncate: number;
      }>(
        `select current_user as me, r.rolsuper, r.rolbypassrls,
                (select count(*) from pg_class c where c.relowner = r.oid) as owned,
                pg_has_role(current_user, 'mango_maintenance', 'MEMBER') as maintenance,
                (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                  where n.nspname = 'public' and c.relkind in ('r', 'p')
                    and has_table_privilege(current_user, c.oid, 'TRUNCATE')) as truncate
           from pg_roles r where r.rolname = current_user`,
        [],
      ),
    );
    expect(res.rows).toEqual([
      {
        me: 'mango_app',
        rolsuper: false,
        rolbypassrls: false,
        owned: 0,
        maintenance: false,
        truncate: 0,
      },
    ]);
    const audit = await getDb().transaction(null, (sql) =>
      sql.query<{ del: boolean; upd: boolean }>(
        `select has_table_privilege('audit_log', 'DELETE') as del,
                has_table_privilege('audit_log', 'UPDATE') as upd`,
        [],
      ),
    );
    expect(audit.rows[0]).toEqual({ del: false, upd: false });
  });

  it('every table (and partition) has row level security enabled and forced', () => {
    const tables = all.filter(
      (r) => (r.kind === 'r' || r.kind === 'p') && !NOT_BUSINESS.has(r.name),
    );
    expect(tables.length).toBeGreaterThan(20 + 3 * 16);
    expect(tables.filter((r) => !r.rls || !r.forced).map((r) => r.name)).toEqual([]);
  });

  it('every business table has rows of both tenants to test with', () => {
    const missing = business.filter(
      (r) => !bRows.get(r.name)?.length || !aRows.get(r.name)?.length,
    );
    expect(missing.map((r) => r.name)).toEqual([]);
  });

  it('without a tenant context the app sees no row of any business table', async () => {
    for (const ctx of [null, {}] as (TenantContext | null)[]) {
      for (const rel of business) {
        const res = await getDb().transaction(ctx, (sql) =>
          sql.query<{ n: number }>(`select count(*) as n from ${rel.name}`, []),
        );
        expect({ table: rel.name, n: res.rows[0]?.n }).toEqual({ table: rel.name, n: 0 });
      }
    }
  });

  it("store A's context reads its own rows and none of store B's, in every table", async () => {
    for (const rel of business) {
      const res = await getDb().transaction(contextOf(a), (sql) =>
        sql.query<{ theirs: number; mine: number }>(
          `select count(*) filter (where to_jsonb(x)::text = any($1::text[])) as theirs,
                  count(*) filter (where to_jsonb(x)::text = any($2::text[])) as mine
             from ${rel.name} x`,
          [bRows.get(rel.name), aRows.get(rel.name)],
        ),
      );
      expect({ table: rel.name, theirs: res.rows[0]?.theirs }).toEqual({
        table: rel.name,
        theirs: 0,
      });
      expect({ table: rel.name, mine: res.rows[0]?.mine }).toEqual({
        table: rel.name,
        mine: aRows.get(rel.name)?.length,
      });
    }
  });

  it("store A's context cannot update or delete store B's rows in any table", async () => {
    const db = getDb();
    for (const rel of business) {
      const firstColumn = await db.ownerTransaction((sql) =>
        sql.query<{ c: string }>(
          `select attname as c from pg_attribute where attrelid = $1::regclass and attnum > 0
              and not attisdropped and attgenerated = '' order by attnum limit 1`,
          [rel.name],
        ),
      );
      const col = firstColumn.rows[0]?.c ?? 'id';
      for (const stmt of [
        `update ${rel.name} x set ${col} = ${col} where to_jsonb(x)::text = any($1::text[])`,
        `delete from ${rel.name} x where to_jsonb(x)::text = any($1::text[])`,
      ]) {
        const r = await attempt(() =>
          db.transaction(contextOf(a), (sql) => sql.query(stmt, [bRows.get(rel.name)])),
        );
        if ('ok' in r)
          expect({ table: rel.name, stmt, rowCount: r.ok.rowCount }).toEqual({
            table: rel.name,
            stmt,
            rowCount: 0,
          });
        else
          expect({ table: rel.name, code: pgCode(r.error) }).toEqual({
            table: rel.name,
            code: '42501',
          });
      }
      expect({ table: rel.name, rows: await rowsOf(rel.name, b) }).toEqual({
        table: rel.name,
        rows: bRows.get(rel.name),
      });
    }
  });

  it("store A's context cannot insert a row for store B into any table", async () => {
    const db = getDb();
    for (const rel of business) {
      const cols = await db.ownerTransaction((sql) =>
        sql.query<{ c: string }>(
          `select quote_ident(attname) as c from pg_attribute where attrelid = $1::regclass
              and attnum > 0 and not attisdropped and attgenerated = '' order by attnum`,
          [rel.name],
        ),
      );
      const list = cols.rows.map((r) => r.c).join(', ');
      const row = bRows.get(rel.name)?.[0];
      const r = await attempt(() =>
        db.transaction(contextOf(a), (sql) =>
          sql.query(
            `insert into ${rel.name} (${list}) select ${list} from jsonb_populate_record(null::${rel.name}, $1::jsonb)`,
            [row],
          ),
        ),
      );
      expect('error' in r).toBe(true);
      if ('error' in r) {
        expect({ table: rel.name, code: pgCode(r.error) }).toEqual({
          table: rel.name,
          code: '42501',
        });
        expect((r.error as Error).message).toMatch(/row-level security|permission denied/);
      }
    }
  });

  it('partitions, materialized views and schema_migrations are closed to the app; report views filter', async () => {
    const db = getDb();
    const closed = all.filter((r) => r.partition || r.kind === 'm' || NOT_BUSINESS.has(r.name));
    expect(closed.length).toBeGreaterThan(3 * 16);
    for (const rel of closed) {
      const r = await attempt(() =>
        db.transaction(contextOf(b), (sql) => sql.query(`select * from ${rel.name} limit 1`, [])),
      );
      expect({ rel: rel.name, code: 'error' in r ? pgCode(r.error) : 'readable' }).toEqual({
        rel: rel.name,
        code: '42501',
      });
    }
    const views = all.filter((r) => r.kind === 'v');
    expect(views.map((v) => v.name)).toEqual([
      'mutation_audit',
      'report_daily_revenue',
      'report_staff_daily_sales',
    ]);
    for (const view of views) {
      const res = await db.transaction(contextOf(a), (sql) =>
        sql.query<{ store_id: string }>(`select store_id from ${view.name}`, []),
      );
      expect(res.rows.length).toBeGreaterThan(0);
      expect(new Set(res.rows.map((r) => r.store_id))).toEqual(new Set([a.storeId]));
      const none = await db.transaction(null, (sql) => sql.query(`select * from ${view.name}`, []));
      expect(none.rows).toEqual([]);
    }
  });

  it('an organization context sees all its stores, and still no entity row of another store', async () => {
    const db = getDb();
    const second = await createTenant(db, { organizationId: a.organizationId });
    await seedAllEntities(db, second);
    const stores = await db.transaction(
      { organizationId: a.organizationId, userId: a.userId },
      (sql) => sql.query<{ id: string }>('select id from stores order by id', []),
    );
    expect(stores.rows.map((r) => r.id)).toEqual([a.storeId, second.storeId].sort());
    const clients = await db.transaction(contextOf(a), (sql) =>
      sql.query<{ store_id: string }>('select distinct store_id from clients', []),
    );
    expect(clients.rows).toEqual([{ store_id: a.storeId }]);
  });

  it('auth lookups work without a context and return only the asked key', async () => {
    const db = getDb();
    const res = await db.transaction(null, async (sql) => ({
      user: await sql.query<{ id: string }>('select id from auth_find_user_by_email($1)', [
        `OWNER-${b.userId}@EXAMPLE.com`,
      ]),
      memberships: await sql.query<{ store_id: string; role: string }>(
        'select store_id, role from auth_user_memberships($1)',
        [b.userId],
      ),
      device: await sql.query<{ store_id: string }>('select store_id from auth_find_device($1)', [
        b.deviceId,
      ]),
      token: await sql.query<{ user_id: string }>(
        `select user_id from auth_find_refresh_token('no-such-hash')`,
        [],
      ),
    }));
    expect(res.user.rows).toEqual([{ id: b.userId }]);
    expect(res.memberships.rows).toEqual([{ store_id: b.storeId, role: 'owner' }]);
    expect(res.device.rows).toEqual([{ store_id: b.storeId }]);
    expect(res.token.rows).toEqual([]);
  });
});
