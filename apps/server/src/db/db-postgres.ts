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
import { parsePostgresHosts } from './multi-host-url';
import { primaryPool, singlePool, type ClientSource, type PoolConfig } from './primary-pool';

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

// The WARNING PostgreSQL sends when a COMMIT stops waiting for the synchronous standby because
// the backend was cancelled (pg_cancel_backend; the statement timeout is off during the commit):
// the transaction is committed on this host only and a failover may lose it. The COMMIT itself
// reports success, so we must not: see inTransaction.
const SYNC_WAIT_CANCELLED = /canceling (the )?wait for synchronous replication/i;

async function inTransaction<T>(
  source: ClientSource,
  settings: [string, string][],
  fn: (sql: Sql) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const client = await source.connect();
  let broken: Error | undefined;
  let unreplicated: string | undefined;
  // The pool listens for errors of idle clients only. A connection cut while this transaction
  // holds the client (between two queries) emits 'error' on it, which would crash the process
  // (found by the db-network fault scenario); the failed query rejects on its own, and the
  // client is destroyed on release instead of going back to the pool.
  const onError = (err: Error) => {
    broken ??= err;
  };
  const onNotice = (msg: { message?: string | undefined }) => {
    if (msg.message && SYNC_WAIT_CANCELLED.test(msg.message)) unreplicated = msg.message;
  };
  client.on('error', onError);
  client.on('notice', onNotice);
  try {
    // BEGIN and the transaction's settings in one round trip: a multi-statement query must be
    // the simple protocol (no parameters), so the values go in as escaped literals (they are
    // UUIDs, a number and fixed words; see tenantSettings).
    await client.query(beginWith(settings, opts));
    const result = await fn(sqlOver(client));
    await client.query('COMMIT');
    if (unreplicated !== undefined) {
      // Committed here but not on the standby: its fate depends on whether this host stays the
      // primary. Acknowledging it could lose an acknowledged sale in a failover, so the caller
      // gets an outcome-unknown error (08007, answered 503); a retry finds it applied, or applies
      // it on the new primary: exactly once either way.
      broken = new Error(unreplicated);
      throw Object.assign(
        new Error(`commit not confirmed by the synchronous standby: ${unreplicated}`),
        { code: '08007' },
      );
    }
    return result;
  } catch (err) {
    if (unreplicated === undefined) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is unusable (e.g. it was cut): destroy it rather than pool it.
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      }
    }
    throw source.failed(err, client, opts.readOnlySnapshot === true);
  } finally {
    client.off('error', onError);
    client.off('notice', onNotice);
    client.release(broken);
  }
}

/** A plain pool for a one-host URL; for several hosts, a pool that follows the primary. */
function clientSource(url: string, config: PoolConfig): ClientSource {
  const { urls, primaryOnly } = parsePostgresHosts(url);
  return primaryOnly ? primaryPool(urls, config) : singlePool(url, config);
}

export function openPostgresDb(opts: PostgresOptions): Db {
  const common = {
    connectionTimeoutMillis: opts.connectionTimeoutMs,
    idleTimeoutMillis: opts.idleTimeoutMs,
    types,
  };
  const appPool = clientSource(opts.url, { ...common, max: opts.poolMax });
  const ownerPool = clientSource(opts.ownerUrl, { ...common, max: 2 });
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
      return appPool.stats();
    },
    async close() {
      await Promise.all([appPool.end(), ownerPool.end()]);
    },
  };
}
