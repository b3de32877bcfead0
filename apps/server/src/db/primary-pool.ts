import pg from 'pg';
import { parsePostgresHosts } from './multi-host-url';

/**
 * Where a Db gets its connections. One host: a plain pg.Pool. Several hosts (a failover pair run
 * by pg_auto_failover, see docs/OPERATIONS.md): a pool on whichever host is the primary now,
 * found again after the primary is lost, so that the server follows a failover without a
 * restart. node-postgres has no multi-host connection strings; this is libpq's
 * target_session_attrs=read-write done here.
 */
export interface ClientSource {
  connect(): Promise<pg.PoolClient>;
  /**
   * A transaction failed with `err`; returns the error to throw. A lost primary (connection
   * refused or cut, shutting down, read-only) makes the next connect search for the primary again.
   */
  failed(err: unknown, client: pg.PoolClient, readOnlyTransaction: boolean): unknown;
  stats(): { total: number; idle: number; waiting: number };
  end(): Promise<void>;
}

export type PoolConfig = Omit<pg.PoolConfig, 'connectionString'> & {
  connectionTimeoutMillis: number;
};

/** A plain pool on one URL. */
export function singlePool(url: string, config: PoolConfig): ClientSource {
  const pool = newPool(url, config);
  return {
    connect: () => pool.connect(),
    failed: (err) => err,
    stats: () => poolStats(pool),
    end: () => pool.end(),
  };
}

function newPool(url: string, config: PoolConfig): pg.Pool {
  const pool = new pg.Pool({ ...config, connectionString: url });
  // An idle client's error (server restart, network cut) must not crash the process; the pool
  // drops that client and the next transaction gets a fresh one.
  pool.on('error', () => undefined);
  return pool;
}

function poolStats(pool: pg.Pool) {
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

/** An error with a SQLSTATE, so that isDatabaseUnavailable (class 08) answers 503. */
function coded(code: string, message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { code });
}

const LOST_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01', // admin shutdown
  '57P02', // crash shutdown
  '57P03', // cannot connect now (starting, or a standby not accepting connections)
  '25006', // read-only transaction: we are on a standby (the old primary, demoted)
]);

function isPrimaryLost(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return LOST_CODES.has(code) || code.startsWith('08');
  return typeof message === 'string' && /Connection terminated|connection is closed/i.test(message);
}

const hostOf = (url: string) => url.replace(/^[^/]*\/\/(?:[^@/]*@)?([^/?]*).*$/, '$1');

/**
 * A client on `url` if that host takes writes: not in recovery, and not read-only by default
 * (libpq's read-write test). A node pg_auto_failover has just promoted is out of recovery but
 * keeps default_transaction_read_only = on until the monitor makes it the primary; a pool there
 * would fail every write while its reads (and /readyz) succeed. Otherwise, why not.
 */
async function clientIfPrimary(
  url: string,
  timeoutMs: number,
): Promise<{ client: pg.Client } | { not: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const res = await client.query<{ standby: boolean; readOnly: boolean }>(
      `select pg_is_in_recovery() as standby,
              current_setting('transaction_read_only') = 'on' as "readOnly"`,
    );
    const row = res.rows[0];
    if (row && !row.standby && !row.readOnly) return { client };
    client.end().catch(() => undefined);
    return { not: row?.standby === false ? 'is read-only' : 'is a standby' };
  } catch (e) {
    client.end().catch(() => undefined);
    throw e;
  }
}

/** The first writable primary among `urls`, probed from `startAt`; 08001 naming each host if none. */
async function findPrimary(
  urls: readonly string[],
  startAt: number,
  timeoutMs: number,
): Promise<{ client: pg.Client; index: number }> {
  const seen: string[] = [];
  for (let i = 0; i < urls.length; i++) {
    const index = (startAt + i) % urls.length;
    const url = urls[index]!;
    try {
      const found = await clientIfPrimary(url, timeoutMs);
      if ('client' in found) return { client: found.client, index };
      seen.push(`${hostOf(url)} ${found.not}`);
    } catch (e) {
      seen.push(`${hostOf(url)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // 08001: sqlclient_unable_to_establish_sqlconnection; class 08 answers 503 and devices retry.
  throw coded('08001', `no primary among the database hosts (${seen.join('; ')})`);
}

/**
 * One connection (not a pool) for a session of its own, such as a tenant move's: to the URL's one
 * host, or to the primary among its hosts (several hosts with target_session_attrs=read-write).
 */
export async function connectToPrimary(url: string, timeoutMs: number): Promise<pg.Client> {
  const { urls, primaryOnly } = parsePostgresHosts(url);
  if (primaryOnly) return (await findPrimary(urls, 0, timeoutMs)).client;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * A pool on the primary among `urls`. The search probes the hosts in order, starting after the
 * one just lost: an old primary that is restarted by its keeper answers as a primary for a moment
 * before pg_auto_failover demotes it, and must not win over the promoted standby.
 */
export function primaryPool(urls: readonly string[], config: PoolConfig): ClientSource {
  let current: { pool: pg.Pool; index: number } | undefined;
  let searching: Promise<{ pool: pg.Pool; index: number }> | undefined;
  let startAt = 0;
  let closed = false;
  // Which pool each client came from: a late failure on the old primary's pool must not drop the
  // new one.
  const poolOf = new WeakMap<pg.PoolClient, { pool: pg.Pool; index: number }>();

  async function search(): Promise<{ pool: pg.Pool; index: number }> {
    const { client, index } = await findPrimary(urls, startAt, config.connectionTimeoutMillis);
    client.end().catch(() => undefined);
    return { pool: newPool(urls[index]!, config), index };
  }

  function drop(lost: { pool: pg.Pool; index: number }) {
    if (current !== lost) return;
    current = undefined;
    startAt = (lost.index + 1) % urls.length;
    // Clients still checked out are released into the ended pool and closed.
    lost.pool.end().catch(() => undefined);
  }

  return {
    async connect() {
      for (let attempt = 1; ; attempt++) {
        if (closed) throw new Error('the database pool is closed');
        let at = current;
        if (!at) {
          searching ??= search()
            .then((found) => {
              if (closed) {
                found.pool.end().catch(() => undefined);
                throw new Error('the database pool is closed');
              }
              current = found;
              return found;
            })
            .finally(() => {
              searching = undefined;
            });
          at = await searching;
        }
        // Lost again while we waited for the search: search once more.
        if (at.pool.ending) continue;
        try {
          const client = await at.pool.connect();
          poolOf.set(client, at);
          return client;
        } catch (err) {
          if (!isPrimaryLost(err)) throw err;
          drop(at);
          // Nothing was sent yet: search once more right away rather than fail a request.
          if (attempt > 1) throw err;
        }
      }
    },
    failed(err, client, readOnlyTransaction) {
      const code = (err as { code?: unknown } | null)?.code;
      // A read-only snapshot that tried to write is a bug of ours, not a failover.
      if (code === '25006' && readOnlyTransaction) return err;
      if (!isPrimaryLost(err)) return err;
      const from = poolOf.get(client);
      if (from) drop(from);
      return code === '25006'
        ? coded('08006', 'the database host is no longer the primary; searching again', err)
        : err;
    },
    stats: () => (current ? poolStats(current.pool) : { total: 0, idle: 0, waiting: 0 }),
    async end() {
      closed = true;
      const at = current;
      current = undefined;
      await at?.pool.end();
    },
  };
}
