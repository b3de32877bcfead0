import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

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
  opts: { db: string; scale: number; clients: number; threads: number; seconds: number },
): Promise<PgbenchResult> {
  const conn = ['-h', t.host, '-p', String(t.port), '-U', t.superuser];
  await recreateDatabase(t, opts.db);
  await run('pgbench', [...conn, '-i', '-q', '-s', String(opts.scale), opts.db], {
    timeout: 600_000,
  });
  const { stdout } = await run(
    'pgbench',
    [
      ...conn,
      '-N',
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
  const tps =
    /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ??
    /tps = ([\d.]+)/.exec(stdout);
  const lat = /latency average = ([\d.]+) ms/.exec(stdout);
  await dropDatabase(t, opts.db);
  return {
    tps: Math.round(Number(tps?.[1] ?? 'NaN') * 10) / 10,
    latencyAvgMs: Number(lat?.[1] ?? 'NaN'),
    clients: opts.clients,
    threads: opts.threads,
    seconds: opts.seconds,
    scale: opts.scale,
    script: 'simple-update (-N)',
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
    `select (select xact_commit from pg_stat_database where datname = current_database()),
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
