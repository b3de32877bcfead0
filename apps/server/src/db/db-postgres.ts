import { createHash } from 'node:crypto';
import pg from 'pg';
import { copyOutText } from './copy-out';
import {
  afterCommitError,
  normalizeParams,
  tenantSettings,
  TYPE_PARSERS,
  type Db,
  type DbOptions,
  type QueryOptions,
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

/**
 * node-postgres's pipeline mode (pg ≥ 8.22): each query is written as soon as it is made, with
 * its own Sync, and answered in order; a failing query does not stop the ones behind it (in a
 * transaction they fail too, as PostgreSQL refuses statements in an aborted transaction, and a
 * COMMIT there is answered ROLLBACK). The client's typing has the switch read-only: it is set
 * here only while the client is idle (nothing sent, nothing queued), where both modes are in the
 * same state.
 */
function setPipeline(client: pg.PoolClient, on: boolean): void {
  (client as unknown as { pipeline: boolean }).pipeline = on;
}

/** The client's socket, to cork a few queries into one write (pg uncorks after each query). */
function socketOf(client: pg.PoolClient): { cork(): void; uncork(): void } | undefined {
  const stream = (client as unknown as { connection?: { stream?: { cork?: unknown } } }).connection
    ?.stream;
  return typeof stream?.cork === 'function'
    ? (stream as { cork(): void; uncork(): void })
    : undefined;
}

/** Writes the queries `send` makes in one socket write (Node buffers writes while corked). */
function inOneWrite<T>(client: pg.PoolClient, send: () => T): T {
  const socket = socketOf(client);
  socket?.cork();
  try {
    return send();
  } finally {
    socket?.uncork();
  }
}

function resultOf<R>(res: pg.QueryResult | pg.QueryResult[]): SqlResult<R> {
  const last = Array.isArray(res) ? res[res.length - 1] : res;
  const rows = (last?.rows ?? []) as R[];
  return { rows, rowCount: last?.rowCount ?? rows.length };
}

/**
 * Named prepared statements (`QueryOptions.prepare`, `DATABASE_PREPARED_STATEMENTS`): the
 * names each connection was sent, and how many it may keep. A statement's name is the hash of
 * its text, so one text is one statement on every connection and two texts never share a name.
 * A connection that reaches the limit drops them all (DEALLOCATE ALL) before its next
 * transaction: a push's written shapes are a few dozen, so that is rare, and the backend's memory
 * stays bounded (a statement keeps its plans: a generic plan of an update of a hash-partitioned
 * table is ~130 KB; docs/PERFORMANCE.md, session 11).
 */
interface PreparedNames {
  sent: Set<string>;
}

const preparedOf = new WeakMap<pg.PoolClient, PreparedNames>();
const MAX_REMEMBERED_NAMES = 2000;
const nameOfText = new Map<string, string>();

export function statementName(text: string): string {
  let name = nameOfText.get(text);
  if (name === undefined) {
    if (nameOfText.size >= MAX_REMEMBERED_NAMES) nameOfText.clear();
    name = `mango_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    nameOfText.set(text, name);
  }
  return name;
}

/** node-postgres's own record of the statements it parsed on a connection (not in its typing). */
function parsedStatementsOf(client: pg.PoolClient): Record<string, string> | undefined {
  const connection = (client as unknown as { connection?: { parsedStatements?: unknown } })
    .connection;
  const parsed = connection?.parsedStatements;
  return typeof parsed === 'object' && parsed !== null
    ? (parsed as Record<string, string>)
    : undefined;
}

/**
 * The connection's prepared names, emptied first (DEALLOCATE ALL, with the client idle) when it
 * holds `max`. Null when node-postgres does not keep its record where we look: then nothing is
 * prepared (every statement unnamed, as before).
 */
async function preparedNames(client: pg.PoolClient, max: number): Promise<PreparedNames | null> {
  const parsed = parsedStatementsOf(client);
  if (!parsed) return null;
  let names = preparedOf.get(client);
  if (!names) preparedOf.set(client, (names = { sent: new Set() }));
  if (names.sent.size >= max) {
    await client.query('DEALLOCATE ALL');
    for (const name of Object.keys(parsed)) delete parsed[name];
    names.sent.clear();
  }
  return names;
}

function send(
  client: pg.PoolClient,
  text: string,
  params?: readonly unknown[],
  prepared?: PreparedNames | null,
) {
  if (params === undefined) return client.query(text) as Promise<pg.QueryResult | pg.QueryResult[]>;
  if (!prepared) {
    // Unnamed: nothing is prepared across transactions (safe behind any PgBouncer).
    return client.query(text, normalizeParams(params)) as Promise<pg.QueryResult>;
  }
  // Named: node-postgres sends Parse once per connection (it remembers the names it parsed,
  // also while one is in flight in the pipeline), then only Bind and Execute.
  const name = statementName(text);
  prepared.sent.add(name);
  return client.query({ name, text, values: normalizeParams(params) }) as Promise<pg.QueryResult>;
}

/** Where a transaction on one client stands, shared by its `Sql` and `inTransaction`. */
interface TransactionState {
  /**
   * The BEGIN, sent in the same write as the transaction's first statement and not waited for
   * before it: every statement's result waits for it too, so the function never goes on from a
   * transaction that did not begin.
   */
  begun: Promise<unknown>;
  /** Statements sent and not answered yet. */
  inFlight: number;
  /** queryThenCommit has sent the COMMIT. */
  committed: boolean;
  /**
   * The plan_cache_mode the statements sent last run under: `force_generic_plan` since a
   * `prepare: 'generic'` statement, until a statement that plans as usual sets it back. Set only
   * where it changes, in the same write as the statement that needs it (docs/PERFORMANCE.md,
   * session 13). Null: not known (after a ROLLBACK TO SAVEPOINT), set again before the next one.
   */
  generic: boolean | null;
}

function sqlOver(
  client: pg.PoolClient,
  state: TransactionState,
  prepared: PreparedNames | null,
): Sql {
  const run = async <T>(sent: Promise<T>): Promise<T> => {
    state.inFlight++;
    try {
      const [, res] = await Promise.all([state.begun, sent]);
      return res;
    } finally {
      state.inFlight--;
    }
  };
  /** Sends the SET of the plan mode (and records it): the statements after it run under it. */
  const setPlanMode = (generic: boolean): Promise<unknown> => {
    state.generic = generic;
    return run(
      send(
        client,
        generic
          ? 'SET LOCAL plan_cache_mode = force_generic_plan'
          : 'SET LOCAL plan_cache_mode TO DEFAULT',
      ),
    );
  };
  /**
   * The SET and the statement in one write. If the statement fails, the transaction is aborted
   * and what follows fails too; if the SET fails, the statement behind it fails as well: either
   * way the statement's error is the one thrown.
   */
  const afterModeSwitch = async (
    generic: boolean,
    sendStatement: () => Promise<pg.QueryResult | pg.QueryResult[]>,
  ) => {
    const [switched, statement] = inOneWrite(client, () => [
      setPlanMode(generic),
      run(sendStatement()),
    ]);
    const [set, done] = await Promise.allSettled([switched, statement]);
    if (done.status === 'rejected') throw done.reason;
    if (set.status === 'rejected') throw set.reason;
    return done.value;
  };
  return {
    async query<R>(
      text: string,
      params?: readonly unknown[],
      opts?: QueryOptions,
    ): Promise<SqlResult<R>> {
      if (state.committed) throw afterCommitError();
      const generic = opts?.prepare === 'generic' && prepared !== null && params !== undefined;
      const prepare = opts?.prepare && prepared ? prepared : null;
      if (params === undefined) {
        // A ROLLBACK TO SAVEPOINT undoes the SETs made since the savepoint: not known after it.
        if (/^\s*rollback\b/i.test(text)) state.generic = null;
        return resultOf<R>(await run(send(client, text, params, prepare)));
      }
      // Parameterized statements plan by plan_cache_mode (one without parameters, the simple
      // protocol, is planned for its one run whatever the mode).
      if (generic === state.generic) {
        return resultOf<R>(await run(send(client, text, params, prepare)));
      }
      return resultOf<R>(await afterModeSwitch(generic, () => send(client, text, params, prepare)));
    },
    async queryThenCommit<R>(text: string, params?: readonly unknown[], opts?: QueryOptions) {
      if (state.committed) throw afterCommitError();
      state.committed = true;
      // Pipelined: the COMMIT is written with the statement and runs after it. If the statement
      // fails, PostgreSQL answers the COMMIT "ROLLBACK" (no error): nothing committed, and the
      // statement's error is the one thrown. If the COMMIT fails, that is the error.
      const [switched, statement, commit] = inOneWrite(client, () => {
        const switched =
          params !== undefined && state.generic !== false ? setPlanMode(false) : Promise.resolve();
        return [
          switched,
          run(send(client, text, params, opts?.prepare ? prepared : null)),
          run(send(client, 'COMMIT')),
        ] as const;
      });
      const [set, done, committed] = await Promise.allSettled([switched, statement, commit]);
      if (done.status === 'rejected') throw done.reason;
      if (set.status === 'rejected') throw set.reason;
      if (committed.status === 'rejected') throw committed.reason;
      return resultOf<R>(done.value);
    },
    async streamText(select, batchRows, onBatch) {
      if (state.committed) throw afterCommitError();
      // The COPY is a custom query, which pipeline mode refuses: it runs with the client idle
      // and out of pipeline mode.
      await state.begun;
      if (state.inFlight > 0) throw new Error('streamText: another statement is still running');
      setPipeline(client, false);
      try {
        await copyOutText(client, select, batchRows, onBatch);
      } finally {
        setPipeline(client, true);
      }
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

/** How a Db's transactions prepare statements (`QueryOptions.prepare`); null: never. */
interface Preparing {
  maxPerConnection: number;
}

async function inTransaction<T>(
  source: ClientSource,
  settings: [string, string][],
  fn: (sql: Sql) => Promise<T>,
  opts: TransactionOptions = {},
  preparing: Preparing | null = null,
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
  let prepared: PreparedNames | null = null;
  if (preparing) {
    try {
      prepared = await preparedNames(client, preparing.maxPerConnection);
    } catch (err) {
      client.off('error', onError);
      client.off('notice', onNotice);
      client.release(err instanceof Error ? err : new Error(String(err)));
      throw source.failed(err, client, false);
    }
  }
  // Ours only while we hold it: the pool's other users (and copy-out) see the usual mode.
  setPipeline(client, true);
  const state: TransactionState = {
    begun: Promise.resolve(),
    inFlight: 0,
    committed: false,
    generic: false,
  };
  try {
    // BEGIN and the transaction's settings in one query: a multi-statement query must be the
    // simple protocol (no parameters), so the values go in as escaped literals (they are UUIDs,
    // a number and fixed words; see tenantSettings). It leaves in the same write as the
    // function's first statement (made synchronously by `fn`, before its first await), and
    // both are answered in one round trip. If it fails with the connection up — not seen: its
    // statements are fixed and checked — the transaction block is open and aborted, so the
    // statement behind it fails too; and that statement's result waits for the BEGIN's anyway.
    let running: Promise<T> | undefined;
    inOneWrite(client, () => {
      state.begun = send(client, beginWith(settings, opts));
      state.begun.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      running = fn(sqlOver(client, state, prepared));
    });
    const result = await running!;
    await state.begun;
    if (!state.committed) await client.query('COMMIT');
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
    if (!broken) setPipeline(client, false);
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
  const preparing: Preparing | null =
    opts.preparedStatements === false
      ? null
      : { maxPerConnection: opts.maxPreparedPerConnection ?? 50 };

  return {
    engine: 'postgres',
    transaction(ctx: TenantContext | null, fn, txOpts) {
      return inTransaction(
        appPool,
        [['statement_timeout', timeout], ...tenantSettings(ctx)],
        fn,
        txOpts,
        preparing,
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
