import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './server-process';

/**
 * A throwaway PostgreSQL cluster of our own (initdb + pg_ctl on a free port, in a temp dir), for
 * what must never touch the shared server at 5432: stopping the database, WAL archiving, point-
 * in-time restore. PostgreSQL refuses to run as root, so as root every command runs as the
 * `postgres` OS user in directories it owns.
 */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';
const asRoot = process.getuid?.() === 0;

export function postgresBinariesPresent(): boolean {
  return existsSync(path.join(PG_BIN, 'initdb')) && existsSync(path.join(PG_BIN, 'pg_ctl'));
}

/** The command line that runs `file args` as the postgres OS user (as itself when not root). */
function asPostgresArgv(file: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', OS_USER, '--', file, ...args]] : [file, args];
}

/** Runs one of PostgreSQL's programs as the postgres OS user; returns its stdout. */
export function pgTool(program: string, args: string[], input?: string): string {
  const [cmd, argv] = asPostgresArgv(path.join(PG_BIN, program), args);
  return execFileSync(cmd, argv, {
    cwd: '/',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
}

/** A shell command run as the postgres OS user (archive copies, file listings). */
export function asPostgres(shellCommand: string): string {
  const [cmd, argv] = asPostgresArgv('sh', ['-c', shellCommand]);
  return execFileSync(cmd, argv, { cwd: '/', encoding: 'utf8' });
}

/** Starts a long-running command (e.g. pgbouncer, which refuses root) as the postgres OS user. */
export function spawnAsPostgres(command: string, args: string[]): ChildProcess {
  const [cmd, argv] = asPostgresArgv(command, args);
  return spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
}

/** Polls `check` until it resolves, or fails after `timeoutMs` with the last error. */
export async function waitUntil(
  what: string,
  check: () => Promise<unknown>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await check();
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not become ready: ${String(last)}`);
}

/** A temp directory the postgres OS user owns (mode 0700, as initdb wants). */
export function postgresTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', OS_USER]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', OS_USER]).toString().trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

export interface PgCluster {
  readonly port: number;
  readonly dataDir: string;
  /** The temp directory holding the data directory (and whatever the caller puts beside it). */
  readonly baseDir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust authentication on localhost). */
  url(database?: string): string;
  start(): void;
  /** `fast` by default: rolls back open transactions and shuts down cleanly. */
  stop(mode?: 'smart' | 'fast' | 'immediate'): void;
  running(): boolean;
  /** Runs SQL through psql (stops at the first error); returns the unaligned output. */
  psql(sql: string, database?: string): string;
  /** Stops the cluster if running and deletes every file. Safe to call twice. */
  destroy(): void;
}

export interface PgClusterOptions {
  /** Extra postgresql.conf settings (`key = value`, values already quoted as needed). */
  settings?: Record<string, string>;
  port?: number;
  prefix?: string;
}

/** initdb a new cluster on a free port (not started: call start()). */
export async function createPgCluster(opts: PgClusterOptions = {}): Promise<PgCluster> {
  const port = opts.port ?? (await freePort());
  const baseDir = postgresTempDir(opts.prefix ?? 'mango-pg-');
  const dataDir = path.join(baseDir, 'data');
  pgTool('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const settings: Record<string, string> = {
    port: String(port),
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${baseDir}'`,
    max_connections: '50',
    shared_buffers: "'32MB'",
    fsync: 'off',
    ...opts.settings,
  };
  appendSettings(dataDir, settings);
  return clusterAt(baseDir, dataDir, port);
}

/** Adds settings to a data directory's postgresql.auto.conf-style override file. */
export function appendSettings(dataDir: string, settings: Record<string, string>): void {
  const lines = Object.entries(settings)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
  asPostgres(`cat >> '${dataDir}/postgresql.conf' <<'EOF'\n${lines}\nEOF`);
}

/** A handle on an existing data directory (e.g. one restored from a base backup). */
export function clusterAt(baseDir: string, dataDir: string, port: number): PgCluster {
  const logFile = path.join(baseDir, `postgres-${path.basename(dataDir)}.log`);
  const cluster: PgCluster = {
    port,
    dataDir,
    baseDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start() {
      pgTool('pg_ctl', [
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        '120',
        '-o',
        `-p ${port}`,
        'start',
      ]);
    },
    stop(mode = 'fast') {
      pgTool('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop']);
    },
    running() {
      try {
        pgTool('pg_ctl', ['-D', dataDir, 'status']);
        return true;
      } catch {
        return false;
      }
    },
    psql(sql, database = 'postgres') {
      return pgTool(
        'psql',
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          'postgres',
          '-d',
          database,
          '-v',
          'ON_ERROR_STOP=1',
          '-qAt',
        ],
        sql,
      );
    },
    destroy() {
      if (existsSync(dataDir) && cluster.running()) {
        try {
          cluster.stop('immediate');
        } catch {
          // already gone
        }
      }
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/**
 * Two clusters standing in for a failover pair, both started: `primary`, and `standby` in recovery
 * with no upstream (pg_is_in_recovery() = true until `pg_ctl promote`). Made one after the other:
 * each takes a free port, which is only taken once its cluster runs.
 */
export async function createStandbyPair(
  prefix: string,
): Promise<{ primary: PgCluster; standby: PgCluster }> {
  const primary = await createPgCluster({ prefix: `${prefix}primary-` });
  primary.start();
  // A standby needs max_connections at least what its control file says (initdb's 100).
  const standby = await createPgCluster({
    prefix: `${prefix}standby-`,
    settings: { max_connections: '100' },
  });
  asPostgres(`touch '${path.join(standby.dataDir, 'standby.signal')}'`);
  standby.start();
  return { primary, standby };
}
