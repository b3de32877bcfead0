/**
 * A transaction's first statement leaves with its BEGIN and its last one with its COMMIT
 * (db-postgres.ts: node-postgres's pipeline mode; `Sql.queryThenCommit`). What must hold on both
 * engines: the first statement runs inside the transaction, with its settings; the last one
 * commits with everything before it, or, when it fails, nothing does and its error is the one
 * thrown; nothing runs after it; and the COPY of `streamText` still works as a first statement.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from './test-support/engines';

describeEachEngine('transactions with BEGIN and COMMIT pipelined', (getDb) => {
  beforeAll(async () => {
    await getDb().ownerTransaction((sql) =>
      sql.query('create table pipelined (id uuid primary key, n integer not null check (n >= 0))'),
    );
  });

  const count = async (id: string) =>
    getDb().ownerTransaction(async (sql) => {
      const res = await sql.query<{ n: number }>(
        'select count(*)::int as n from pipelined where id = $1',
        [id],
      );
      return res.rows[0]!.n;
    });

  it('runs the first statement inside the transaction, with its settings', async () => {
    const storeId = randomUUID();
    const seen = await getDb().transaction({ storeId }, async (sql) => {
      const res = await sql.query<{ store: string }>(
        `select current_setting('app.store_id', true) as store`,
      );
      return res.rows[0];
    });
    expect(seen?.store).toBe(storeId);
    // A write the first statement made is undone by a failure after it: it ran in the block.
    const id = randomUUID();
    const failed = await getDb()
      .ownerTransaction(async (sql) => {
        await sql.query('insert into pipelined values ($1, 1)', [id]);
        throw new Error('after the first statement');
      })
      .catch((e: Error) => e.message);
    expect(failed).toBe('after the first statement');
    expect(await count(id)).toBe(0);
  });

  it('commits the last statement with everything before it and returns its rows', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const rows = await getDb().ownerTransaction(async (sql) => {
      await sql.query('insert into pipelined values ($1, 1)', [a]);
      const res = await sql.queryThenCommit<{ id: string }>(
        'insert into pipelined values ($1, 2) returning id',
        [b],
      );
      return res.rows;
    });
    expect(rows).toEqual([{ id: b }]);
    expect([await count(a), await count(b)]).toEqual([1, 1]);
  });

  it('commits nothing when the last statement fails, and throws its error', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const error = await getDb()
      .ownerTransaction(async (sql) => {
        await sql.query('insert into pipelined values ($1, 1)', [a]);
        await sql.queryThenCommit('insert into pipelined values ($1, -1)', [b]); // check fails
      })
      .then(
        () => null,
        (e: unknown) => e as { code?: string },
      );
    expect(error?.code).toBe('23514');
    expect([await count(a), await count(b)]).toEqual([0, 0]);
    // The connection is usable afterwards (PostgreSQL: the pooled client is in a clean state).
    expect(await count(a)).toBe(0);
  });

  it('refuses a statement after it, keeping what committed', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const refused = await getDb().ownerTransaction(async (sql) => {
      await sql.queryThenCommit('insert into pipelined values ($1, 1)', [a]);
      const after = await Promise.allSettled([
        sql.query('insert into pipelined values ($1, 1)', [b]),
        sql.queryThenCommit('insert into pipelined values ($1, 1)', [b]),
        sql.streamText('select 1::text', 10, async () => undefined),
      ]);
      return after.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ran'));
    });
    expect(refused).toEqual(Array(3).fill(expect.stringContaining('no statement may follow')));
    expect([await count(a), await count(b)]).toEqual([1, 0]);
  });

  it('streams as the first statement of a transaction', async () => {
    const got: string[] = [];
    await getDb().transaction(
      { storeId: randomUUID() },
      (sql) =>
        sql.streamText(
          `select current_setting('app.store_id', true) || ':' || g::text from generate_series(1, 3) g`,
          2,
          async (values) => {
            got.push(...values.map((v) => v.toString('utf8').split(':')[1]!));
          },
        ),
      { readOnlySnapshot: true },
    );
    expect(got).toEqual(['1', '2', '3']);
  });

  it('keeps several transactions on the pool apart', async () => {
    const ids = Array.from({ length: 8 }, () => randomUUID());
    await Promise.all(
      ids.map((id, i) =>
        getDb().ownerTransaction(async (sql) => {
          await sql.query('insert into pipelined values ($1, $2)', [id, i]);
          await sql.queryThenCommit('update pipelined set n = n + 1 where id = $1', [id]);
        }),
      ),
    );
    const rows = await getDb().ownerTransaction(async (sql) => {
      const res = await sql.query<{ id: string; n: number }>(
        'select id, n from pipelined where id = any($1::uuid[])',
        [ids],
      );
      return new Map(res.rows.map((r) => [r.id, r.n]));
    });
    expect(ids.map((id) => rows.get(id))).toEqual(ids.map((_, i) => i + 1));
  });
});
