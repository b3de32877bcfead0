import { PGlite, type Transaction } from '@electric-sql/pglite';
import {
  afterCommitError,
  APP_ROLE,
  checkBatchRows,
  normalizeParams,
  setConfigQuery,
  tenantSettings,
  TYPE_PARSERS,
  type Db,
  type Sql,
  type SqlResult,
  type TenantContext,
  type TransactionOptions,
} from './db';

/**
 * PGlite is one embedded PostgreSQL backend with one session, logged in as its superuser.
 * The application role is entered per transaction with `SET LOCAL ROLE mango_app`: privileges
 * and row level security are checked against `current_user`, so inside the transaction every
 * statement is checked exactly as on a server connection that logged in as mango_app (same
 * GRANTs, same policies, `current_user = 'mango_app'`). The role switch ends with the
 * transaction. The difference: code inside the transaction could `RESET ROLE`; our code never
 * does, and on real PostgreSQL the login role itself is mango_app.
 */
export async function openPgliteDb(dataDir?: string): Promise<Db> {
  return wrapPglite(await createPglite(dataDir === undefined ? {} : { dataDir }));
}

/** A PGlite instance with our type parsers (the same JS values as the pg pools return). */
export function createPglite(opts: { dataDir?: string; loadDataDir?: Blob | File }) {
  return PGlite.create({
    ...opts,
    parsers: TYPE_PARSERS as Record<number, (value: string) => unknown>,
  });
}

/**
 * A copy of a data directory (`PGlite.dumpDataDir`) as a new in-memory database. Tests migrate
 * one instance, dump it and start each suite from the dump (PGlite's own clone() would drop
 * our parsers).
 */
export async function openPgliteFromDump(dump: Blob | File): Promise<Db> {
  return wrapPglite(await createPglite({ loadDataDir: dump }));
}

export interface PgliteLike {
  transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function sqlOver(tx: Transaction): Sql {
  // After queryThenCommit: refused, as on PostgreSQL (where it would run outside the transaction).
  let committed = false;
  const query = async <R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> => {
    if (committed) throw afterCommitError();
    if (params === undefined) {
      // Simple protocol, like pg without values: scripts of several statements are allowed.
      const results = await tx.exec(text);
      const last = results[results.length - 1];
      const rows = (last?.rows ?? []) as R[];
      return { rows, rowCount: resultRowCount(last, rows.length) };
    }
    const res = await tx.query<R>(text, normalizeParams(params));
    return { rows: res.rows, rowCount: resultRowCount(res, res.rows.length) };
  };
  return {
    query,
    async queryThenCommit<R>(text: string, params?: readonly unknown[]) {
      // In process, a round trip costs nothing: the commit stays PGlite's, when the
      // transaction's function returns.
      const res = await query<R>(text, params);
      committed = true;
      return res;
    },
    async streamText(select, batchRows, onBatch) {
      if (committed) throw afterCommitError();
      checkBatchRows(batchRows);
      // PGlite has no streamed COPY to the caller: a cursor, fetched batch by batch.
      await tx.exec(`declare stream_text no scroll cursor for ${select}`);
      for (;;) {
        const res = await tx.query<Record<string, unknown>>(
          `fetch forward ${batchRows} from stream_text`,
        );
        const values = res.rows.map((r) => Buffer.from(String(Object.values(r)[0])));
        if (values.length > 0 && (await onBatch(values)) === false) break;
        if (values.length < batchRows) break;
      }
      await tx.exec('close stream_text');
    },
  };
}

function resultRowCount(res: { affectedRows?: number } | undefined, rows: number): number {
  if (res === undefined) return 0;
  const counted = (res as { rowCount?: number }).rowCount;
  return typeof counted === 'number' ? counted : (res.affectedRows ?? rows);
}

/** A Db over an open PGlite instance (also used by tests on a `clone()` of a migrated one). */
export function wrapPglite(pg: PgliteLike): Db {
  // PGlite runs one statement at a time on one session: transactions queue here.
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  let active = 0;
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    waiting++;
    const run = tail.then(async () => {
      waiting--;
      active++;
      try {
        return await fn();
      } finally {
        active--;
      }
    });
    tail = run.catch(() => undefined);
    return run;
  };

  return {
    engine: 'pglite',
    transaction<T>(
      ctx: TenantContext | null,
      fn: (sql: Sql) => Promise<T>,
      opts: TransactionOptions = {},
    ) {
      const settings = tenantSettings(ctx);
      return serialized(() =>
        pg.transaction(async (tx) => {
          // Before any query (SET LOCAL is not one). PGlite runs one transaction at a time, so
          // the snapshot is consistent anyway; the mode makes it read-only like on PostgreSQL.
          if (opts.readOnlySnapshot) {
            await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
          }
          await tx.exec(`SET LOCAL ROLE ${APP_ROLE}`);
          const { text, params } = setConfigQuery(settings);
          await tx.query(text, params);
          return fn(sqlOver(tx));
        }),
      );
    },
    ownerTransaction<T>(fn: (sql: Sql) => Promise<T>) {
      return serialized(() => pg.transaction((tx) => fn(sqlOver(tx))));
    },
    poolStats() {
      return { total: 1, idle: active === 0 ? 1 : 0, waiting };
    },
    async close() {
      await serialized(() => pg.close());
    },
  };
}
