/**
 * WriteBatch's row counts (write-batch.ts): a batched push updates the rows it read live by a
 * plain update (db/batch-write.ts), so an update that finds fewer rows than it was given must
 * fail the statement — the push then retries its chunk one mutation at a time — instead of
 * skipping a write.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeEachEngine } from './test-support/engines';
import { WriteBatch } from './write-batch';

describeEachEngine('WriteBatch', (getDb) => {
  const setup = `create temp table wb (id uuid primary key, n integer not null) on commit drop`;
  const update = 'update wb set n = n + 1 where id = any($1::uuid[]) returning 1';

  describe('with a row count', () => {
    it('writes everything when each counted write wrote its rows', async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      const rows = await getDb().ownerTransaction(async (sql) => {
        await sql.query(setup);
        await sql.query('insert into wb values ($1, 0), ($2, 0)', [a, b]);
        const batch = new WriteBatch();
        batch.add(update, [[a, b]], 2);
        batch.add('insert into wb values ($1, 7)', [randomUUID()]);
        await batch.flush(sql);
        return (await sql.query<{ n: number }>('select n from wb order by n')).rows;
      });
      expect(rows.map((r) => r.n)).toEqual([1, 1, 7]);
    });

    it('fails the whole statement, writing nothing, when an update found fewer rows', async () => {
      const a = randomUUID();
      const outcome = await getDb().ownerTransaction(async (sql) => {
        await sql.query(setup);
        await sql.query('insert into wb values ($1, 0)', [a]);
        await sql.query('savepoint s');
        const batch = new WriteBatch();
        batch.add(update, [[a, randomUUID()]], 2); // one of the two is not there
        batch.add('insert into wb values ($1, 7)', [randomUUID()]);
        const error = await batch.flush(sql).then(
          () => null,
          (e: unknown) => e as { code?: string; message?: string },
        );
        await sql.query('rollback to savepoint s');
        const rows = (await sql.query<{ n: number }>('select n from wb')).rows;
        return { error, rows };
      });
      expect(outcome.error?.code).toBe('22P02');
      expect(outcome.error?.message).toContain('fewer rows than it was given');
      expect(outcome.rows.map((r) => r.n)).toEqual([0]);
    });

    it('checks a single counted write too', async () => {
      const statement = (() => {
        const batch = new WriteBatch();
        batch.add(update, [[randomUUID()]], 1);
        return batch.statement();
      })();
      expect(statement?.text).toMatch(/^with w0 as \(update wb/);
      expect(statement?.text).toContain('(select count(*) from w0) = 1');
    });
  });
});
