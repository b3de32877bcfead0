import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import {
  type DbWork,
  type DbWorkReading,
  type FunctionDetail,
  parsePgbenchOutput,
  type StatementDetail,
  statementKind,
  type WalGroup,
  workPerUnit,
} from './db-work';

const run = promisify(execFile);

/** PostgreSQL helpers for the bench, through the psql / pgbench / createdb command-line tools. */
export interface PgTarget {
  host: string;
  port: number;
  superuser: string;
}

export const DEFAULT_PG: PgTarget = { host: '127.0.0.1', port: 5432, superuser: 'postgres' };

export function pgUrl(t: PgTarget, user: string, db: string): string {
  return `postgres://${user}@${t.host}:${t.port}/${db}`;
}

/** Runs SQL as the superuser; returns psql's unaligned, tuples-only output. */
export async function psql(
  t: PgTarget,
  db: string,
  sql: string,
  timeoutMs = 600_000,
): Promise<string> {
  const { stdout } = await run(
    'psql',
    [
      '-h',
      t.host,
      '-p',
      String(t.port),
      '-U',
      t.superuser,
      '-d',
      db,
      '-v',
      'ON_ERROR_STOP=1',
      '-X',
      '-Atq',
      '-c',
      sql,
    ],
    { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout.trim();
}

export async function recreateDatabase(t: PgTarget, db: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`unsafe database name ${db}`);
  await psql(t, 'postgres', `drop database if exists ${db} with (force)`);
  await psql(t, 'postgres', `create database ${db}`);
}

export async function dropDatabase(t: PgTarget, db: string): Promise<void> {
  await psql(t, 'postgres', `drop database if exists ${db} with (force)`);
}

export async function serverVersion(t: PgTarget): Promise<string> {
  return psql(t, 'postgres', 'show server_version');
}

export interface PgbenchResult {
  tps: number;
  latencyAvgMs: number;
  transactions: number;
  /** Database work per transaction (pg_stat_statements, pg_stat_user_tables, pg_stat_wal). */
  work: DbWork;
  clients: number;
  threads: number;
  seconds: number;
  scale: number;
  script: string;
  raw: string;
}

/**
 * The built-in simple-update script (`-N`: the TPC-B-like transaction without the updates of
 * tellers and branches) on a scratch database initialised with `pgbench -i`.
 */
export async function runPgbench(
  t: PgTarget,
  opts: {
    db: string;
    scale: number;
    clients: number;
    threads: number;
    seconds: number;
    /** `-N` simple-update (default) or `-S` select-only (the reference for quiet pulls). */
    script?: '-N' | '-S';
  },
): Promise<PgbenchResult> {
  const script = opts.script ?? '-N';
  const conn = ['-h', t.host, '-p', String(t.port), '-U', t.superuser];
  await recreateDatabase(t, opts.db);
  const statsWarning = await prepareStatementStats(t, opts.db);
  await run('pgbench', [...conn, '-i', '-q', '-s', String(opts.scale), opts.db], {
    timeout: 600_000,
  });
  // The init's backend publishes its table counters as it exits, just after pgbench returns.
  await sleep(1000);
  const before = await readDbWork(t, opts.db, t.superuser, statsWarning === null);
  // -n: no vacuum and truncation at the start of the run, which would be counted as its work;
  // `pgbench -i` has just vacuumed, and pgbench_history is empty.
  const { stdout } = await run(
    'pgbench',
    [
      ...conn,
      '-n',
      script,
      '-c',
      String(opts.clients),
      '-j',
      String(opts.threads),
      '-T',
      String(opts.seconds),
      opts.db,
    ],
    { timeout: (opts.seconds + 120) * 1000, maxBuffer: 16 * 1024 * 1024 },
  );
  await sleep(2000);
  const after = await readDbWork(t, opts.db, t.superuser, statsWarning === null);
  const out = parsePgbenchOutput(stdout);
  const work = workPerUnit(before, after, out.transactions, statsWarning);
  await dropDatabase(t, opts.db);
  return {
    tps: out.tps,
    latencyAvgMs: out.latencyAvgMs,
    transactions: out.transactions,
    work,
    clients: opts.clients,
    threads: opts.threads,
    seconds: opts.seconds,
    scale: opts.scale,
    script: script === '-N' ? 'simple-update (-N)' : 'select-only (-S)',
    raw: stdout,
  };
}

/**
 * Idle tenants, inserted directly as the owner (much faster than sign-up): each an organization
 * with one store, one owner user and one registered device, and no business rows. Grows the
 * tenant tables to `total` organizations.
 */
export async function insertIdleTenants(
  t: PgTarget,
  db: string,
  total: number,
  chunk = 10_000,
): Promise<{ inserted: number; seconds: number; organizations: number }> {
  const started = performance.now();
  const existing = Number(await psql(t, db, 'select count(*) from organizations'));
  const roleColumns = (
    await psql(
      t,
      db,
      "select column_name from information_schema.columns where table_name = 'user_store_roles'",
    )
  ).split('\n');
  const roleOrg = roleColumns.includes('organization_id');
  let inserted = 0;
  while (existing + inserted < total) {
    const n = Math.min(chunk, total - existing - inserted);
    const from = existing + inserted;
    await psql(
      t,
      db,
      `begin;
       create temp table idle_t on commit drop as
         select gen_random_uuid() as org, gen_random_uuid() as store, gen_random_uuid() as usr, gen_random_uuid() as dev, g
           from generate_series(${from + 1}, ${from + n}) g;
       insert into organizations (id, name) select org, 'Idle salon ' || g from idle_t;
       insert into stores (id, organization_id, name, currency, tax_rate_ppm, time_zone)
         select store, org, 'Idle salon ' || g || ' – Main St', 'USD', 82500, 'America/New_York' from idle_t;
       insert into users (id, organization_id, email, password_hash)
         select usr, org, 'idle-' || g || '-' || left(org::text, 8) || '@idle.example.com', 'x-not-a-password-hash' from idle_t;
       insert into user_store_roles (user_id, store_id, ${roleOrg ? 'organization_id, ' : ''}role)
         select usr, store, ${roleOrg ? 'org, ' : ''}'owner' from idle_t;
       insert into devices (id, store_id, organization_id, name, registered_by) select dev, store, org, 'POS 1', usr from idle_t;
       commit;`,
    );
    inserted += n;
  }
  // Vacuumed too: tenants that exist in a real database are old rows, and an autovacuum of the
  // fresh insert must not run during the measured window that follows.
  if (inserted > 0)
    await psql(
      t,
      db,
      'vacuum (analyze) organizations, stores, users, user_store_roles, devices, audit_log',
    );
  return {
    inserted,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    organizations: existing + inserted,
  };
}

/** The pids of `user`'s backends on `db` (e.g. the server's connections, not other work's). */
export async function backendPids(t: PgTarget, db: string, user: string): Promise<number[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(user)) throw new Error(`unsafe role name ${user}`);
  return (
    await psql(
      t,
      db,
      `select pid from pg_stat_activity where datname = current_database() and usename = '${user}'`,
    )
  )
    .split('\n')
    .filter(Boolean)
    .map(Number);
}

/** Cumulative statement-level counters of one database (pg_stat_database, pg_stat_user_tables). */
export interface DbActivity {
  commits: number;
  indexScans: number;
  seqScans: number;
  rowsInserted: number;
  rowsUpdated: number;
  /** Index scans of the `stores` table alone (foreign-key checks, RLS sub-queries, locks). */
  storesIndexScans: number;
  /** Index scans over the partitions of `appointments`, and how many partitions there are. */
  appointmentIndexScans: number;
  appointmentPartitions: number;
}

/**
 * Reads the counters. PostgreSQL 15 backends publish theirs when idle, at most every 10 s, so
 * call this after the server's connections have been idle for longer than that.
 */
export async function dbActivity(t: PgTarget, db: string): Promise<DbActivity> {
  const row = await psql(
    t,
    db,
    `select /* ${READING_MARK} */ (select xact_commit from pg_stat_database where datname = current_database()),
            coalesce(sum(idx_scan), 0), coalesce(sum(seq_scan), 0),
            coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0),
            coalesce(sum(idx_scan) filter (where relname = 'stores'), 0),
            coalesce(sum(idx_scan) filter (where relname like 'appointments\\_%'), 0),
            count(*) filter (where relname like 'appointments\\_%')
       from pg_stat_user_tables`,
  );
  const [
    commits,
    indexScans,
    seqScans,
    rowsInserted,
    rowsUpdated,
    storesIndexScans,
    appointmentIndexScans,
    appointmentPartitions,
  ] = row.split('|').map(Number);
  return {
    commits: commits ?? 0,
    indexScans: indexScans ?? 0,
    seqScans: seqScans ?? 0,
    rowsInserted: rowsInserted ?? 0,
    rowsUpdated: rowsUpdated ?? 0,
    storesIndexScans: storesIndexScans ?? 0,
    appointmentIndexScans: appointmentIndexScans ?? 0,
    appointmentPartitions: appointmentPartitions ?? 0,
  };
}

/** Per-mutation difference of two readings, rounded to 0.1. */
export function activityPerMutation(
  before: DbActivity,
  after: DbActivity,
  mutations: number,
): Record<Exclude<keyof DbActivity, 'appointmentPartitions'>, number> & {
  appointmentPartitions: number;
} {
  const per = (k: keyof DbActivity) =>
    Math.round(((after[k] - before[k]) / Math.max(1, mutations)) * 10) / 10;
  return {
    commits: per('commits'),
    indexScans: per('indexScans'),
    seqScans: per('seqScans'),
    rowsInserted: per('rowsInserted'),
    rowsUpdated: per('rowsUpdated'),
    storesIndexScans: per('storesIndexScans'),
    appointmentIndexScans: per('appointmentIndexScans'),
    appointmentPartitions: after.appointmentPartitions,
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The schema of the pg_stat_statements views in a scratch database (out of the app's way). */
const STATS_SCHEMA = 'bench_stats';
/** In the bench's own reading query, so that the statement counts leave it out. */
const READING_MARK = 'mango-bench-reading';

/**
 * Readies `db` for `readDbWork` with statement counts: the pg_stat_statements views (as superuser)
 * and, for every session that connects from now on, nested statements tracked too and BEGIN /
 * COMMIT counted as statements. Returns null when ready, else why not (a warning to print: the
 * readings then carry no statement counts).
 */
export async function prepareStatementStats(t: PgTarget, db: string): Promise<string | null> {
  if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`unsafe database name ${db}`);
  const preload = await psql(t, db, 'show shared_preload_libraries');
  if (!preload.split(',').some((l) => l.trim().replace(/"/g, '') === 'pg_stat_statements'))
    return `pg_stat_statements is not preloaded (shared_preload_libraries = '${preload}'): statement, buffer and WAL counts are not recorded. To enable: ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements', then restart PostgreSQL (.ci/run does both).`;
  try {
    await psql(
      t,
      db,
      `create schema if not exists ${STATS_SCHEMA};
       create extension if not exists pg_stat_statements with schema ${STATS_SCHEMA};
       alter database ${db} set pg_stat_statements.track = 'all';
       alter database ${db} set pg_stat_statements.track_utility = on;
       alter database ${db} set pg_stat_statements.track_planning = on;
       alter database ${db} set track_functions = 'pl';`,
    );
  } catch (e) {
    return `pg_stat_statements could not be set up in ${db} (${e instanceof Error ? e.message.trim() : String(e)}): statement, buffer and WAL counts are not recorded.`;
  }
  // The WAL breakdown by relation (walGroups); optional: without it the breakdown is left out.
  await psql(
    t,
    db,
    `create extension if not exists pg_walinspect with schema ${STATS_SCHEMA}`,
  ).catch(() => undefined);
  return null;
}

/**
 * pg_stat_statements per top-level statement of `user` in `db` (cumulative; `statementsPerUnit`
 * takes the difference of two readings). Needs `prepareStatementStats`.
 */
export async function readStatementDetail(
  t: PgTarget,
  db: string,
  user: string,
): Promise<StatementDetail[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(user)) throw new Error(`unsafe role name ${user}`);
  const row = await psql(
    t,
    db,
    `select /* ${READING_MARK} */ coalesce(json_agg(json_build_object(
         'queryid', queryid::text, 'text', left(query, 20000),
         'calls', calls, 'buffers', shared_blks_hit + shared_blks_read,
         'walRecords', wal_records, 'walBytes', wal_bytes,
         'plans', plans, 'planMs', total_plan_time, 'execMs', total_exec_time)), '[]')
       from ${STATS_SCHEMA}.pg_stat_statements
      where toplevel
        and dbid = (select oid from pg_database where datname = current_database())
        and userid = (select oid from pg_roles where rolname = '${user}')
        and query not like '%${READING_MARK}%'`,
  );
  return (JSON.parse(row) as (Omit<StatementDetail, 'query' | 'kind'> & { text: string })[]).map(
    ({ text, ...s }) => ({
      ...s,
      query: text.replace(/\s+/g, ' ').trim().slice(0, 60),
      kind: statementKind(text),
    }),
  );
}

/**
 * pg_stat_user_functions of `db` (cumulative; `functionsPerUnit` takes the difference): the
 * plpgsql functions and triggers, every session. Needs `track_functions = 'pl'`, which
 * `prepareStatementStats` sets for the sessions that connect after it.
 */
export async function readFunctionDetail(t: PgTarget, db: string): Promise<FunctionDetail[]> {
  const row = await psql(
    t,
    db,
    `select /* ${READING_MARK} */ coalesce(json_agg(json_build_object(
         'name', schemaname || '.' || funcname, 'calls', calls,
         'totalMs', total_time, 'selfMs', self_time)), '[]')
       from pg_stat_user_functions`,
  );
  return JSON.parse(row) as FunctionDetail[];
}

/**
 * Keeps the WAL written from now on until `release` (for `walGroups` to read it afterwards): a
 * checkpoint otherwise recycles the segments of a run (max_wal_size). A temporary physical
 * replication slot, held by a psql session of its own: PostgreSQL drops it when that session
 * ends, so a bench that dies cannot leave a slot behind that keeps WAL forever. Null (and the
 * breakdown is left out) when the slot cannot be made, e.g. max_replication_slots is used up.
 */
export async function holdWal(
  t: PgTarget,
  db: string,
): Promise<{ release: () => Promise<void> } | null> {
  if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`unsafe database name ${db}`);
  const child = spawn(
    'psql',
    ['-h', t.host, '-p', String(t.port), '-U', t.superuser, '-d', db, '-X', '-Atq'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const answer = new Promise<boolean>((resolve) => {
    child.stdout.once('data', () => resolve(true));
    child.stderr.once('data', () => resolve(false));
    child.once('error', () => resolve(false));
    void exited.then(() => resolve(false));
  });
  child.stdin.write(
    `select pg_create_physical_replication_slot('${db}_wal_hold_' || pg_backend_pid(), true, true);\n`,
  );
  const release = async () => {
    child.stdin.end();
    await exited;
  };
  if (await answer) return { release };
  await release();
  return null;
}

/**
 * The WAL written between two LSNs for `db`, by relation and record type (pg_walinspect): records
 * whose first block is in `db`, plus the records without blocks (commits) of the transactions
 * that wrote those. Partitions count as their parent, TOAST as its table. Other databases' WAL on
 * the same cluster is left out. Null when pg_walinspect is not installed in `db`.
 */
export async function walGroups(
  t: PgTarget,
  db: string,
  fromLsn: string,
  toLsn: string,
): Promise<WalGroup[] | null> {
  const lsn = /^[0-9A-F]+\/[0-9A-F]+$/i;
  if (!lsn.test(fromLsn) || !lsn.test(toLsn)) throw new Error(`not LSNs: ${fromLsn} ${toLsn}`);
  const installed = await psql(
    t,
    db,
    "select count(*) from pg_extension where extname = 'pg_walinspect'",
  );
  if (installed !== '1') return null;
  const row = await psql(
    t,
    db,
    `with r as materialized (
       select resource_manager || '/' || record_type as rec, record_length, fpi_length, xid,
              regexp_match(block_ref, 'rel \\d+/(\\d+)/(\\d+)') as m
         from ${STATS_SCHEMA}.pg_get_wal_records_info('${fromLsn}', '${toLsn}')
     ), me as (select oid from pg_database where datname = current_database()),
     mine as (
       select rec, record_length, fpi_length,
              case when m is not null then pg_filenode_relation(0, m[2]::oid) end as rel
         from r
        where (m is not null and m[1]::oid = (select oid from me))
           or (m is null and xid::text::bigint in (
                select distinct xid::text::bigint from r
                 where m is not null and m[1]::oid = (select oid from me) and xid::text <> '0'))
     ), named as (
       select rec, record_length, fpi_length,
              case
                when rel is null then '(no relation: ' || rec || ')'
                else (
                  with c as (select oid, relkind, relnamespace from pg_class where oid = rel),
                       -- TOAST: the table it belongs to (a TOAST index: through its table)
                       owner as (
                         select t.oid from pg_class t
                          where t.reltoastrelid = rel
                             or t.reltoastrelid = (select indrelid from pg_index where indexrelid = rel)),
                       top as (
                         select coalesce((select inhparent from pg_inherits where inhrelid = rel), rel) as o)
                  select case
                    when (select relnamespace from c) = 'pg_toast'::regnamespace then
                      'toast of ' || coalesce((select coalesce((select inhparent from pg_inherits where inhrelid = owner.oid), owner.oid)::regclass::text from owner limit 1), '?')
                    when (select relkind from c) in ('i', 'I') then 'index ' || (select o::regclass::text from top)
                    else (select o::regclass::text from top)
                  end)
              end as relation
         from mine
     )
     select coalesce(json_agg(json_build_object(
              'relation', relation, 'record', rec, 'records', n, 'bytes', bytes, 'fpiBytes', fpi)), '[]')
       from (select relation, rec, count(*) as n, sum(record_length) as bytes, sum(fpi_length) as fpi
               from named group by relation, rec) g`,
  );
  return JSON.parse(row) as WalGroup[];
}

/**
 * Cumulative counters of `db`: pg_stat_statements of the sessions of `user` in it (needs
 * `prepareStatementStats`; skipped when `statements` is false), pg_stat_user_tables, and the
 * cluster-wide pg_stat_wal. Statement counters are updated as each statement ends; the table and
 * WAL counters of PostgreSQL 15 when a backend is idle (up to 10 s) or exits.
 */
export async function readDbWork(
  t: PgTarget,
  db: string,
  user: string,
  statements: boolean,
): Promise<DbWorkReading> {
  if (!/^[a-z_][a-z0-9_]*$/.test(user)) throw new Error(`unsafe role name ${user}`);
  const s = `${STATS_SCHEMA}.pg_stat_statements`;
  const statementsSql = statements
    ? `(select json_build_object(
          'statements', coalesce(sum(calls) filter (where toplevel), 0),
          'nestedStatements', coalesce(sum(calls) filter (where not toplevel), 0),
          'sharedBlksHit', coalesce(sum(shared_blks_hit) filter (where toplevel), 0),
          'sharedBlksRead', coalesce(sum(shared_blks_read) filter (where toplevel), 0),
          'sharedBlksDirtied', coalesce(sum(shared_blks_dirtied) filter (where toplevel), 0),
          'sharedBlksWritten', coalesce(sum(shared_blks_written) filter (where toplevel), 0),
          'walRecords', coalesce(sum(wal_records) filter (where toplevel), 0),
          'walFpi', coalesce(sum(wal_fpi) filter (where toplevel), 0),
          'walBytes', coalesce(sum(wal_bytes) filter (where toplevel), 0),
          'plans', coalesce(sum(plans) filter (where toplevel), 0),
          'planTimeMs', coalesce(sum(total_plan_time) filter (where toplevel), 0),
          'execTimeMs', coalesce(sum(total_exec_time) filter (where toplevel), 0))
        from ${s}
       where dbid = (select oid from pg_database where datname = current_database())
         and userid = (select oid from pg_roles where rolname = '${user}')
         and query not like '%${READING_MARK}%')`
    : 'null';
  const row = await psql(
    t,
    db,
    `select /* ${READING_MARK} */ json_build_object(
       'statements', ${statementsSql},
       'dealloc', ${statements ? `(select dealloc from ${STATS_SCHEMA}.pg_stat_statements_info)` : 'null'},
       'tables', (select json_build_object(
                   'seqScans', coalesce(sum(seq_scan), 0), 'indexScans', coalesce(sum(idx_scan), 0),
                   'rowsInserted', coalesce(sum(n_tup_ins), 0), 'rowsUpdated', coalesce(sum(n_tup_upd), 0),
                   'rowsHotUpdated', coalesce(sum(n_tup_hot_upd), 0))
                   from pg_stat_user_tables),
       'lsn', pg_current_wal_lsn()::text,
       'clusterWal', (select json_build_object(
                   'walRecords', wal_records, 'walFpi', wal_fpi, 'walBytes', wal_bytes) from pg_stat_wal))`,
  );
  return JSON.parse(row) as DbWorkReading;
}

/**
 * Calls of each top-level statement in `db` by every role but the bench's own readings (the
 * server's owner-role work — migrations, batched last-seen writes, jobs — included), keyed by
 * role and text.
 */
export async function readStatementCalls(t: PgTarget, db: string): Promise<Record<string, number>> {
  const row = await psql(
    t,
    db,
    `select /* ${READING_MARK} */ coalesce(json_object_agg(q, calls), '{}')
       from (select r.rolname || ': ' || left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) as q,
                    sum(s.calls) as calls
               from ${STATS_SCHEMA}.pg_stat_statements s join pg_roles r on r.oid = s.userid
              where s.toplevel
                and s.dbid = (select oid from pg_database where datname = current_database())
                and s.query not like '%${READING_MARK}%'
              group by 1) per_text`,
  );
  return JSON.parse(row) as Record<string, number>;
}

/** The statements that ran between two readings, most calls first. */
export function statementCallsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): { statement: string; calls: number }[] {
  return Object.entries(after)
    .map(([statement, calls]) => ({ statement, calls: calls - (before[statement] ?? 0) }))
    .filter((s) => s.calls > 0)
    .sort((a, b) => b.calls - a.calls);
}
