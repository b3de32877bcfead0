import { type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  asPostgres,
  PG_BIN,
  postgresTempDir,
  spawnAsPostgres,
  waitUntil,
} from '../../../test-support/pg-cluster';
import { freePort } from '../../../test-support/server-process';

/**
 * A pg_auto_failover formation of our own (Debian's postgresql-15-auto-failover): a monitor and
 * two PostgreSQL nodes in a throwaway directory on free ports, each run by its pg_autoctl keeper
 * as the postgres OS user. Nothing shared is touched.
 */
export interface AutoFailover {
  /** `postgres://<user>@127.0.0.1:<a>,127.0.0.1:<b>/<db>?target_session_attrs=read-write` */
  url(user: string, database: string): string;
  /** kill -9 of the current primary's postmaster; returns its port. */
  killPrimary(): Promise<number>;
  /** Resolves when the other node answers pg_is_in_recovery() = false. */
  waitPromoted(oldPort: number): Promise<number>;
  /** Resolves when the other node also takes writes (transaction_read_only = off). */
  waitWritable(oldPort: number): Promise<number>;
  stop(): void;
}

export const PG_AUTOCTL = process.env.PG_AUTOCTL ?? '/usr/bin/pg_autoctl';

type NodeState = 'down' | 'standby' | 'read-only' | 'primary';

/**
 * A promoted node is out of recovery at once but stays read-only (default_transaction_read_only)
 * until the monitor makes it the primary: both moments are timed.
 */
async function nodeState(port: number): Promise<NodeState> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const r = await c.query<{ standby: boolean; readOnly: boolean }>(
      `select pg_is_in_recovery() as standby,
              current_setting('transaction_read_only') = 'on' as "readOnly"`,
    );
    const row = r.rows[0];
    return !row || row.standby ? 'standby' : row.readOnly ? 'read-only' : 'primary';
  } catch {
    return 'down';
  } finally {
    c.end().catch(() => undefined);
  }
}

const isPrimary = async (port: number) => (await nodeState(port)) === 'primary';

export async function startAutoFailover(): Promise<AutoFailover> {
  const dir = postgresTempDir('mango-autofailover-');
  const env = [
    `PATH=${PG_BIN}:/usr/bin:/bin`,
    `XDG_CONFIG_HOME=${dir}/cfg`,
    `XDG_DATA_HOME=${dir}/data`,
    `XDG_RUNTIME_DIR=${dir}/run`,
  ];
  asPostgres(`mkdir -p '${dir}/cfg' '${dir}/data' '${dir}/run'`);
  const keepers: ChildProcess[] = [];
  const autoctl = (args: string[]) => {
    const child = spawnAsPostgres('env', [...env, PG_AUTOCTL, ...args]);
    child.stdout?.resume();
    child.stderr?.resume();
    keepers.push(child);
  };
  const [monPort, aPort, bPort] = [await freePort(), await freePort(), await freePort()];
  const common = ['--hostname', '127.0.0.1', '--auth', 'trust', '--no-ssl', '--run'];
  /** Resolves with the other node's port once it is in one of `states`. */
  const waitOther = async (oldPort: number, what: string, states: NodeState[]) => {
    const other = oldPort === aPort ? bPort : aPort;
    await waitUntil(
      what,
      async () => {
        const state = await nodeState(other);
        if (!states.includes(state)) throw new Error(`still ${state}`);
      },
      120_000,
    );
    return other;
  };
  const formation = {
    url: (user: string, database: string) =>
      `postgres://${user}@127.0.0.1:${aPort},127.0.0.1:${bPort}/${database}?target_session_attrs=read-write`,
    async killPrimary() {
      const port = (await isPrimary(aPort)) ? aPort : bPort;
      const node = port === aPort ? 'a' : 'b';
      const pid = Number(
        readFileSync(path.join(dir, node, 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      process.kill(pid, 'SIGKILL');
      return port;
    },
    waitPromoted: (oldPort: number) =>
      waitOther(oldPort, 'the promotion of the secondary', ['read-only', 'primary']),
    waitWritable: (oldPort: number) =>
      waitOther(oldPort, 'the promoted node taking writes', ['primary']),
    stop() {
      for (const node of ['a', 'b', 'mon']) {
        try {
          asPostgres(
            `env ${env.join(' ')} ${PG_AUTOCTL} stop --pgdata '${dir}/${node}' --immediate 2>/dev/null || true`,
          );
        } catch {
          // gone already
        }
      }
      for (const k of keepers) if (k.exitCode === null) k.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    autoctl([
      'create',
      'monitor',
      '--pgdata',
      `${dir}/mon`,
      '--pgport',
      String(monPort),
      ...common,
    ]);
    const monitor = `postgres://autoctl_node@127.0.0.1:${monPort}/pg_auto_failover?sslmode=disable`;
    await waitUntil(
      'the pg_auto_failover monitor',
      async () => {
        const c = new pg.Client({ connectionString: monitor });
        try {
          await c.connect();
          await c.query('select 1 from pgautofailover.node limit 1');
        } finally {
          await c.end().catch(() => undefined);
        }
      },
      60_000,
    );
    for (const [node, port] of [
      ['a', aPort],
      ['b', bPort],
    ] as const) {
      autoctl([
        'create',
        'postgres',
        '--pgdata',
        `${dir}/${node}`,
        '--pgport',
        String(port),
        '--name',
        node,
        '--monitor',
        monitor,
        ...common,
      ]);
      // The first node must be the primary before the second registers as its secondary.
      if (node === 'a')
        await waitUntil(
          'node a as primary',
          async () => {
            if (!(await isPrimary(aPort))) throw new Error('not yet');
          },
          60_000,
        );
    }
    // Both up: the primary has its synchronous standby (what makes a COMMIT wait for it).
    await waitUntil(
      'the secondary streaming synchronously',
      async () => {
        const c = new pg.Client({
          host: '127.0.0.1',
          port: aPort,
          user: 'postgres',
          database: 'postgres',
        });
        try {
          await c.connect();
          const r = await c.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_replication where sync_state in ('sync', 'quorum')",
          );
          if (r.rows[0]?.n !== 1) throw new Error('no synchronous standby yet');
        } finally {
          await c.end().catch(() => undefined);
        }
      },
      90_000,
    );
    return formation;
  } catch (e) {
    formation.stop();
    throw e;
  }
}
