import pg from 'pg';
import { copyOutText } from './copy-out';
import {
  normalizeParams,
  tenantSettings,
  TYPE_PARSERS,
  type Db,
  type DbOptions,
  type Sql,
  type SqlResult,
  type TenantContext,
  type TransactionOptions,
} from './db';

type PostgresOptions = Extract<DbOptions, { kind: 'postgres' }>;

/** Our parsers for this Db's pools only (the global `pg.types` registry is left alone). */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const parser = format === 'binary' ? undefined : TYPE_PARSERS[oid];
    return parser ?? pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

function sqlOver(client: pg.PoolClient): Sql {
  return {
    async query<R>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
      // Unnamed statements only (no `name`): nothing is prepared across transactions, which
      // keeps PgBouncer in transaction mode safe.
      const res = (
        params === undefined
          ? await client.query(text)
          : await client.query(text, normalizeParams(params))
      ) as pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(res) ? res[res.length - 1] : res;
      const rows = (last?.rows ?? []) as R[];
      return { rows, rowCount: last?.rowCount ?? rows.length };
    },
    streamText(select, batchRows, onBatch) {
      return copyOutText(client, select, batchRows, onBatch);
    },
  };
}

/** `BEGIN; select set_config('k', 'v', true), …` with every name and value escaped. */
export function beginWith(
  settings: readonly [string, string][],
  opts: TransactionOptions = {},
): string {
  const begin = opts.readOnlySnapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN';
  if (settings.length === 0) return begin;
  const calls = settings.map(
    ([name, value]) => `set_config(${pg.escapeLiteral(name)}, ${pg.escapeLiteral(value)}, true)`,
  );
  return `${begin}; select ${calls.join(', ')}`;
}

async function inTransaction<T>(
  pool: pg.Pool,
  settings: [string, string][],
  fn: (sql: Sql) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // The pool listens for errors of idle clients only. A connection cut while this transaction
  // holds the client (between two queries) emits 'error' on it, which would crash the process
  // (found by the db-network fault scenario); the failed query rejects on its own, and the
  // client is destroyed on release instead of going back to the pool.
  const onError = (err: Error) => {
    broken ??= err;
  };
  client.on('error', onError);
  try {
    // BEGIN and the transaction's settings in one round trip: a multi-statement query must be
    // the simple protocol (no parameters), so the values go in as escaped literals (they are
    // UUIDs, a number and fixed words; see tenantSettings).
    await client.query(beginWith(settings, opts));
    const result = await fn(sqlOver(client));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      // The connection is unusable (e.g. it was cut): destroy it rather than pool it.
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    }
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

export function openPostgresDb(opts: PostgresOptions): Db {
  const common = {
    connectionTimeoutMillis: opts.connectionTimeoutMs,
    idleTimeoutMillis: opts.idleTimeoutMs,
    types,
  };
  const appPool = new pg.Pool({ ...common, connectionString: opts.url, max: opts.poolMax });
  const ownerPool = new pg.Pool({ ...common, connectionString: opts.ownerUrl, max: 2 });
  // An idle client's error (server restart, network cut) must not crash the process; the pool
  // drops that client and the next transaction gets a fresh one.
  appPool.on('error', () => undefined);
  ownerPool.on('error', () => undefined);
  const timeout = String(opts.statementTimeoutMs);

  return {
    engine: 'postgres',
    transaction(ctx: TenantContext | null, fn, txOpts) {
      return inTransaction(
        appPool,
        [['statement_timeout', timeout], ...tenantSettings(ctx)],
        fn,
        txOpts,
      );
    },
    ownerTransaction(fn) {
      // Migrations and jobs may run long: no statement timeout beyond the server's own.
      return inTransaction(ownerPool, [], fn);
    },
    poolStats() {
      return { total: appPool.totalCount, idle: appPool.idleCount, waiting: appPool.waitingCount };
    },
    async close() {
      await Promise.all([appPool.end(), ownerPool.end()]);
    },
  };
}
