import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { clientSearchQuery, findClientsByPhoneDigits, searchClients } from './client-search';
import type { Sql } from './db';
import { KEYED_PULL_QUERY_SQL, PULL_QUERY_SQL } from './entity-store';
import { TABLE_ENTITY_NAMES } from './entity-tables';
import { dropOldAuditPartitions, ensureMonthlyPartitions } from './jobs';
import { describeEachEngine } from './test-support/engines';
import { contextOf, createTenant, seedAllEntities, type Tenant } from './test-support/fixtures';

async function explain(sql: Sql, query: string, params: unknown[]): Promise<string> {
  const res = await sql.query<{ 'QUERY PLAN': string }>(`explain ${query}`, params);
  return res.rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** The distinct relations a plan scans whose name matches `prefix_pN` (hash partitions). */
function scanned(plan: string, table: string): string[] {
  const re = new RegExp(`\\bon (${table}_p\\d+)\\b`, 'g');
  return [...new Set([...plan.matchAll(re)].map((m) => m[1] ?? ''))];
}

describeEachEngine('partitions and indexes', (getDb) => {
  let t: Tenant;
  beforeAll(async () => {
    t = await createTenant(getDb());
    await seedAllEntities(getDb(), t);
    await seedAllEntities(getDb(), await createTenant(getDb()));
    // Realistic statistics for the search tests: 5 000 other clients of the store, analyzed
    // (on a handful of never-analyzed rows every index led by store_id costs the same, and on a
    // few thousand, reading all the store's clients is as cheap as the search index).
    await getDb().ownerTransaction(async (sql) => {
      await sql.query(
        `insert into clients (store_id, id, version, data, first_name, last_name, phone_digits)
         select $1, gen_random_uuid(), 1, '{}', 'First' || g, 'Last' || g, '1212' || lpad(g::text, 7, '0')
           from generate_series(1, 5000) g`,
        [t.storeId],
      );
      await sql.query(`select gin_clean_pending_list('clients_search')`, []);
      await sql.query('analyze clients', []);
    });
  });

  it('a pull touches one partition of each hash-partitioned table', async () => {
    const plan = await getDb().transaction(contextOf(t), (sql) =>
      explain(sql, PULL_QUERY_SQL, [t.storeId, '0', '1001']),
    );
    for (const table of ['tickets', 'ticket_lines', 'payments', 'appointments']) {
      expect({ table, partitions: scanned(plan, table).length }).toEqual({ table, partitions: 1 });
    }
    expect(plan).toMatch(/Limit/);
  });

  it('a pull by the change log reads each row by its primary key, one partition each', async () => {
    const ids = TABLE_ENTITY_NAMES.map(() => [randomUUID(), randomUUID()]);
    const plan = await getDb().transaction(contextOf(t), async (sql) => {
      // Tiny test tables: the planner would rather scan them whole; forbid that to see the paths.
      await sql.query('set local enable_seqscan = off', []);
      return explain(sql, KEYED_PULL_QUERY_SQL, [t.storeId, '0', '1000', ...ids]);
    });
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toMatch(/_pkey/);
    expect(plan).not.toMatch(/_pull\b/); // migration 0027 dropped the (store_id, version) indexes
    for (const table of ['tickets', 'ticket_lines', 'payments', 'appointments']) {
      expect({ table, partitions: scanned(plan, table).length }).toEqual({ table, partitions: 1 });
    }
  });

  it('the tombstone purge finds its rows through the partial index of tombstones', async () => {
    const plan = await getDb().ownerTransaction(async (sql) => {
      await sql.query('set local enable_seqscan = off', []);
      return explain(
        sql,
        'select id from clients where store_id = $1 and deleted and version <= $2',
        [t.storeId, '1000'],
      );
    });
    expect(plan).toMatch(/clients_tombstones/);
  });

  it('a ticket lookup by store touches one partition', async () => {
    const plan = await getDb().transaction(contextOf(t), (sql) =>
      explain(sql, `select id from tickets where store_id = $1 and status = 'open'`, [t.storeId]),
    );
    expect(scanned(plan, 'tickets')).toHaveLength(1);
    const history = await getDb().transaction(contextOf(t), (sql) =>
      explain(
        sql,
        `select id from tickets where store_id = $1 and closed_at is not null and not deleted order by closed_at desc limit 50`,
        [t.storeId],
      ),
    );
    expect(scanned(history, 'tickets')).toHaveLength(1);
  });

  it('an appointment lookup by id, and the book of a day, touch one partition', async () => {
    // A push reads appointments by id without their start: under monthly partitions that visited
    // every month (issue 19). By store, both kinds of read touch the store's one partition.
    const byId = await getDb().transaction(contextOf(t), (sql) =>
      explain(sql, `select data from appointments where store_id = $1 and id = $2`, [
        t.storeId,
        randomUUID(),
      ]),
    );
    expect(scanned(byId, 'appointments')).toHaveLength(1);
    const day = await getDb().transaction(contextOf(t), (sql) =>
      explain(
        sql,
        `select data from appointments where store_id = $1 and start_at >= $2 and start_at < $3`,
        [t.storeId, '2026-11-24T05:00:00Z', '2026-11-25T05:00:00Z'],
      ),
    );
    expect(scanned(day, 'appointments')).toHaveLength(1);
  });

  it('client search by name, email or phone uses the GIN index and finds the client', async () => {
    const db = getDb();
    // search_clients() runs this statement as the owner (the GIN index is not usable under the
    // app's RLS: the match operator is not LEAKPROOF). Its plan, with the tenant context set:
    const plan = await db.ownerTransaction(async (sql) => {
      await sql.query(`select set_config('app.store_id', $1, true)`, [t.storeId]);
      // The test table is small enough that reading it whole may look cheaper.
      await sql.query('set local enable_seqscan = off', []);
      return explain(
        sql,
        `select c.id, c.data, c.first_name, c.last_name from clients c
          where c.store_id = $1 and $1 = app_store_id()
            and not c.deleted and c.search @@ to_tsquery('simple', $2) limit 1000`,
        [t.storeId, clientSearchQuery('ann')],
      );
    });
    expect(plan).toMatch(/Bitmap Index Scan on clients_search/);
    for (const term of ['ann', 'Ann Le', 'lee', 'ann@example.com', '5551234567', '555123']) {
      const found = await db.transaction(contextOf(t), (sql) =>
        searchClients(sql, t.storeId, term),
      );
      expect({ term, found: found.map((c) => c.firstName) }).toEqual({ term, found: ['Ann'] });
    }
    // 'first123' is a prefix of First123 and First1230…First1239.
    expect(
      await db.transaction(contextOf(t), (sql) => searchClients(sql, t.storeId, 'First123')),
    ).toHaveLength(11);
    // Another store's context gets nothing, even naming this store.
    const other = await createTenant(db);
    expect(
      await db.transaction(contextOf(other), (sql) => searchClients(sql, t.storeId, 'ann')),
    ).toEqual([]);
  });

  it('partial phone lookup by leading or trailing digits uses the phone-digits indexes', async () => {
    const db = getDb();
    const res = await db.transaction(contextOf(t), async (sql) => {
      await sql.query('set local enable_seqscan = off', []);
      const q = (col: string) =>
        `select id from clients where store_id = $1 and not deleted and starts_with(${col}, $2)`;
      return {
        prefixPlan: await explain(sql, q('phone_digits'), [t.storeId, '555']),
        suffixPlan: await explain(sql, q('phone_digits_rev'), [t.storeId, '7654']),
        prefix: await findClientsByPhoneDigits(sql, t.storeId, '(555) 12', 'prefix'),
        suffix: await findClientsByPhoneDigits(sql, t.storeId, '234567', 'suffix'),
        miss: await findClientsByPhoneDigits(sql, t.storeId, '8888', 'suffix'),
      };
    });
    expect(res.prefixPlan).toMatch(/clients_phone_prefix/);
    expect(res.suffixPlan).toMatch(/clients_phone_suffix/);
    expect([res.prefix.length, res.suffix.length, res.miss.length]).toEqual([1, 1, 0]);
    expect(res.suffix[0]?.phone).toBe('(555) 123-4567');
  });

  it('an audit record in a month with no partition lands in the default one; the job moves it', async () => {
    const db = getDb();
    await db.ownerTransaction((sql) =>
      sql.query(
        `insert into push_audit (created_at, store_id, device_id, first_mutation_id, last_mutation_id, mutations)
         values ('2031-03-10T15:00:00Z', $1, $2, 1, 1, '[]')`,
        [t.storeId, t.deviceId],
      ),
    );
    const where = () =>
      db.ownerTransaction(async (sql) => {
        const res = await sql.query<{ p: string }>(
          `select tableoid::regclass::text as p from push_audit
            where store_id = $1 and created_at = '2031-03-10T15:00:00Z'`,
          [t.storeId],
        );
        return res.rows[0]?.p;
      });
    expect(await where()).toBe('push_audit_default');

    const created = await ensureMonthlyPartitions(db, {
      monthsAhead: 3,
      from: '2031-01-15T00:00:00Z',
    });
    const months = ['2031_01', '2031_02', '2031_03', '2031_04'];
    expect(created).toEqual([
      ...months.map((m) => `audit_log_p${m}`),
      ...months.map((m) => `push_audit_p${m}`),
    ]);
    expect(await where()).toBe('push_audit_p2031_03');
    expect(
      await ensureMonthlyPartitions(db, { monthsAhead: 3, from: '2031-01-15T00:00:00Z' }),
    ).toEqual([]);

    // The new partition is secured like the others, and the record is still the store's to read.
    const flags = await db.ownerTransaction((sql) =>
      sql.query<{ rls: boolean; forced: boolean }>(
        `select relrowsecurity as rls, relforcerowsecurity as forced from pg_class where relname = 'push_audit_p2031_03'`,
        [],
      ),
    );
    expect(flags.rows).toEqual([{ rls: true, forced: true }]);
    const seen = await db.transaction(contextOf(t), (sql) =>
      sql.query<{ n: number }>(
        `select count(*)::int as n from push_audit where created_at = '2031-03-10T15:00:00Z'`,
        [],
      ),
    );
    expect(seen.rows[0]?.n).toBe(1);
  });

  it('audit retention drops whole months past the retention window', async () => {
    const db = getDb();
    await ensureMonthlyPartitions(db, { monthsAhead: 1, from: '2020-01-01T00:00:00Z' });
    await db.ownerTransaction((sql) =>
      sql.query(
        `insert into audit_log (created_at, table_name, row_id, operation)
         values ('2020-01-15T00:00:00Z', 'x', '1', 'INSERT'), ('2019-06-01T00:00:00Z', 'x', '2', 'INSERT');
         insert into push_audit (created_at, store_id, device_id, first_mutation_id, last_mutation_id, mutations)
         values ('2020-01-15T00:00:00Z', gen_random_uuid(), gen_random_uuid(), 1, 1, '[]'),
                ('2019-06-01T00:00:00Z', gen_random_uuid(), gen_random_uuid(), 2, 2, '[]')`,
      ),
    );
    const dropped = await dropOldAuditPartitions(db, {
      retentionMonths: 12,
      now: '2021-02-10T00:00:00Z',
    });
    // Both logs: the per-row one and the pushes' per-mutation one.
    expect(dropped).toEqual(['audit_log_p2020_01', 'push_audit_p2020_01']);
    const left = await db.ownerTransaction((sql) =>
      sql.query<{ relname: string }>(
        `select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
          where i.inhparent = 'audit_log'::regclass and c.relname like 'audit_log_p2020%' order by 1`,
        [],
      ),
    );
    expect(left.rows).toEqual([{ relname: 'audit_log_p2020_02' }]);
    const old = await db.ownerTransaction((sql) =>
      sql.query<{ n: number }>(
        `select (select count(*) from audit_log where table_name = 'x')
              + (select count(*) from push_audit where created_at < '2020-02-01') as n`,
        [],
      ),
    );
    expect(old.rows[0]?.n).toBe(0);
  });
});
