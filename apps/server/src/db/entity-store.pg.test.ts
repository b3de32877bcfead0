import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClientRow, EntityRows } from '../../../../packages/domain/src/entities';
import { INDEXED_FIELDS } from '../../../../packages/domain/src/tx';
import type { Db, Sql } from './db';
import { createSqlMutatorTx, readChangesSince, type Change } from './entity-store';
import {
  ENTITY_TABLES,
  STORE_COLUMNS,
  SYNC_COLUMNS,
  TABLE_ENTITY_NAMES,
  type ColumnType,
} from './entity-tables';
import { describeEachEngine, makeTestDb, testEngines } from './test-support/engines';
import { genericPlanNodes } from './test-support/generic-plan';
import {
  contextOf,
  createTenant,
  mutate,
  sampleRows,
  seedAllEntities,
  type Tenant,
} from './test-support/fixtures';

const SQL_TYPES: Record<ColumnType | 'jsonb', string> = {
  jsonb: 'jsonb',
  uuid: 'uuid',
  text: 'text',
  bigint: 'bigint',
  integer: 'integer',
  boolean: 'boolean',
  timestamptz: 'timestamp with time zone',
  date: 'date',
};

/** Pulls everything after `cursor` in pages of `limit`, checking that no version is split. */
async function pullAll(
  db: Db,
  t: Tenant,
  cursor: number,
  limit: number,
): Promise<{ pages: Change[][]; cursor: number }> {
  const pages: Change[][] = [];
  for (;;) {
    const page = await db.transaction(contextOf(t), (sql) =>
      readChangesSince(sql, t.storeId, cursor, limit),
    );
    pages.push(page.changes);
    if (page.changes.length > 0) expect(page.cursor).toBe(page.changes.at(-1)?.version);
    cursor = page.cursor;
    if (!page.hasMore) return { pages, cursor };
    expect(pages.length).toBeLessThan(10_000);
  }
}

function expectNoSplitVersions(pages: Change[][]): void {
  const pageOf = new Map<number, number>();
  pages.forEach((page, i) => {
    for (const c of page) {
      const seen = pageOf.get(c.version);
      if (seen !== undefined)
        expect({ version: c.version, page: i }).toEqual({ version: c.version, page: seen });
      pageOf.set(c.version, i);
    }
    const versions = page.map((c) => c.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
  });
}

describeEachEngine('entity store (MutatorTx over SQL)', (getDb) => {
  let t: Tenant;
  beforeAll(async () => {
    t = await createTenant(getDb());
  });

  it('entity-tables.ts matches the catalog: columns, types, indexes for every INDEXED_FIELDS field', async () => {
    const db = getDb();
    for (const entity of TABLE_ENTITY_NAMES) {
      const def = ENTITY_TABLES[entity];
      const res = await db.ownerTransaction((sql) =>
        sql.query<{ name: string; type: string }>(
          `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
            where attrelid = $1::regclass and attnum > 0 and not attisdropped`,
          [def.table],
        ),
      );
      const types = new Map(res.rows.map((r) => [r.name, r.type]));
      for (const c of SYNC_COLUMNS) expect(types.has(c), `${def.table}.${c}`).toBe(true);
      for (const c of def.columns) {
        expect({ column: `${def.table}.${c.column}`, type: types.get(c.column) }).toEqual({
          column: `${def.table}.${c.column}`,
          type: SQL_TYPES[c.type],
        });
      }
      for (const field of INDEXED_FIELDS[entity] as readonly string[]) {
        const col = def.columns.find((c) => c.field === field);
        expect(col, `${entity}.${field} is promoted`).toBeDefined();
        // An index led by store_id whose next key is the column, or a partial index on it.
        const idx = await db.ownerTransaction((sql) =>
          sql.query<{ n: number }>(
            `select count(*) as n from pg_index i
              where i.indrelid = $1::regclass
                and i.indkey[0] = (select attnum from pg_attribute where attrelid = $1::regclass and attname = 'store_id')
                and (i.indkey[1] = (select attnum from pg_attribute where attrelid = $1::regclass and attname = $2)
                     or pg_get_expr(i.indpred, i.indrelid) like '%' || $2 || '%')`,
            [def.table, col?.column],
          ),
        );
        expect({ entity, field, indexes: (idx.rows[0]?.n ?? 0) > 0 }).toEqual({
          entity,
          field,
          indexes: true,
        });
      }
    }
    // The `store` entity is the stores row itself: each of its fields must have its column.
    const stores = await db.ownerTransaction((sql) =>
      sql.query<{ name: string; type: string }>(
        `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
          where attrelid = 'stores'::regclass and attnum > 0 and not attisdropped`,
      ),
    );
    const storeTypes = new Map(stores.rows.map((r) => [r.name, r.type]));
    for (const c of STORE_COLUMNS) {
      expect({ column: `stores.${c.column}`, type: storeTypes.get(c.column) }).toEqual({
        column: `stores.${c.column}`,
        type: SQL_TYPES[c.type],
      });
    }
  });

  it('put/get round-trips every entity exactly, and list finds by promoted fields', async () => {
    const db = getDb();
    const { rows } = await seedAllEntities(db, t);
    await db.transaction(contextOf(t), async (sql) => {
      const { createSqlMutatorTx } = await import('./entity-store');
      const tx = createSqlMutatorTx(sql, { storeId: t.storeId, version: 1 });
      for (const entity of TABLE_ENTITY_NAMES) {
        const row = rows[entity];
        expect(await tx.get(entity, row.id)).toEqual(row);
      }
      expect(await tx.get('client', randomUUID())).toBeUndefined();
      expect(await tx.get('client', 'not-a-uuid')).toBeUndefined();
      expect(await tx.list('client', { where: { phone: '(555) 123-4567' } })).toEqual([
        rows.client,
      ]);
      expect(await tx.list('client', { where: { email: 'nobody@example.com' } })).toEqual([]);
      expect(await tx.list('staff', { where: { active: true, userId: t.userId } })).toEqual([
        rows.staff,
      ]);
      expect(await tx.list('ticketLine', { where: { ticketId: rows.ticket.id } })).toEqual([
        rows.ticketLine,
      ]);
      expect(await tx.list('ticket', { where: { status: 'closed', appointmentId: null } })).toEqual(
        [rows.ticket],
      );
      expect(await tx.list('payment', { where: { ticketId: 'nope' } })).toEqual([]);
      expect(await tx.list('turn', { where: { businessDate: '2026-11-24' } })).toEqual([rows.turn]);
      await expect(tx.list('client', { where: { firstName: 'Ann' } })).resolves.toEqual([
        rows.client,
      ]);
      await expect(tx.list('client', { where: { notes: 'x' } })).rejects.toThrow(
        /list\('client'\): field 'notes' is not a promoted column of clients/,
      );
      const store = await tx.get('store', t.storeId);
      expect(store).toEqual({
        id: t.storeId,
        organizationId: t.organizationId,
        name: 'Salon',
        currency: 'USD',
        taxRatePpm: 82_500,
        timeZone: 'America/New_York',
        plan: 'free',
        fullTurnThresholdCents: 0,
        offlineCardMaxPerPaymentCents: 10_000, // the column defaults (migration 0007)
        offlineCardMaxPerDeviceCents: 50_000,
        strictBooking: false, // migration 0012
        appointmentsCountAsTurns: false, // migration 0015
        address: '', // migration 0018
        allowNegativeStock: false, // migration 0017
        lowStockAt: 3,
      });
    });
  });

  it('rejects malformed rows with a clear error', async () => {
    await expect(
      mutate(getDb(), t, (tx) =>
        tx.put('ticketLine', { ...sampleRows(t).ticketLine, ticketId: 'ticket-1' }),
      ),
    ).rejects.toThrow(/ticketLine\.ticket_id must be a UUID/);
    await expect(
      mutate(getDb(), t, (tx) => tx.put('ticket', { ...sampleRows(t).ticket, totalCents: 10.5 })),
    ).rejects.toThrow(/ticket\.total_cents must be an integer/);
  });

  it('range queries are half-open and ordered by the range field', async () => {
    const db = getDb();
    const base = sampleRows(t).appointment;
    const starts = [
      '2026-12-01T09:00:00.000Z',
      '2026-12-01T10:00:00.000Z',
      '2026-12-01T11:00:00.000Z',
      '2026-12-02T09:00:00.000Z',
    ];
    const staffId = randomUUID();
    await mutate(db, t, async (tx) => {
      for (const start of [...starts].reverse()) {
        await tx.put('appointment', { ...base, id: randomUUID(), staffId, start, end: start });
      }
    });
    const found = await mutate(db, t, (tx) =>
      tx.list('appointment', {
        where: { staffId },
        range: { field: 'start', gte: '2026-12-01T10:00:00.000Z', lt: '2026-12-02T09:00:00.000Z' },
      }),
    );
    expect(found.result.map((a) => a.start)).toEqual(starts.slice(1, 3));
    const fromOnly = await mutate(db, t, (tx) =>
      tx.list('appointment', {
        where: { staffId },
        range: { field: 'start', gte: '2026-12-01T10:00:00.000Z' },
      }),
    );
    expect(fromOnly.result).toHaveLength(3);
  });

  it('an overlap check runs its generic plan and reads only the staff member’s window', async () => {
    const db = getDb();
    const base = sampleRows(t).appointment;
    const [staffId, otherStaffId] = [randomUUID(), randomUUID()];
    const day = (n: number, hour: number) => new Date(Date.UTC(2026, 5, 1 + n, hour)).toISOString();
    // 120 days of two staff members' appointments, three a day each.
    await mutate(db, t, async (tx) => {
      for (let n = 0; n < 120; n++) {
        for (const hour of [9, 12, 15]) {
          for (const staff of [staffId, otherStaffId]) {
            const start = day(n, hour);
            await tx.put('appointment', {
              ...base,
              id: randomUUID(),
              staffId: staff,
              start,
              end: day(n, hour + 1),
            });
          }
        }
      }
    });
    const query = {
      where: { staffId },
      range: { field: 'start' as const, gte: day(59, 13), lt: day(60, 13) },
    };
    const sent: { text: string; params: readonly unknown[]; opts: unknown }[] = [];
    const found = await mutate(db, t, (_tx, sql, version) => {
      const recording: Sql = {
        ...sql,
        query: (text, params, opts) => {
          sent.push({ text, params: params ?? [], opts });
          return sql.query(text, params, opts);
        },
      };
      return createSqlMutatorTx(recording, { storeId: t.storeId, version }).list(
        'appointment',
        query,
      );
    });
    expect(found.result.map((a) => a.start)).toEqual([day(59, 15), day(60, 9), day(60, 12)]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.opts).toEqual({ prepare: 'generic' });
    // Where it is prepared (PostgreSQL, not through PgBouncer 1.18): its generic plan, by its
    // name on the connection, meets only the window's rows (3 of the store's 720).
    if (db.engine !== 'postgres' || process.env.TEST_PGBOUNCER_URL) return;
    await db.ownerTransaction((sql) => sql.query('analyze appointments'));
    const { text, params } = sent[0]!;
    const nodes = await db.transaction(contextOf(t), async (sql) => {
      await sql.query(text, params, { prepare: 'generic' });
      return genericPlanNodes(sql, text, params);
    });
    const scans = nodes.filter((n) => n['Relation Name'] !== undefined);
    expect(scans.length).toBeGreaterThan(0);
    for (const n of scans) {
      const what = `${n['Node Type']} on ${n['Relation Name']}`;
      expect(n['Node Type'], what).toMatch(/Index/);
      expect(
        (n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0),
        what,
      ).toBeLessThanOrEqual(3);
    }
  });

  it('a rescheduled appointment stays one row, in its store’s partition', async () => {
    const db = getDb();
    const appt = {
      ...sampleRows(t).appointment,
      id: randomUUID(),
      start: '2026-11-30T22:00:00.000Z',
      end: '2026-11-30T23:00:00.000Z',
    };
    const stored = () =>
      db.ownerTransaction(async (sql) => {
        const res = await sql.query<{ p: string; version: number; start_at: string }>(
          `select tableoid::regclass::text as p, version, start_at from appointments
            where store_id = $1 and id = $2`,
          [t.storeId, appt.id],
        );
        return res.rows;
      });
    await mutate(db, t, (tx) => tx.put('appointment', appt));
    const [first] = await stored();
    expect(first?.p).toMatch(/^appointments_p\d+$/);
    const moved = { ...appt, start: '2026-12-01T01:00:00.000Z', end: '2026-12-01T02:00:00.000Z' };
    const { version } = await mutate(db, t, (tx) => tx.put('appointment', moved));
    expect(await stored()).toEqual([
      { p: first?.p, version, start_at: '2026-12-01T01:00:00.000Z' },
    ]);
    const got = await mutate(db, t, (tx) => tx.get('appointment', appt.id));
    expect(got.result).toEqual(moved);
  });

  it('delete leaves a tombstone: invisible to get/list, visible to pulls with data null; put revives', async () => {
    const db = getDb();
    const client: ClientRow = { id: randomUUID(), firstName: 'Del', lastName: 'Eted', phone: null };
    const { version: created } = await mutate(db, t, (tx) => tx.put('client', client));
    const { version: deletedAt } = await mutate(db, t, (tx) => tx.delete('client', client.id));
    const after = await mutate(db, t, async (tx) => ({
      get: await tx.get('client', client.id),
      list: (await tx.list('client', { where: { lastName: 'Eted' } })).length,
    }));
    expect(after.result).toEqual({ get: undefined, list: 0 });
    const page = await db.transaction(contextOf(t), (sql) =>
      readChangesSince(sql, t.storeId, created - 1, 1000),
    );
    const mine = page.changes.filter((c) => c.id === client.id);
    expect(mine).toEqual([
      { entity: 'client', id: client.id, version: deletedAt, deleted: true, data: null },
    ]);
    // Deleting again changes nothing; put brings it back at a new version.
    const again = await mutate(db, t, (tx) => tx.delete('client', client.id));
    const page2 = await db.transaction(contextOf(t), (sql) =>
      readChangesSince(sql, t.storeId, again.version - 1, 1000),
    );
    expect(page2.changes.filter((c) => c.id === client.id)).toEqual([]);
    await mutate(db, t, (tx) => tx.put('client', client));
    expect((await mutate(db, t, (tx) => tx.get('client', client.id))).result).toEqual(client);
  });

  it('store settings: put versions the store row, so pulls carry it', async () => {
    const db = getDb();
    const s = await createTenant(db);
    const first = await db.transaction(contextOf(s), (sql) =>
      readChangesSince(sql, s.storeId, 0, 10),
    );
    expect(first.changes.map((c) => [c.entity, c.version])).toEqual([['store', 1]]);
    expect(first).toMatchObject({ cursor: 1, hasMore: false });
    const { version } = await mutate(db, s, async (tx) => {
      const row = await tx.get('store', s.storeId);
      if (!row) throw new Error('no store');
      await tx.put('store', { ...row, name: 'Renamed', taxRatePpm: 88_750 });
    });
    const next = await db.transaction(contextOf(s), (sql) =>
      readChangesSince(sql, s.storeId, 1, 10),
    );
    expect(next.changes).toHaveLength(1);
    expect(next.changes[0]).toMatchObject({
      entity: 'store',
      version,
      data: { name: 'Renamed', taxRatePpm: 88_750 },
    });
    // A settings change outside sync (admin tool) still bumps the version and reaches pulls.
    await db.ownerTransaction((sql) =>
      sql.query(`update stores set plan = 'pro' where id = $1`, [s.storeId]),
    );
    const admin = await db.transaction(contextOf(s), (sql) =>
      readChangesSince(sql, s.storeId, version, 10),
    );
    expect(admin.changes).toMatchObject([
      { entity: 'store', version: version + 1, data: { plan: 'pro' } },
    ]);
  });

  it('pages never split a version, and paging from any cursor yields every change once', async () => {
    const db = getDb();
    const s = await createTenant(db);
    // Version 2: 7 rows at once; then 6 versions of 1 row; then a version of 3 rows.
    await mutate(db, s, async (tx) => {
      for (let i = 0; i < 7; i++)
        await tx.put('service', { ...sampleRows(s).service, id: randomUUID(), name: `S${i}` });
    });
    for (let i = 0; i < 6; i++)
      await mutate(db, s, (tx) => tx.put('client', { ...sampleRows(s).client, id: randomUUID() }));
    await mutate(db, s, async (tx) => {
      const rows = sampleRows(s);
      await tx.put('ticket', rows.ticket);
      await tx.put('ticketLine', rows.ticketLine);
      await tx.put('payment', rows.payment);
    });
    const everything = (await pullAll(db, s, 0, 100_000)).pages.flat();
    expect(everything).toHaveLength(1 + 7 + 6 + 3);
    for (const limit of [1, 2, 3, 5, 8]) {
      const { pages, cursor } = await pullAll(db, s, 0, limit);
      expectNoSplitVersions(pages);
      expect(pages.flat()).toEqual(everything);
      expect(cursor).toBe(everything.at(-1)?.version);
      for (const page of pages) {
        const versions = new Set(page.map((c) => c.version));
        // Over the limit only when the page is a single version that does not fit.
        if (page.length > limit) expect(versions.size).toBe(1);
      }
    }
    const fromMiddle = await pullAll(db, s, 5, 2);
    expect(fromMiddle.pages.flat()).toEqual(everything.filter((c) => c.version > 5));
  });

  it('hydrates a large store page by page (3 000 rows in pages of 1 000)', async () => {
    const db = getDb();
    const s = await createTenant(db);
    await db.ownerTransaction(async (sql: Sql) => {
      await sql.query(
        `insert into clients (store_id, id, version, data, first_name, last_name)
         select $1, gen_random_uuid(), 1 + g / 10, jsonb_build_object('firstName', 'C' || g), 'C' || g, 'L'
           from generate_series(1, 3000) g`,
        [s.storeId],
      );
      await sql.query('update stores set version = 301 where id = $1', [s.storeId]);
    });
    const { pages, cursor } = await pullAll(db, s, 0, 1000);
    expectNoSplitVersions(pages);
    expect(pages.flat()).toHaveLength(3001);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...pages.map((p) => p.length))).toBeLessThanOrEqual(1000);
    expect(cursor).toBe(301);
    expect(new Set(pages.flat().map((c) => c.id)).size).toBe(3001);
  });
});

/** Values every engine must return identically (compared with literals, so both agree). */
async function probeValues(db: Db, t: Tenant) {
  return db.transaction(contextOf(t), async (sql) => {
    await sql.query(`set local timezone = 'Asia/Kathmandu'`, []); // +05:45: parsing must not care
    const scalars = await sql.query(
      `select 9007199254740991::int8 as big, 42::int4 as i, 12.5::numeric as num, 1.5::float8 as f,
              '2026-11-24 15:04:05.123456+00'::timestamptz as ts,
              '2026-11-24 15:04:05'::timestamp as ts_local,
              '2026-11-24'::date as d, '{"a": [1, "x", null], "b": {"c": true}}'::jsonb as j,
              true as b, '6b8b4567-327b-4c6e-9b1a-2f0b5b7e5c3a'::uuid as u, array['a', 'b'] as arr,
              null::text as n, count(*) as cnt, sum(x) as total
         from generate_series(1, 3) x`,
      [],
    );
    const client: EntityRows['client'] = await createTxGet(sql, t);
    return { scalars: scalars.rows, client };
  });
}

async function createTxGet(sql: Sql, t: Tenant): Promise<ClientRow> {
  const { createSqlMutatorTx } = await import('./entity-store');
  const tx = createSqlMutatorTx(sql, { storeId: t.storeId, version: 1 });
  const row: ClientRow = {
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    firstName: 'Zoë',
    lastName: 'Ng',
    phone: '+1 555 0100',
    email: null,
    notes: 'ünïcode ✓',
  };
  await tx.put('client', row);
  return (await tx.get('client', row.id)) as ClientRow;
}

const EXPECTED_VALUES = {
  scalars: [
    {
      big: 9007199254740991,
      i: 42,
      num: 12.5,
      f: 1.5,
      ts: '2026-11-24T15:04:05.123Z',
      ts_local: '2026-11-24T15:04:05.000Z',
      d: '2026-11-24',
      j: { a: [1, 'x', null], b: { c: true } },
      b: true,
      u: '6b8b4567-327b-4c6e-9b1a-2f0b5b7e5c3a',
      arr: ['a', 'b'],
      n: null,
      cnt: 3,
      total: 6,
    },
  ],
  client: {
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    firstName: 'Zoë',
    lastName: 'Ng',
    phone: '+1 555 0100',
    email: null,
    notes: 'ünïcode ✓',
  },
};

describe('both engines return identical JS values', () => {
  for (const engine of testEngines()) {
    it(`${engine}: numbers, ISO timestamps, dates, JSON, arrays`, async () => {
      const { db, close } = await makeTestDb({ engine });
      try {
        const t = await createTenant(db);
        expect(await probeValues(db, t)).toStrictEqual(EXPECTED_VALUES);
        const stats = db.poolStats();
        expect(stats.total).toBeGreaterThanOrEqual(stats.idle);
        expect(stats.waiting).toBe(0);
      } finally {
        await close();
      }
    });
  }
});
