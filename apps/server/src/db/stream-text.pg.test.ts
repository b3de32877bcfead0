/**
 * `Sql.streamText` (db.ts): a COPY on PostgreSQL (copy-out.ts), a cursor on PGlite. The snapshot
 * streams every row of a store through it, so: batches in order and of the asked size, one batch
 * at a time, a stop that leaves the transaction usable, errors that reject, and row-level
 * security as for any other statement.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from './test-support/engines';
import { contextOf, createTenant, type Tenant } from './test-support/fixtures';

describeEachEngine('Sql.streamText', (getDb) => {
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    a = await createTenant(getDb());
    b = await createTenant(getDb());
  });

  const collect = (select: string, batchRows: number) =>
    getDb().transaction(contextOf(a), async (sql) => {
      const batches: string[][] = [];
      await sql.streamText(select, batchRows, async (values) => {
        batches.push(values.map(String));
      });
      return batches;
    });

  it('gives the rows as UTF-8 bytes, in order, in batches of the asked size', async () => {
    const batches = await collect(
      `select 'v' || g || case when g = 2 then ' é ✓' else '' end from generate_series(1, 7) g order by g`,
      3,
    );
    expect(batches).toEqual([['v1', 'v2 é ✓', 'v3'], ['v4', 'v5', 'v6'], ['v7']]);
    expect(await collect(`select 'x' where false`, 3)).toEqual([]);
  });

  it('hands over one batch at a time, each after the previous one was handled', async () => {
    const { batches, most } = await getDb().transaction(contextOf(a), async (sql) => {
      let inFlight = 0;
      let most = 0;
      let batches = 0;
      await sql.streamText(
        `select repeat('r', 200) || g from generate_series(1, 20000) g order by g`,
        500,
        async () => {
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, 1)); // a client that drains later
          inFlight--;
          batches++;
        },
      );
      return { batches, most };
    });
    expect(batches).toBe(40);
    expect(most).toBe(1);
  });

  it('stops when a batch says so, and the transaction goes on', async () => {
    const { seen, after } = await getDb().transaction(contextOf(a), async (sql) => {
      let seen = 0;
      await sql.streamText(`select g::text from generate_series(1, 5000) g`, 100, async (v) => {
        seen += v.length;
        return false;
      });
      const after = await sql.query<{ n: number }>('select 1 as n');
      return { seen, after: after.rows[0]?.n };
    });
    expect(seen).toBe(100);
    expect(after).toBe(1);
  });

  it("rejects with the database's error or the batch's, and the database stays usable", async () => {
    await expect(collect(`select (1 / 0)::text`, 10)).rejects.toMatchObject({ code: '22012' });
    const thrown = new Error('sink failed');
    await expect(
      getDb().transaction(contextOf(a), (sql) =>
        sql.streamText(`select g::text from generate_series(1, 3000) g`, 100, () =>
          Promise.reject(thrown),
        ),
      ),
    ).rejects.toBe(thrown);
    await expect(() => collect(`select 'x'`, 0)).rejects.toThrow(TypeError);
    expect(await collect(`select 'still here'`, 10)).toEqual([['still here']]);
  });

  it('sees only the tenant’s rows (row-level security applies as to any statement)', async () => {
    const [ids] = await collect(
      `select id::text from stores where id in ('${a.storeId}', '${b.storeId}')`,
      10,
    );
    expect(ids).toEqual([a.storeId]);
  });
});
