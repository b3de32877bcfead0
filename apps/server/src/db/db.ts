/**
 * The database engine interface: one shape over real PostgreSQL (`pg` pools) and PGlite
 * (PostgreSQL in WASM, in process). Everything above this file talks SQL through `Db`.
 */

export interface SqlResult<R> {
  rows: R[];
  rowCount: number;
}

/** How one statement is sent (`Sql.query`, `Sql.queryThenCommit`). */
export interface QueryOptions {
  /**
   * A fixed text that runs often and plans well without its values (rows by key, inserts from
   * arrays): on PostgreSQL with prepared statements on (`DATABASE_PREPARED_STATEMENTS`), a named
   * prepared statement of the connection, parsed once per connection instead of on every
   * execution; PostgreSQL's plan cache then plans it once (a generic plan) where that costs no
   * more than a plan for the values, else on each execution as before. Ignored on PGlite, with
   * the option off, and without `params` (docs/PERFORMANCE.md, session 11).
   *
   * `'generic'` (`Sql.query` only): prepared, and always run with its generic plan (planned once
   * per connection, without the values: partitions pruned when it runs). Only for a statement
   * whose every table access is by key whatever the values — e.g. probes fenced in `lateral
   * (… offset 0)` subqueries — since a generic plan cannot know how many rows a store has.
   */
  prepare?: boolean | 'generic';
}

export interface Sql {
  /**
   * Runs one statement. With `params` it uses the extended protocol (one statement, `$1`…).
   * Without `params` it uses the simple protocol: a script of several statements is allowed
   * and the result is the last statement's. Parameters should be strings, numbers, booleans,
   * null or arrays of those; pass JSON as a string with a `::jsonb` cast.
   */
  query<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<SqlResult<R>>;
  /**
   * The transaction's last statement, committed with it: resolves with the statement's result
   * once the transaction has committed; if the statement fails, nothing commits and its error is
   * thrown. On PostgreSQL the statement and COMMIT leave in one write and are answered in one
   * round trip (db-postgres.ts); on PGlite the commit is the end of the transaction's function.
   * No statement may follow it (`query`, `streamText` and this reject: on PostgreSQL one would run
   * outside the transaction), and nothing after it in the function may fail.
   */
  queryThenCommit<R = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    opts?: QueryOptions,
  ): Promise<SqlResult<R>>;
  /**
   * Streams the rows of `select` — ONE text column, never NULL, no `$n` parameters (read values
   * from transaction-local settings: on PostgreSQL this is a COPY, which binds none) — as their
   * UTF-8 bytes, in batches of `batchRows` (the last one shorter). The next batch is not read
   * until `onBatch` resolves, so memory stays at about one batch whatever the result's size;
   * `onBatch` resolving `false` stops the stream (the rest is read and dropped on PostgreSQL).
   */
  streamText(
    select: string,
    batchRows: number,
    onBatch: (values: Buffer[]) => Promise<boolean | void>,
  ): Promise<void>;
}

export interface TenantContext {
  storeId?: string;
  organizationId?: string;
  userId?: string | null;
  staffId?: string | null;
  deviceId?: string | null;
  /**
   * 'push': the transaction writes its own audit records (push_audit, one per applied
   * mutation), so the per-row audit triggers of the tables it writes stand aside (0019).
   */
  audit?: 'push';
}

/** How a transaction runs (default: READ COMMITTED, read-write). */
export interface TransactionOptions {
  /**
   * One REPEATABLE READ, READ ONLY snapshot: every statement sees the database as of the first
   * one (a sync snapshot's rows and its cursor agree).
   */
  readOnlySnapshot?: boolean;
}

export interface Db {
  readonly engine: 'pglite' | 'postgres';
  /**
   * A transaction as the application role (RLS applies). Tenant context set with
   * set_config(..., true): transaction-local, safe behind PgBouncer in transaction mode.
   * No context → queries on business tables see nothing.
   */
  transaction<T>(
    ctx: TenantContext | null,
    fn: (sql: Sql) => Promise<T>,
    opts?: TransactionOptions,
  ): Promise<T>;
  /** A transaction as the tables' owner: migrations and maintenance jobs only. */
  ownerTransaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** Pool figures for metrics: total, idle, waiting connections. */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export type DbOptions =
  | { kind: 'pglite'; dataDir?: string /* undefined = in memory */ }
  | {
      kind: 'postgres';
      url: string /* app role */;
      ownerUrl: string /* owner, for migrations/jobs */;
      poolMax: number;
      connectionTimeoutMs: number;
      statementTimeoutMs: number;
      idleTimeoutMs: number;
      /**
       * Named prepared statements for `QueryOptions.prepare` (default true). False behind a
       * pooler that cannot keep them across transactions (PgBouncer < 1.21 in transaction mode).
       */
      preparedStatements?: boolean;
      /** Prepared statements a connection keeps before it drops them all (default 50). */
      maxPreparedPerConnection?: number;
    };

/** `Sql.streamText`'s batch size: a positive integer (it is written into the SQL). */
export function checkBatchRows(batchRows: number): void {
  if (!Number.isSafeInteger(batchRows) || batchRows < 1)
    throw new TypeError(`streamText: bad batchRows ${batchRows}`);
}

/** What a statement issued after `Sql.queryThenCommit` is rejected with, on both engines. */
export function afterCommitError(): Error {
  return new Error('the transaction has committed (queryThenCommit): no statement may follow');
}

/** The application role the server connects as (created by the first migration). */
export const APP_ROLE = 'mango_app';

/** Opens the database. Does NOT migrate: call `migrate(db)` (./migrate.ts) for that. */
export async function openDb(opts: DbOptions): Promise<Db> {
  if (opts.kind === 'pglite') {
    const { openPgliteDb } = await import('./db-pglite');
    return openPgliteDb(opts.dataDir);
  }
  const { openPostgresDb } = await import('./db-postgres');
  return openPostgresDb(opts);
}

// ---------------------------------------------------------------------------------------------
// Shared by both engines: tenant settings and value parsing, so that both return the same JS.

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/**
 * The transaction-local settings for a tenant context, as `[name, value]` pairs. Ids are
 * checked to be UUIDs here so that a malformed id is a clear error, not a cast failure inside
 * an RLS policy. Unset values are '' (the policies read '' as "not set").
 */
export function tenantSettings(ctx: TenantContext | null): [string, string][] {
  const pairs: [string, Exclude<keyof TenantContext, 'audit'>][] = [
    ['app.store_id', 'storeId'],
    ['app.org_id', 'organizationId'],
    ['app.user_id', 'userId'],
    ['app.staff_id', 'staffId'],
    ['app.device_id', 'deviceId'],
  ];
  const ids = pairs.map(([setting, key]): [string, string] => {
    const value = ctx?.[key];
    if (value === undefined || value === null || value === '') return [setting, ''];
    if (!isUuid(value)) throw new TypeError(`TenantContext.${key} must be a UUID, got ${value}`);
    return [setting, value.toLowerCase()];
  });
  return ctx?.audit === 'push' ? [...ids, ['app.audit', 'push']] : ids;
}

/** `select set_config($1,$2,true), set_config($3,$4,true), …` for the given pairs. */
export function setConfigQuery(pairs: readonly [string, string][]): {
  text: string;
  params: string[];
} {
  const calls = pairs.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`);
  return { text: `select ${calls.join(', ')}`, params: pairs.flat() };
}

const TS_RE =
  /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;

/**
 * A PostgreSQL `timestamptz`/`timestamp` text value (any session TimeZone) as an ISO-8601 UTC
 * string with milliseconds, the form the domain uses (`2026-11-24T15:04:05.123Z`).
 * Microseconds are truncated. `timestamp` without zone is read as UTC. Values the JS Date
 * cannot represent (infinity, BC) are returned as PostgreSQL printed them.
 */
export function timestampToIso(text: string): string {
  const m = TS_RE.exec(text);
  if (!m) return text;
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(
    Number(h),
    Number(mi),
    Number(s),
    frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0,
  );
  let ms = date.getTime();
  if (sign) {
    const offset = (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0)) * 1000;
    ms += sign === '+' ? -offset : offset;
  }
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

const toNumber = (text: string): number => Number(text);
const identity = (text: string): string => text;

/**
 * Text parsers by type oid, installed on both engines (pg: per pool, PGlite: per instance):
 * int8 and numeric as JS numbers (exact below 2^53: versions, counts, cent sums), timestamps as
 * ISO strings, date/time/interval as PostgreSQL prints them (`YYYY-MM-DD`, …).
 */
export const TYPE_PARSERS: Readonly<Record<number, (text: string) => unknown>> = {
  20: toNumber, // int8
  1700: toNumber, // numeric
  1082: identity, // date
  1083: identity, // time
  1266: identity, // timetz
  1186: identity, // interval
  1114: timestampToIso, // timestamp
  1184: timestampToIso, // timestamptz
};

/** Parameters: undefined → null; a Date → its ISO string (never the engine's local form). */
export function normalizeParams(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p === undefined ? null : p instanceof Date ? p.toISOString() : p));
}
