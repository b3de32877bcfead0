/**
 * `npm run test:faults`: the load simulator against the real server while things break, then the
 * ledger check. Topology (everything ours, nothing shared is stopped or reconfigured):
 *
 *   loadgen devices → device FaultProxy → server (child process) → db FaultProxy → PostgreSQL
 *                                                              ↘ redis-server (our own port)
 *
 * The database is `mango_faults` on the shared PostgreSQL, created here and dropped at the end.
 * A "PostgreSQL restart" is the db proxy refusing and cutting every connection; a Redis restart is
 * our own redis-server shut down and started again. Each scenario runs a fresh set of stores, then
 * checks: no lost or duplicated acknowledged mutation, no device failed or left with an outbox,
 * every device of a store at the same cursor, no 500 (an outage answers 503), and the server
 * ready again without any help.
 * The shard-primary-failover scenario runs a second server in sharded mode: a shard directory
 * (database `<DATABASE>_directory` on the shared PostgreSQL) whose one shard is a pg_auto_failover
 * formation of its own (a monitor and two nodes, tools/faults/src/auto-failover.ts), registered by
 * `npm run admin -- shard-add` with both hosts in one URL; the shard's primary is killed.
 * Writes bench/results/faults.json; exits 1 when any scenario fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, startServer, type ServerProcess } from '../../../test-support/server-process';
import { sleep } from '../../loadgen/src/http';
import { machineInfo, RESULTS_DIR } from '../../loadgen/src/results';
import { DEFAULT_SIM, Simulation } from '../../loadgen/src/simulator';
import { startAutoFailover } from './auto-failover';
import { FaultProxy } from './fault-proxy';

const ADMIN_URL = process.env.FAULTS_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// FAULTS_DATABASE: another name, so that two runs on one PostgreSQL do not drop each other's.
const DATABASE = process.env.FAULTS_DATABASE ?? 'mango_faults';
const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const RUN_SECONDS = Number(process.env.FAULTS_RUN_SECONDS ?? 20);
const FAULT_AT_MS = 5_000;

interface Harness {
  devices: FaultProxy;
  db: FaultProxy;
  server(): ServerProcess;
  restartServer(): Promise<void>;
  killServer(): Promise<void>;
  redisStop(): void;
  redisStart(): void;
  deviceUrl: string;
}

interface Scenario {
  name: string;
  what: string;
  /** Applies the fault and resolves when it has been lifted (the clock for recovery starts then). */
  inject(h: Harness): Promise<void>;
  /** Sees the simulation before it runs (the failover times its acknowledgements). */
  watch?(sim: Simulation): void;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'server-kill-9',
    what: 'kill -9 of the server during pushes, restarted 1 s later (as a supervisor would)',
    async inject(h) {
      await h.killServer();
      await sleep(1000);
      await h.restartServer();
    },
  },
  {
    name: 'postgres-restart',
    what: 'every server↔PostgreSQL connection cut and new ones refused for 5 s',
    async inject(h) {
      h.db.set({ refuse: true });
      h.db.cutAll();
      await sleep(5000);
      h.db.clear();
    },
  },
  {
    name: 'redis-restart',
    what: 'our redis-server shut down for 5 s and started again',
    async inject(h) {
      h.redisStop();
      await sleep(5000);
      h.redisStart();
    },
  },
  {
    name: 'network-drop',
    what: '10 % of answers lost after the server got the request, 5 % of requests never arrive (8 s)',
    async inject(h) {
      h.devices.set({ dropResponseRate: 0.1, blackholeRate: 0.05, dropHoldMs: 1500 });
      await sleep(8000);
      h.devices.clear();
    },
  },
  {
    name: 'network-cut',
    what: '25 % of responses cut part-way (8 s)',
    async inject(h) {
      h.devices.set({ cutResponseRate: 0.25 });
      await sleep(8000);
      h.devices.clear();
    },
  },
  {
    name: 'network-delay-reorder',
    what: '20–220 ms per 256-byte chunk, so connections overtake each other (8 s)',
    async inject(h) {
      h.devices.set({ delayMs: 20, jitterMs: 200, chunkBytes: 256 });
      await sleep(8000);
      h.devices.clear();
    },
  },
  {
    name: 'db-network-delay-cut',
    what: 'server↔PostgreSQL: 0–50 ms jitter and 2 % of connections cut mid-answer (8 s)',
    async inject(h) {
      h.db.set({ jitterMs: 50, cutResponseRate: 0.02 });
      await sleep(8000);
      h.db.clear();
    },
  },
];

interface ScenarioResult {
  name: string;
  what: string;
  acknowledged: number;
  applied: number;
  rejected: number;
  unknownThenResolved: number;
  lost: number;
  duplicated: number;
  mismatched: number;
  checkedEffects: number;
  fatalDevices: number;
  drained: boolean;
  converged: boolean;
  /** From the start of the fault until /readyz answers 200 again. */
  faultToReadySeconds: number;
  /** From the moment the fault was lifted until /readyz answers 200 again. */
  recoverSeconds: number;
  drainSeconds: number;
  errors: Record<string, number>;
  rejections: Record<string, number>;
  /** The failover scenario's clock, in seconds after the kill -9. */
  failover?: FailoverTimes;
  ok: boolean;
  problems: string[];
}

interface FailoverTimes {
  /** The secondary answers pg_is_in_recovery() = false. */
  promotedSeconds: number;
  /** It takes writes: pg_auto_failover keeps it read-only until the monitor makes it primary. */
  writableSeconds: number;
  /** The server's /readyz answers 200 again. */
  readySeconds: number;
  /**
   * A device's mutation applied and acknowledged by a push sent after the kill: written on the
   * promoted node (the killed one takes no connection and commits nothing unconfirmed).
   */
  firstAckSeconds: number;
  /** Every device that pushed after the kill has had such an acknowledgement (its backoff included). */
  everyDeviceAckSeconds: number;
  devicesAcked: number;
}

async function waitReady(url: string, deadlineMs: number): Promise<boolean> {
  while (Date.now() < deadlineMs) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return true;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  return false;
}

async function runScenario(h: Harness, s: Scenario, index: number): Promise<ScenarioResult> {
  const sim = new Simulation({
    ...DEFAULT_SIM,
    baseUrl: h.deviceUrl,
    seed: `faults-${index}`,
    stores: 4,
    devicesPerStore: 2,
    clientsPerStore: 20,
    largeStoreEvery: 0,
    historyStores: 0,
    sseFraction: 0.5,
    pullIntervalMs: 2000,
    maxSockets: 16,
    timeoutMs: 5000,
    runTag: `${s.name}-${Date.now().toString(36)}`,
  });
  const problems: string[] = [];
  try {
    await sim.setup(() => {});
    s.watch?.(sim);
    const running = sim.run({
      label: s.name,
      durationSec: RUN_SECONDS,
      rate: 4,
      timeScale: 1 / 1000,
      progressEveryMs: 60_000,
      drainTimeoutSec: 120,
    });
    await sleep(FAULT_AT_MS);
    process.stderr.write(`[${s.name}] fault: ${s.what}\n`);
    const faultAt = performance.now();
    await s.inject(h);
    const liftedAt = performance.now();
    const ready = await waitReady(h.deviceUrl, Date.now() + 120_000);
    const readyAt = performance.now();
    const recoverSeconds = Math.round((readyAt - liftedAt) / 100) / 10;
    const faultToReadySeconds = Math.round((readyAt - faultAt) / 100) / 10;
    if (!ready) problems.push('the server did not become ready again within 120 s');
    const run = await running;
    h.devices.clear();
    h.db.clear();

    // Convergence: after a final pull every device of a store stands at the same cursor.
    let converged = true;
    for (const store of sim.stores) {
      for (const d of store.devices) await d.pullAll();
      const cursors = new Set(store.devices.map((d) => d.cursor));
      if (cursors.size !== 1) {
        converged = false;
        problems.push(`store ${store.storeId}: devices at cursors ${[...cursors].join(', ')}`);
      }
    }
    const check = await sim.verify();
    const ledger = sim.ledger.snapshot();
    let applied = 0;
    let rejected = 0;
    let unknown = 0;
    for (const store of ledger.stores)
      for (const d of Object.values(store.devices)) {
        applied += d.applied;
        rejected += d.rejected;
        unknown += d.unknown;
      }
    if (run.fatal.length > 0) problems.push(...run.fatal.slice(0, 5));
    if (!run.drained) problems.push('an outbox was not empty at the end: a device is stuck');
    if (!check.report.ok) problems.push(...check.report.problems.slice(0, 10));
    // A fault is an outage: 503 and retry. A 500 means the server took it for a bug.
    const internal = run.errors.HTTP_500 ?? 0;
    if (internal > 0) problems.push(`the server answered 500 ${internal} times instead of 503`);
    return {
      name: s.name,
      what: s.what,
      acknowledged: applied + rejected + unknown,
      applied,
      rejected,
      unknownThenResolved: unknown,
      lost: check.report.lost,
      duplicated: check.report.duplicated,
      mismatched: check.report.mismatched,
      checkedEffects: check.report.checkedEffects,
      fatalDevices: run.fatal.length,
      drained: run.drained,
      converged,
      faultToReadySeconds,
      recoverSeconds,
      drainSeconds: run.drainSeconds,
      errors: run.errors,
      rejections: run.rejections,
      ok: problems.length === 0,
      problems,
    };
  } finally {
    sim.close();
  }
}

function failedResult(s: Scenario, e: unknown): ScenarioResult {
  return {
    name: s.name,
    what: s.what,
    acknowledged: 0,
    applied: 0,
    rejected: 0,
    unknownThenResolved: 0,
    lost: -1,
    duplicated: -1,
    mismatched: -1,
    checkedEffects: 0,
    fatalDevices: 0,
    drained: false,
    converged: false,
    faultToReadySeconds: -1,
    recoverSeconds: -1,
    drainSeconds: -1,
    errors: {},
    rejections: {},
    ok: false,
    problems: [`the scenario failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`],
  };
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function redisServer(port: number, dir: string) {
  const args = ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir];
  return {
    start() {
      const r = spawnSync('redis-server', [
        ...args,
        '--daemonize',
        'yes',
        '--pidfile',
        path.join(dir, 'redis.pid'),
      ]);
      if (r.status !== 0) throw new Error(`redis-server did not start: ${String(r.stderr)}`);
      for (let i = 0; i < 50; i++) {
        if (
          spawnSync('redis-cli', ['-p', String(port), 'ping'])
            .stdout?.toString()
            .includes('PONG')
        )
          return;
        spawnSync('sleep', ['0.1']);
      }
      throw new Error(`redis-server on ${port} did not answer`);
    },
    stop() {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
    },
  };
}

function report(r: ScenarioResult, t0: number): void {
  process.stdout.write(
    `${r.ok ? 'PASS' : 'FAIL'} ${r.name}: acknowledged ${r.acknowledged}, applied ${r.applied} ` +
      `(rejected ${r.rejected}, answer lost then resolved ${r.unknownThenResolved}), lost ${r.lost}, ` +
      `duplicated ${r.duplicated}, mismatched ${r.mismatched}; ready ${r.recoverSeconds} s after the fault ` +
      `was lifted (${r.faultToReadySeconds} s after it began), ` +
      `outboxes drained ${r.drainSeconds} s after arrivals ended; converged ${r.converged}; ` +
      `${Math.round((performance.now() - t0) / 1000)} s\n` +
      (r.ok ? '' : `  ${r.problems.join('\n  ')}\n`),
  );
}

const FAILOVER: Scenario = {
  name: 'shard-primary-failover',
  what: 'kill -9 of the primary postmaster of a shard (a pg_auto_failover pair behind the shard directory); the monitor promotes the secondary',
  inject: () => Promise.resolve(),
};

const SHARD_ID = 'faults-1';
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** `npm run admin -- <args>` as an operator runs it; its output, or a thrown error with it. */
function adminCli(env: Record<string, string>, args: string[]): string {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'apps/server/src/cli/admin.ts', ...args],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      encoding: 'utf8',
    },
  );
  if (r.status !== 0)
    throw new Error(`admin ${args[0]} exited with ${r.status}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * The failover scenario, in sharded mode: a shard directory of its own whose one shard is a
 * pg_auto_failover formation, registered with `shard-add` and both hosts in one URL
 * (target_session_attrs=read-write), and a server of its own on that directory. Every
 * organization the run signs up is placed on that shard. kill -9 of the shard's primary: the
 * shard's pool must follow the promotion without a restart, and synchronous replication must keep
 * every acknowledged push. Timed from the kill: promoted, /readyz, and the first push a device
 * sent after the kill that was acknowledged. The server's own DATABASE_URL on a failover pair is
 * the same pool (db/primary-pool.ts), tested with a promotion in primary-pool.pg.test.ts.
 */
async function runFailover(
  baseEnv: Record<string, string>,
  dbProxy: FaultProxy,
  index: number,
): Promise<ScenarioResult> {
  const directoryDb = `${DATABASE}_directory`;
  await admin(async (c) => {
    await c.query(`drop database if exists ${directoryDb} with (force)`);
    await c.query(`create database ${directoryDb}`);
  });
  const directoryUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${directoryDb}` }).href;
  const formation = await startAutoFailover();
  let server: ServerProcess | undefined;
  let devices: FaultProxy | undefined;
  try {
    // DATABASE_URL is unused in sharded mode: left out, so nothing can reach another database.
    const { DATABASE_URL: _app, DATABASE_OWNER_URL: _owner, ...rest } = baseEnv;
    const env = { ...rest, SHARD_DIRECTORY_URL: directoryUrl };
    adminCli(env, [
      'shard-add',
      '--id',
      SHARD_ID,
      '--region',
      'default',
      '--url',
      formation.url('mango_app', 'postgres'),
      '--owner-url',
      formation.url('postgres', 'postgres'),
    ]);
    process.stdout.write(`shard-list:\n  ${adminCli(env, ['shard-list']).trim()}\n`);
    const port = await freePort();
    server = await startServer(env, { port, timeoutMs: 120_000 });
    devices = new FaultProxy({ host: '127.0.0.1', port });
    const devicePort = await devices.start();
    let killedAt = Number.POSITIVE_INFINITY;
    let promotedAt = Number.NaN;
    let writableAt = Number.NaN;
    // Each device's first mutation applied by a push it sent after the kill.
    const firstAcks = new Map<string, number>();
    const scenario: Scenario = {
      ...FAILOVER,
      watch(sim) {
        sim.ledger.onAck((ack) => {
          if (ack.status === 'applied' && ack.sentAt >= killedAt && !firstAcks.has(ack.deviceId))
            firstAcks.set(ack.deviceId, ack.at);
        });
      },
      async inject() {
        const old = await formation.killPrimary();
        killedAt = performance.now();
        await formation.waitPromoted(old);
        promotedAt = performance.now();
        await formation.waitWritable(old);
        writableAt = performance.now();
      },
    };
    const harness: Harness = {
      devices,
      db: dbProxy,
      deviceUrl: `http://127.0.0.1:${devicePort}`,
      server: () => server!,
      killServer: () => Promise.resolve(),
      restartServer: () => Promise.resolve(),
      redisStop: () => undefined,
      redisStart: () => undefined,
    };
    const r = await runScenario(harness, scenario, index);
    const acks = [...firstAcks.values()];
    r.failover = {
      promotedSeconds: seconds(promotedAt - killedAt),
      writableSeconds: seconds(writableAt - killedAt),
      readySeconds: r.faultToReadySeconds,
      firstAckSeconds: seconds(Math.min(...acks) - killedAt),
      everyDeviceAckSeconds: seconds(Math.max(...acks) - killedAt),
      devicesAcked: acks.length,
    };
    if (acks.length === 0) r.problems.push('no push sent after the kill was acknowledged');
    // Every organization of the run on the killed shard: otherwise the kill tested nothing.
    const placed = await admin(
      async (c) =>
        (
          await c.query<{ shard_id: string; n: number }>(
            'select shard_id, count(*)::int as n from mango_tenants group by shard_id',
          )
        ).rows,
      directoryUrl,
    );
    if (placed.length !== 1 || placed[0]?.shard_id !== SHARD_ID || placed[0].n < 1)
      r.problems.push(`organizations not all on ${SHARD_ID}: ${JSON.stringify(placed)}`);
    r.ok = r.problems.length === 0;
    r.what += `; secondary promoted ${r.failover.promotedSeconds} s after the kill, writable ${r.failover.writableSeconds} s`;
    process.stdout.write(
      `failover: kill -9 of the shard's primary → secondary promoted ${r.failover.promotedSeconds} s, ` +
        `taking writes ${r.failover.writableSeconds} s → ` +
        `server ready ${r.failover.readySeconds} s → first push acknowledged ${r.failover.firstAckSeconds} s after the kill ` +
        `(every one of ${r.failover.devicesAcked} devices ${r.failover.everyDeviceAckSeconds} s)\n`,
    );
    if (!r.ok)
      r.problems.push(
        `server output (tail):\n  ${server.output().split('\n').slice(-30).join('\n  ')}`,
      );
    return r;
  } finally {
    await devices?.stop();
    await server?.stop().catch(() => {});
    formation.stop();
    await admin((c) => c.query(`drop database if exists ${directoryDb} with (force)`)).catch(
      (e: unknown) => process.stderr.write(`could not drop ${directoryDb}: ${String(e)}\n`),
    );
  }
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const only = process.argv
    .slice(2)
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mango-faults-'));
  const redisPort = await freePort();
  const redis = redisServer(redisPort, tmp);
  const db = new FaultProxy({ host: '127.0.0.1', port: Number(new URL(ADMIN_URL).port || 5432) });
  let server: ServerProcess | undefined;
  let devices: FaultProxy | undefined;
  const results: ScenarioResult[] = [];
  try {
    await admin(async (c) => {
      await c.query(`drop database if exists ${DATABASE} with (force)`);
      await c.query(`create database ${DATABASE}`);
    });
    redis.start();
    const dbPort = await db.start();
    const serverPort = await freePort();
    const owner = new URL(ADMIN_URL);
    const dbUrl = (user: string) => `postgres://${user}@127.0.0.1:${dbPort}/${DATABASE}`;
    const env: Record<string, string> = {
      DATABASE_URL: dbUrl('mango_app'),
      DATABASE_OWNER_URL: dbUrl(owner.username || 'postgres'),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      DEMO_SEED: 'false',
      LOG_LEVEL: 'error',
      DB_CONNECTION_TIMEOUT_MS: '2000',
      DB_POOL_MAX: '10',
      SSE_HEARTBEAT_MS: '5000',
      REPORT_REFRESH_INTERVAL_SEC: '0',
    };
    server = await startServer(env, { port: serverPort });
    devices = new FaultProxy({ host: '127.0.0.1', port: serverPort });
    const devicePort = await devices.start();
    const harness: Harness = {
      devices,
      db,
      deviceUrl: `http://127.0.0.1:${devicePort}`,
      server: () => server!,
      async killServer() {
        await server?.kill();
      },
      async restartServer() {
        server = await startServer(env, { port: serverPort, timeoutMs: 120_000 });
      },
      redisStop: () => redis.stop(),
      redisStart: () => redis.start(),
    };
    if (!only || only.includes(FAILOVER.name)) {
      const t0 = performance.now();
      let r: ScenarioResult;
      try {
        r = await runFailover(env, db, scenarios.length);
      } catch (e) {
        r = failedResult(FAILOVER, e);
      }
      results.push(r);
      report(r, t0);
    }
    for (const [i, s] of scenarios.entries()) {
      const t0 = performance.now();
      let r: ScenarioResult;
      try {
        r = await runScenario(harness, s, i);
      } catch (e) {
        r = failedResult(s, e);
      }
      const alive = await waitReady(server.url, Date.now() + 3000);
      if (!r.ok || !alive) {
        const tail = server.output().split('\n').slice(-30).join('\n  ');
        r.problems.push(`server output (tail):\n  ${tail}`);
        if (!alive) {
          r.problems.push(
            'the server was not ready after the scenario: restarting it for the next one',
          );
          r.ok = false;
          await harness.killServer();
          await harness.restartServer();
        }
      }
      results.push(r);
      report(r, t0);
    }
  } finally {
    await devices?.stop();
    await server?.stop().catch(() => {});
    await db.stop();
    redis.stop();
    rmSync(tmp, { recursive: true, force: true });
    await admin((c) => c.query(`drop database if exists ${DATABASE} with (force)`)).catch(
      (e: unknown) => process.stderr.write(`could not drop ${DATABASE}: ${String(e)}\n`),
    );
  }
  const totalSeconds = Math.round((performance.now() - startedAt) / 1000);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, 'faults.json');
  writeFileSync(
    file,
    `${JSON.stringify({ machine: machineInfo(), runSeconds: RUN_SECONDS, totalSeconds, scenarios: results }, null, 2)}\n`,
  );
  const failed = results.filter((r) => !r.ok);
  process.stdout.write(
    `${results.length - failed.length}/${results.length} fault scenarios passed in ${totalSeconds} s; written ${file}\n`,
  );
  const expected = scenarios.length + (!only || only.includes(FAILOVER.name) ? 1 : 0);
  return failed.length === 0 && results.length === expected ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `faults run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
