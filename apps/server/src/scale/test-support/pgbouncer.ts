import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  postgresTempDir,
  spawnAsPostgres,
  waitUntil,
} from '../../../../../test-support/pg-cluster';
import { freePort } from '../../../../../test-support/server-process';

const EXAMPLE_INI = path.resolve(import.meta.dirname, '../../../../../ops/pgbouncer.ini');

export interface PgBouncerProcess {
  host: string;
  port: number;
  /** `url` with its host and port replaced by the bouncer's (same user, database). */
  via(url: string): string;
  /** The admin console's SHOW <what> (POOLS, STATS, …), as rows. */
  show(what: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

type IniOverrides = Record<string, Record<string, string>>;

/** The example ini with whole sections' keys replaced: comments and other keys are kept. */
export function overrideIni(ini: string, overrides: IniOverrides, replaceSections: string[] = []) {
  const out: string[] = [];
  let section = '';
  const pending = new Map(
    Object.entries(overrides).map(([s, kv]) => [s, new Map(Object.entries(kv))]),
  );
  const flush = () => {
    for (const [k, v] of pending.get(section) ?? []) out.push(`${k} = ${v}`);
    pending.delete(section);
  };
  for (const line of ini.split('\n')) {
    const header = /^\s*\[(\w+)\]\s*$/.exec(line);
    if (header) {
      flush();
      section = header[1]!;
      out.push(line);
      continue;
    }
    const kv = /^\s*([\w*.-]+)\s*=/.exec(line);
    if (kv && replaceSections.includes(section)) continue;
    const key = kv?.[1];
    const replacement = key === undefined ? undefined : pending.get(section)?.get(key);
    if (key !== undefined && replacement !== undefined) {
      out.push(`${key} = ${replacement}`);
      pending.get(section)!.delete(key);
    } else out.push(line);
  }
  flush();
  return out.join('\n');
}

/**
 * A real PgBouncer (transaction pooling) in front of `upstream` (a PostgreSQL host:port with
 * trust authentication), configured from ops/pgbouncer.ini with only the host-specific settings
 * overridden. Every database name is forwarded (`*`), so test databases made on the fly work.
 */
export async function startPgBouncer(opts: {
  upstreamHost: string;
  upstreamPort: number;
  poolSize: number;
  users?: string[];
}): Promise<PgBouncerProcess> {
  const temp = { dir: postgresTempDir('mango-pgbouncer-') };
  const port = await freePort();
  const users = opts.users ?? ['postgres', 'mango_app'];
  const userlist = path.join(temp.dir, 'userlist.txt');
  const pidFile = path.join(temp.dir, 'pgbouncer.pid');
  writeFileSync(userlist, users.map((u) => `"${u}" ""`).join('\n') + '\n');
  const ini = overrideIni(
    readFileSync(EXAMPLE_INI, 'utf8'),
    {
      databases: { '*': `host=${opts.upstreamHost} port=${opts.upstreamPort}` },
      pgbouncer: {
        listen_addr: '127.0.0.1',
        listen_port: String(port),
        unix_socket_dir: temp.dir,
        auth_type: 'trust',
        auth_file: userlist,
        admin_users: 'postgres',
        stats_users: 'postgres',
        default_pool_size: String(opts.poolSize),
        min_pool_size: '0',
        reserve_pool_size: '0',
        logfile: path.join(temp.dir, 'pgbouncer.log'),
        pidfile: pidFile,
      },
    },
    ['databases'],
  );
  const iniPath = path.join(temp.dir, 'pgbouncer.ini');
  writeFileSync(iniPath, ini);
  const child = spawnAsPostgres('/usr/sbin/pgbouncer', [iniPath]);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const host = '127.0.0.1';
  const adminUrl = `postgres://postgres@${host}:${port}/pgbouncer`;
  const show = async (what: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      // The admin console speaks only the simple protocol.
      return (await client.query(`SHOW ${what}`)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  const stop = async () => {
    if (child.exitCode === null) {
      // Signal pgbouncer itself (runuser does not pass every signal on); SIGTERM = stop now.
      let pid: number | undefined;
      try {
        pid = Number(readFileSync(pidFile, 'utf8').trim());
      } catch {
        pid = undefined;
      }
      if (pid) process.kill(pid, 'SIGTERM');
      else child.kill('SIGTERM');
      const killed = setTimeout(() => {
        if (pid) process.kill(pid, 'SIGKILL');
        child.kill('SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(killed);
    }
    rmSync(temp.dir, { recursive: true, force: true });
  };
  try {
    await waitUntil('pgbouncer', async () => {
      if (child.exitCode !== null) throw new Error(`pgbouncer exited: ${output}`);
      await show('VERSION');
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    host,
    port,
    via(url) {
      const u = new URL(url);
      u.hostname = host;
      u.port = String(port);
      return u.toString();
    },
    show,
    stop,
  };
}
