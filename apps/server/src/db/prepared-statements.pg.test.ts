/**
 * `QueryOptions.prepare` (the push's lock and batched writes): on PostgreSQL with prepared
 * statements on, such a statement is a named prepared statement of its connection, kept across
 * transactions; a connection at its limit drops them all and prepares again. PGlite ignores the
 * option. What must hold: the same answers either way; a statement prepared once is not parsed
 * again on that connection; a failed statement or a rolled-back transaction leaves the connection
 * usable; statements without the option are not prepared; and with prepared statements off (a
 * PgBouncer < 1.21) nothing is.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDb, type Db, type QueryOptions, type Sql } from './db';
import { statementName } from './db-postgres';
import {
  describeEachEngine,
  testDatabaseUrl,
  withAdmin,
  withDatabase,
} from './test-support/engines';

describeEachEngine('prepared statements', (getDb) => {
  const P = { prepare: true } as const;
  it('answer as unnamed ones do, also when one fails', async () => {
    const sum = (prepare: boolean) =>
      getDb().transaction(null, async (sql) => {
        const a = await sql.query<{ n: number }>('select $1::int + $2::int as n', [2, 3], {
          prepare,
        });
        const b = await sql.queryThenCommit<{ n: number }>(
          'select $1::int * 2 as n',
          [a.rows[0]!.n],
          {
            prepare,
          },
        );
        return b.rows[0]!.n;
      });
    expect(await sum(true)).toBe(10);
    expect(await sum(false)).toBe(10);
    await expect(
      getDb().transaction(null, (sql) => sql.query('select $1::uuid as id', ['nope'], P)),
    ).rejects.toMatchObject({ code: '22P02' });
    const id = randomUUID();
    const again = await getDb().transaction(null, (sql) =>
      sql.query<{ id: string }>('select $1::uuid as id', [id], P),
    );
    expect(again.rows[0]!.id).toBe(id);
  });
});

const adminUrl = testDatabaseUrl();
// Through PgBouncer 1.18 (npm run test:scale) named statements are off: nothing to look at here.
const direct = adminUrl !== undefined && !process.env.TEST_PGBOUNCER_URL;

describe.skipIf(!direct)('prepared on PostgreSQL: named statements kept per connection', () => {
  const database = `mango_test_prepared_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const opened: Db[] = [];
  /** One connection, so that every transaction sees the same session's prepared statements. */
  const open = async (opts: { preparedStatements?: boolean; max?: number } = {}) => {
    const db = await openDb({
      kind: 'postgres',
      url: withDatabase(adminUrl!, database, 'mango_app'),
      ownerUrl: withDatabase(adminUrl!, database),
      poolMax: 1,
      connectionTimeoutMs: 10_000,
      statementTimeoutMs: 30_000,
      idleTimeoutMs: 60_000,
      ...(opts.preparedStatements === undefined
        ? {}
        : { preparedStatements: opts.preparedStatements }),
      ...(opts.max === undefined ? {} : { maxPreparedPerConnection: opts.max }),
    });
    opened.push(db);
    return db;
  };
  const admin = (text: string) => withAdmin((client) => client.query(text));
  beforeAll(async () => {
    // An empty database: these statements read no table. mango_app exists cluster-wide once
    // any migrated test database was made; create it if this runs first.
    await admin(`create database ${database}`);
    await admin(
      `do $$ begin if not exists (select from pg_roles where rolname = 'mango_app') then create role mango_app login; end if; end $$`,
    );
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
    await admin(`drop database if exists ${database} with (force)`);
  });

  interface Prepared {
    name: string;
    generic_plans: number;
    custom_plans: number;
  }
  const preparedIn = async (sql: Sql) =>
    (
      await sql.query<Prepared>(
        'select name, generic_plans::int, custom_plans::int from pg_prepared_statements order by name',
      )
    ).rows;
  const plans = (p: Prepared | undefined) => (p?.generic_plans ?? 0) + (p?.custom_plans ?? 0);
  const P = { prepare: true } as const;
  const TEXT = 'select $1::int + 1 as n';

  it('prepares a statement once per connection and runs it again by name', async () => {
    const db = await open();
    for (const n of [1, 2, 3]) {
      const seen = await db.transaction(null, async (sql) => {
        const res = await sql.query<{ n: number }>(TEXT, [n], P);
        return { n: res.rows[0]!.n, prepared: await preparedIn(sql) };
      });
      expect(seen.n).toBe(n + 1);
      // The same statement each time (prepared by the first transaction), executed n times.
      expect(seen.prepared.map((p) => [p.name, plans(p)])).toEqual([[statementName(TEXT), n]]);
    }
    // Statements without the option are not prepared; the last one with its COMMIT can be.
    const last = 'select $1::int * 10 as n';
    const committed = await db.transaction(null, async (sql) => {
      await sql.query('select $1::int - 1 as n', [5]);
      return sql.queryThenCommit<{ n: number }>(last, [4], P);
    });
    expect(committed.rows[0]!.n).toBe(40);
    const after = await db.transaction(null, (sql) => preparedIn(sql));
    expect(after.map((p) => [p.name, plans(p)]).sort()).toEqual(
      [
        [statementName(TEXT), 3],
        [statementName(last), 1],
      ].sort(),
    );
  });

  it('keeps the connection usable after a failed statement and a rollback', async () => {
    const db = await open();
    const text = 'select $1::uuid as id';
    await expect(db.transaction(null, (sql) => sql.query(text, ['nope'], P))).rejects.toMatchObject(
      { code: '22P02' },
    );
    // Sent twice at once in the pipeline, the first time on this connection: one Parse.
    const [a, b] = [randomUUID(), randomUUID()];
    const ids = await db.transaction(null, async (sql) => {
      const [ra, rb] = await Promise.all([
        sql.query<{ id: string }>(text, [a], P),
        sql.query<{ id: string }>(text, [b], P),
      ]);
      return [ra.rows[0]!.id, rb.rows[0]!.id];
    });
    expect(ids).toEqual([a, b]);
    // A transaction that fails after preparing: the statement stays (not transactional).
    const other = 'select $1::int * 3 as n';
    await expect(
      db.transaction(null, async (sql) => {
        await sql.query(other, [1], P);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    const after = await db.transaction(null, async (sql) => ({
      n: (await sql.query<{ n: number }>(other, [2], P)).rows[0]!.n,
      prepared: await preparedIn(sql),
    }));
    expect(after.n).toBe(6);
    expect(plans(after.prepared.find((p) => p.name === statementName(other)))).toBe(2);
  });

  it('drops them all at the limit and prepares again', async () => {
    const db = await open({ max: 3 });
    const texts = [1, 2, 3, 4, 5].map((k) => `select $1::int + ${k} as n`);
    for (const [i, text] of texts.entries()) {
      const n = await db.transaction(
        null,
        async (sql) => (await sql.query<{ n: number }>(text, [10], P)).rows[0]!.n,
      );
      expect(n).toBe(11 + i);
    }
    // The first text was dropped at the limit: sent again, it is parsed again (node-postgres's
    // record of it was dropped too; else it would bind a statement that is gone: 26000).
    const seen = await db.transaction(null, async (sql) => ({
      n: (await sql.query<{ n: number }>(texts[0]!, [10], P)).rows[0]!.n,
      prepared: await preparedIn(sql),
    }));
    expect(seen.n).toBe(11);
    expect(seen.prepared.length).toBeLessThanOrEqual(3);
    expect(seen.prepared.map((p) => p.name)).toContain(statementName(texts[0]!));
  });

  it('runs each statement under the plan mode it asks for, set only where it changes', async () => {
    const db = await open();
    const MODE = `select current_setting('plan_cache_mode') as mode, $1::int as n`;
    const GENERIC = { prepare: 'generic' } as const;
    const sent = vi.spyOn(pg.Client.prototype, 'query');
    const modeSets = () =>
      sent.mock.calls.filter(([q]) => typeof q === 'string' && /^SET LOCAL plan_cache_mode/.test(q))
        .length;
    try {
      const seen = await db.transaction(null, async (sql) => {
        const modes: [string, number][] = [];
        const mode = async (opts?: QueryOptions) => {
          const row = (await sql.query<{ mode: string }>(MODE, [1], opts)).rows[0]!;
          modes.push([row.mode, modeSets()]);
        };
        await mode(GENERIC); // sets it
        await mode(GENERIC); // already
        await mode(P); // sets it back
        await mode(); // already
        await sql.query('savepoint s');
        await mode(GENERIC); // sets it, inside the savepoint
        await sql.query('rollback to savepoint s'); // undoes that SET: the mode is not known
        await mode(GENERIC); // so it is set again
        const last = await sql.queryThenCommit<{ mode: string }>(MODE, [1], P);
        modes.push([last.rows[0]!.mode, modeSets()]);
        return modes;
      });
      const G = 'force_generic_plan';
      // Before, two SETs went around each of the 4 generic ones.
      expect(seen).toEqual([
        [G, 1],
        [G, 1],
        ['auto', 2],
        ['auto', 2],
        [G, 3],
        [G, 4],
        ['auto', 5],
      ]);
    } finally {
      sent.mockRestore();
    }
    // The next transaction begins with the server's default, whatever the last one set.
    const next = await db.transaction(null, (sql) => sql.query<{ mode: string }>(MODE, [1], P));
    expect(next.rows[0]!.mode).toBe('auto');
  });

  it('prepares nothing when prepared statements are off (PgBouncer < 1.21)', async () => {
    const db = await open({ preparedStatements: false });
    const seen = await db.transaction(null, async (sql) => {
      await sql.query(TEXT, [1], P);
      return preparedIn(sql);
    });
    expect(seen).toEqual([]);
  });
});
