import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import type { CheckReport } from '../loadgen/src/checker';
import { Session } from '../loadgen/src/device';
import { HttpClient } from '../loadgen/src/http';
import { Rng } from '../loadgen/src/prng';
import { machineInfo, REPO_ROOT, RESULTS_DIR, writeResult } from '../loadgen/src/results';
import {
  DEFAULT_SIM,
  type RunReport,
  type SimConfig,
  Simulation,
  type SimStore,
} from '../loadgen/src/simulator';
import {
  activityPerMutation,
  backendPids,
  dbActivity,
  DEFAULT_PG,
  dropDatabase,
  insertIdleTenants,
  psql,
  type PgbenchResult,
  prepareStatementStats,
  holdWal,
  readDbWork,
  readFunctionDetail,
  readStatementCalls,
  readStatementDetail,
  recreateDatabase,
  runPgbench,
  serverVersion,
  statementCallsBetween,
  walGroups,
} from './pg';
import {
  breakdownTables,
  compareWork,
  type DbWork,
  type DbWorkReading,
  type FunctionDetail,
  functionsPerUnit,
  type StatementDetail,
  statementsPerUnit,
  walPerUnit,
  workPerUnit,
  workTable,
} from './db-work';
import { cacheCounters, offerAvailability, openBookingPages } from './availability';
import { measureDeviceSide } from './device-side';
import { measureSnapshot, snapshotCpu, type SnapshotCpu, type SnapshotMeasure } from './snapshot';
import { measureIdleStreams, streamsOk, streamsTable } from './sse-streams';
import {
  benchServerEnv,
  type BenchServer,
  type CpuShare,
  cpuMicrosPer,
  cpuSampler,
  type LoadSummary,
  loadAverage,
  loadSampler,
  processCpuMs,
  redisPing,
  sampleMemory,
  startBenchServer,
} from './server';

/**
 * `npm run bench` (full) / `npm run bench -- --quick` (under 10 minutes on 2 cores): starts the
 * real server against a fresh PostgreSQL database and Redis, runs the standard set and writes
 * bench/results/*.json and bench/results/SUMMARY.md. Exits non-zero when a section failed its
 * correctness bar (errors, lost or duplicated sales).
 */

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    seed: { type: 'string', default: '2026' },
    db: { type: 'string', default: 'mango_bench' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'keep-db': { type: 'boolean', default: false },
    /**
     * Hydration and device sections only: open the hydration store a previous run left in
     * `--db` (with --keep-db) instead of seeding it again (~4 min at full size). The paged pull
     * and the ledger check need the seeding run's ledger and are skipped; the snapshot and
     * Chromium figures are measured as usual. Implies --keep-db.
     */
    reuse: { type: 'boolean', default: false },
    /** Seconds per push shape in section 1 (longer: less JIT warm-up and noise in CPU per mutation). */
    'push-seconds': { type: 'string' },
    /**
     * Port of the PostgreSQL on 127.0.0.1 to run on (default 5432): a private instance started
     * with pg_stat_statements preloaded, when the shared one was not.
     */
    'pg-port': { type: 'string' },
  },
});

const QUICK = values.quick;
const MODE = QUICK ? 'quick' : 'full';
const SECTIONS = new Set(
  (values.only ?? 'pgbench,push,pulls,streams,booking,busy,peak,tenants,hydration,device').split(
    ',',
  ),
);
const P = {
  pgbenchSeconds: QUICK ? 15 : 60,
  pushStores: QUICK ? 20 : 50,
  pushSeconds: values['push-seconds'] ? Number(values['push-seconds']) : QUICK ? 10 : 60,
  pullStores: QUICK ? 20 : 100,
  pullSeconds: QUICK ? 10 : 60,
  busyStores: QUICK ? 200 : 1000,
  busyClients: QUICK ? 30 : 150,
  busyLargeClients: QUICK ? 300 : 5000,
  busyHistoryStores: QUICK ? 1 : 2,
  busyHistoryPerDay: QUICK ? 1 : 20,
  busySeconds: QUICK ? 40 : 300,
  /** A busy salon at its peak hour: one checkout every ~100 s. */
  perStorePeakRate: 0.01,
  peakRates: QUICK ? [10, 40, 100, 160] : [10, 20, 40, 70, 100, 140, 200, 280, 420],
  peakSeconds: QUICK ? 15 : 60,
  tenantSteps: [10_000, 100_000],
  tenantSeconds: QUICK ? 15 : 120,
  hydrationClients: 20_000,
  /** Of those, pushed through the API; the rest bulk-written by `admin seed-clients` (fast). */
  hydrationApiClients: QUICK ? 2_000 : 20_000,
  hydrationTickets: QUICK ? 1_000 : 50_000,
  timeScale: 1 / 300,
  /** Run, not measured, at the start of a run: the fleet's event-stream connects and first pulls. */
  warmupSeconds: QUICK ? 10 : 30,
  stepWarmupSeconds: 5,
  /** Clients of the store opened in Chromium (the hydration store plus synthetic ones). */
  deviceClients: QUICK ? 20_000 : 50_000,
  deviceTaps: 10,
  /** Issue #20: idle event streams on one instance, opened in these steps up to the target. */
  streamsTarget: 20_000,
  streamSteps: [1000, 5000, 10_000],
  streamSampleSeconds: 30,
  /** Issue 21: the booking pages' free times, offered at this rate over this many stores. */
  bookingStores: 1000,
  bookingRate: 500,
  bookingSeconds: QUICK ? 20 : 60,
  /** Source addresses the phones come from (127.a.b.c): ≤ 1 request/s each, under the per-IP limit. */
  bookingAddresses: 600,
};
const P95_TARGET_MS = 100;
/** PostgreSQL 15 backends publish their statistics when idle for up to 10 s. */
const STATS_FLUSH_MS = 11_000;
/** Answers that tell a device to retry later; in a saturation test they are expected. */
const BACKPRESSURE = new Set(['HTTP_503', 'SERVICE_UNAVAILABLE', 'HTTP_429', 'RATE_LIMITED']);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const log = (line: string) => process.stderr.write(`${line}\n`);
const execFileP = promisify(execFile);
const machineCores = machineInfo().nproc;
const pg = values['pg-port'] ? { ...DEFAULT_PG, port: Number(values['pg-port']) } : DEFAULT_PG;

interface SectionResult {
  name: string;
  ok: boolean;
  /** Markdown lines for SUMMARY.md. */
  lines: string[];
  data?: unknown;
  error?: string;
  /** The machine's 1-minute load average during the section (other helpers' runs share it). */
  load?: LoadSummary;
}

const loadLine = (l: LoadSummary) =>
  `Machine load (1-min load average, ${machineCores} cores) during this section: start ${l.start}, mean ${l.mean}, max ${l.max}.`;

const sections: SectionResult[] = [];
let crashes = 0;

function checkLine(check: { report: CheckReport; seconds: number; rows: number }): string {
  const r = check.report;
  return `Ledger check: ${r.ok ? 'PASS' : '**FAIL**'} — ${r.checkedEffects} money/client effects over ${r.stores} stores (${check.rows} rows pulled from cursor 0 in ${check.seconds} s): lost ${r.lost}, duplicated ${r.duplicated}, mismatched ${r.mismatched}; closed tickets ${r.actual.closedTickets} (ledger ${r.expected.closedTickets}), closed total ${r.actual.closedTotalCents}¢ (ledger ${r.expected.closedTotalCents}¢), payments ${r.actual.paymentsCents}¢, tips ${r.actual.tipsCents}¢, refunds ${r.actual.refundsCents}¢ (ledger ${r.expected.refundsCents}¢).`;
}

const slimCheck = (c: { report: CheckReport; seconds: number; rows: number }) => ({
  ...c,
  report: { ...c.report, perStore: undefined },
});

/** A simulation run with the machine's load average sampled during it (every 2 s). */
async function withLoad<T>(run: () => Promise<T>): Promise<T & { load: LoadSummary }> {
  const sampler = loadSampler(2000);
  try {
    return { ...(await run()), load: sampler.stop() };
  } finally {
    sampler.stop();
  }
}

function runRow(r: RunReport & { load?: LoadSummary }): string {
  const m = r.measured;
  const errors =
    Object.entries(r.errors)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ') || '0';
  return `| ${r.label} | ${r.config.stores} | ${r.config.rate} | ${m.seconds} | ${m.mutationsPerSec} | ${m.pushesPerSec} | ${m.pullsPerSec} | ${m.push.p50} / ${m.push.p95} / ${m.push.p99} / ${m.push.max} | ${m.pull.p50} / ${m.pull.p95} / ${m.pull.p99} / ${m.pull.max} | ${errors} | ${m.rejected} | ${r.load?.mean ?? 'n/a'} |`;
}
const RUN_NOTE = `load avg: the machine's mean 1-minute load average during the run (${machineCores} cores; more means processes waiting for a core). Latencies are from the load generator: request sent → last byte of the answer.`;
const RUN_HEADER = [
  '| run | stores | checkouts/s offered | s | mutations/s | pushes/s | pulls/s | push p50/p95/p99/max ms | pull p50/p95/p99/max ms | errors | rejected | load avg |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: |',
];

/** A push run with the server's CPU over it, also per applied mutation. */
function withServerCpu<R extends { applied: number; label: string }>(r: R, cpu: CpuShare) {
  const serverCpuUsPerMutation = cpuMicrosPer(cpu, r.applied);
  log(
    `${r.label}: server CPU ${cpu.serverCpuMs} ms over ${r.applied} applied mutations = ${serverCpuUsPerMutation ?? 'n/a'} µs per mutation (monotonic window ${cpu.monotonicUs.join('-')} µs)`,
  );
  return { ...r, cpu, serverCpuUsPerMutation };
}

function baseSim(baseUrl: string, over: Partial<SimConfig>): SimConfig {
  return { ...DEFAULT_SIM, baseUrl, runTag: `${values.seed}-${Date.now().toString(36)}`, ...over };
}

let ensureServer: () => Promise<void> = async () => {};

async function section(
  name: string,
  fn: (load: () => LoadSummary) => Promise<Omit<SectionResult, 'name'>>,
): Promise<void> {
  const started = performance.now();
  await ensureServer();
  log(`\n=== ${name} ===`);
  const load = loadSampler();
  try {
    const result = { name, ...(await fn(() => load.snapshot())) };
    result.load = load.stop();
    result.lines.push('', loadLine(result.load));
    sections.push(result);
    log(
      `=== ${name}: ${result.ok ? 'ok' : 'FAILED'} in ${((performance.now() - started) / 1000).toFixed(0)} s ===`,
    );
  } catch (e) {
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    log(`=== ${name}: ERROR ${error}`);
    const l = load.stop();
    sections.push({
      name,
      ok: false,
      lines: [
        `**Did not complete:** \`${(e instanceof Error ? e.message : String(e)).slice(0, 500)}\``,
        '',
        loadLine(l),
      ],
      error,
      load: l,
    });
  }
}

/**
 * A private copy of the built web app for the server to serve, so a rebuild by someone else
 * during the bench does not swap files under the browser; built into a temporary directory (vite
 * only, no size report) when there is no build.
 */
async function snapshotWebApp(): Promise<
  { dir: string; why: null; cleanup: string } | { dir: null; why: string; cleanup: null }
> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mango-bench-web-'));
  const dir = path.join(tmp, 'dist');
  // WEB_DIST_DIR: a build of one's own (`vite build --outDir …`), as for the e2e suite.
  const built = process.env.WEB_DIST_DIR ?? path.join(REPO_ROOT, 'apps/web/dist');
  try {
    if (existsSync(path.join(built, 'index.html'))) {
      cpSync(built, dir, { recursive: true });
      log(`web app: copied ${built} to ${dir}`);
    } else {
      log('web app: no build in apps/web/dist, building a private one with vite');
      await execFileP('npx', ['vite', 'build', '--outDir', dir, '--emptyOutDir'], {
        cwd: path.join(REPO_ROOT, 'apps/web'),
        timeout: 300_000,
        maxBuffer: 16 * 1024 * 1024,
      });
    }
    return { dir, why: null, cleanup: tmp };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    return { dir: null, why: `the web app could not be built: ${String(e)}`, cleanup: null };
  }
}

/** Keeps what a server process printed (warnings and errors) next to the bench's stderr. */
function saveServerLog(s: BenchServer): void {
  const file = path.join(os.tmpdir(), `mango-bench-server-${s.server.port}-${Date.now()}.log`);
  writeFileSync(file, s.server.output());
  log(`server output: ${file}`);
}

/** Bulk-writes `count` synthetic clients into the store with the admin CLI (same config). */
async function seedClients(env: Record<string, string>, storeId: string, count: number) {
  await execFileP(
    process.execPath,
    [
      '--import',
      'tsx',
      'apps/server/src/cli/admin.ts',
      'seed-clients',
      '--store',
      storeId,
      '--count',
      String(count),
    ],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      timeout: 300_000,
    },
  );
}

/** The hydration store a previous run kept (`--reuse`): what the snapshot and device sections need. */
interface ReusedStore {
  storeId: string;
  owner: { email: string; password: string };
  clients: number;
  closedTickets: number;
  /** Clients bulk-written by `admin seed-clients` (phones from +1 555 2000000). */
  syntheticClients: number;
}

/**
 * Finds the hydration store in `--db`, or null (no such database or store: seed as usual). The
 * owner's password is the one the simulation's sign-up drew (its seed forks, see Simulation).
 */
async function reusableHydrationStore(): Promise<ReusedStore | null> {
  if (!/^[a-z_][a-z0-9_]*$/.test(values.db)) throw new Error(`unsafe database name ${values.db}`);
  const exists = await psql(
    pg,
    'postgres',
    `select 1 from pg_database where datname = '${values.db}'`,
  );
  if (exists !== '1') return null;
  const seed = `${values.seed}/hydration`;
  const row = await psql(
    pg,
    values.db,
    `select s.id, u.email,
            (select count(*) from clients c where c.store_id = s.id and not c.deleted),
            (select count(*) from tickets t where t.store_id = s.id and t.status = 'closed' and not t.deleted)
       from stores s join users u on u.organization_id = s.organization_id
      where u.email like 'lg-${values.seed.replace(/[^a-z0-9-]/gi, '')}-%-0@loadgen.example.com'
      order by s.created_at desc limit 1`,
  ).catch(() => '');
  const [storeId, email, clients, closed] = row.split('|');
  if (!storeId || !email) return null;
  return {
    storeId,
    owner: { email, password: `pw-${new Rng(seed).fork('store/0').fork('signup').uuid()}` },
    clients: Number(clients),
    closedTickets: Number(closed),
    // The sign-up pushed P.hydrationApiClients through the API; the rest are synthetic.
    syntheticClients: Math.max(0, Number(clients) - P.hydrationApiClients),
  };
}

async function main(): Promise<number> {
  const benchStarted = performance.now();
  const runLoad = loadSampler();
  const machine = { ...machineInfo(), postgres: await serverVersion(pg) };
  log(`bench (${MODE}) on ${JSON.stringify(machine)}`);
  const redisUrl = new URL(values.redis);
  if (!(await redisPing(redisUrl.hostname, Number(redisUrl.port || 6379))))
    throw new Error(`Redis does not answer at ${values.redis}`);

  const reused = values.reuse ? await reusableHydrationStore() : null;
  if (values.reuse && [...SECTIONS].some((x) => x !== 'hydration' && x !== 'device'))
    throw new Error('--reuse is for --only hydration,device');
  if (reused) log(`reusing the hydration store of ${values.db}: ${JSON.stringify(reused)}`);
  else await recreateDatabase(pg, values.db);
  // Before the server connects: its sessions take the database's pg_stat_statements settings.
  const statsWarning = await prepareStatementStats(pg, values.db);
  if (statsWarning !== null) log(`!!! WARNING: ${statsWarning}`);
  const webDist = SECTIONS.has('device')
    ? await snapshotWebApp()
    : { dir: null, why: 'device section not selected', cleanup: null };
  const env = {
    ...benchServerEnv(pg, values.db, values.redis),
    ...(webDist.dir ? { WEB_DIST_DIR: webDist.dir } : {}),
  };
  let srv: BenchServer = await startBenchServer(env);
  log(`server at ${srv.server.url} (pid ${srv.pid ?? 'unknown'}) on database ${values.db}`);
  /**
   * The snapshot (issue 20) on a fresh server: its VmHWM is start-up + these snapshots only.
   * NDJSON as is, then gzip (level 1), then brotli (quality 1), each line parsed as a device would.
   */
  const measureSnapshots = async (storeId: string, deviceId: string, token: () => string) => {
    await srv.server.stop();
    saveServerLog(srv);
    srv = await startBenchServer(env, srv.server.port);
    const stopSampling = sampleMemory(srv.pid);
    // The application role's backends on the bench database: the snapshot's connection among
    // them, other helpers' work on the shared PostgreSQL not.
    const backends = () => backendPids(pg, values.db, 'mango_app');
    const runs: (SnapshotMeasure & { cpu: SnapshotCpu })[] = [];
    for (const encoding of ['identity', 'gzip', 'br'] as const) {
      const measure = () =>
        measureSnapshot({ baseUrl: srv.server.url, storeId, deviceId, token: token(), encoding });
      const attempt = async () => {
        const serverCpu = await processCpuMs(() => (srv.pid === null ? [] : [srv.pid]));
        const postgresCpu = await processCpuMs(backends);
        const load1 = loadAverage()?.[0] ?? null;
        const r = await measure();
        const cpu = snapshotCpu(r.rows, await serverCpu(), await postgresCpu(), load1);
        return { ...r, cpu };
      };
      // A server just started may still be connecting to Redis (a 5xx): try again.
      runs.push(await attempt().catch(() => sleep(2000).then(attempt)));
    }
    const serverMemory = stopSampling();
    log(
      `snapshot: ${runs.map((r) => `${r.encoding} ${r.rows} rows in ${r.seconds} s = ${r.rowsPerSecond} rows/s, ${(r.wireBytes / 1048576).toFixed(1)} MiB, CPU per 1,000 rows: server ${r.cpu.serverMsPer1000Rows} ms, PostgreSQL ${r.cpu.postgresMsPer1000Rows} ms (load ${r.cpu.load1})`).join('; ')}; server peak RSS ${serverMemory.peakRssMiB} MiB (VmHWM ${serverMemory.hwmMiB})`,
    );
    return {
      runs,
      serverMemory,
      targetRowsPerSecond: 100_000,
      targetRssMiB: 400,
      meetsTarget:
        Math.max(...runs.map((r) => r.rowsPerSecond)) >= 100_000 &&
        (serverMemory.peakRssMiB ?? Infinity) < 400,
    };
  };
  const snapshotLine = (snapshot: Awaited<ReturnType<typeof measureSnapshots>>) =>
    `The same new device reading the snapshot instead (\`GET …/sync/snapshot\`, one stream, every line parsed): ${snapshot.runs.map((r) => `${r.encoding === 'identity' ? 'NDJSON' : r.encoding} **${r.rowsPerSecond.toLocaleString('en-US')} rows/s** (${r.rows.toLocaleString('en-US')} rows in ${r.seconds} s, ${(r.wireBytes / 1048576).toFixed(1)} MiB on the wire, essentials after ${r.essentialsMs ?? 'n/a'} ms; CPU per 1,000 rows: server **${r.cpu.serverMsPer1000Rows ?? 'n/a'} ms**, PostgreSQL **${r.cpu.postgresMsPer1000Rows ?? 'n/a'} ms**; load ${r.cpu.load1 ?? 'n/a'})`).join('; ')}. Server peak RSS during all: **${snapshot.serverMemory.peakRssMiB ?? 'n/a'} MiB** (VmHWM ${snapshot.serverMemory.hwmMiB ?? 'n/a'} MiB, restarted just before). Target ≥ 100,000 rows/s under 400 MiB: **${snapshot.meetsTarget ? 'met' : 'not met'}**.`;
  ensureServer = async () => {
    if (srv.server.alive()) return;
    log(
      `!!! the server process died; its last output:\n${srv.server.output().slice(-4000)}\n!!! restarting it on the same port`,
    );
    crashes++;
    srv = await startBenchServer(env, srv.server.port);
  };
  let pgbench: PgbenchResult | null = null;

  try {
    if (SECTIONS.has('pgbench') || SECTIONS.has('push')) {
      await section('1. Push throughput vs pgbench', async (load) => {
        pgbench = await runPgbench(pg, {
          db: `${values.db}_pgbench`,
          scale: 10,
          clients: 16,
          threads: 2,
          seconds: P.pgbenchSeconds,
        });
        log(`pgbench: ${pgbench.tps} tps (simple-update, 16 clients, ${P.pgbenchSeconds} s)`);
        const sim = new Simulation(
          baseSim(srv.server.url, {
            seed: `${values.seed}/push`,
            stores: P.pushStores,
            devicesPerStore: 2,
            clientsPerStore: 40,
            largeStoreEvery: 0,
            historyStores: 0,
            maxSockets: 64,
          }),
        );
        try {
          await sim.setup(log);
          await sleep(STATS_FLUSH_MS);
          const activityBefore = await dbActivity(pg, values.db);
          const readWork = () => readDbWork(pg, values.db, 'mango_app', statsWarning === null);
          const readDetail = () =>
            statsWarning === null
              ? readStatementDetail(pg, values.db, 'mango_app')
              : Promise.resolve([]);
          const readFunctions = () => readFunctionDetail(pg, values.db);
          // PostgreSQL's CPU for the server's work alone: the application role's backends on
          // the bench database (other helpers' work on the shared PostgreSQL left out).
          const appBackends = () => backendPids(pg, values.db, 'mango_app');
          const walHold = statsWarning === null ? await holdWal(pg, values.db) : null;
          const work0 = await readWork();
          const detail0 = await readDetail();
          const functions0 = await readFunctions();
          let cpu = cpuSampler(srv.pid);
          let backendCpu = await processCpuMs(appBackends);
          const batched = withServerCpu(
            await sim.saturate({
              label: 'push-10-visits',
              durationSec: P.pushSeconds,
              visitsPerPush: 10,
            }),
            cpu(),
          );
          const batchedBackendMs = await backendCpu();
          await sleep(STATS_FLUSH_MS);
          const work1 = await readWork();
          const detail1 = await readDetail();
          const functions1 = await readFunctions();
          cpu = cpuSampler(srv.pid);
          backendCpu = await processCpuMs(appBackends);
          const single = withServerCpu(
            await sim.saturate({
              label: 'push-1-visit',
              durationSec: P.pushSeconds,
              visitsPerPush: 1,
            }),
            cpu(),
          );
          const singleBackendMs = await backendCpu();
          await sleep(STATS_FLUSH_MS);
          const work2 = await readWork();
          const detail2 = await readDetail();
          const functions2 = await readFunctions();
          const backendUs = (ms: number, applied: number) =>
            applied > 0 ? Math.round((ms * 1000) / applied) : null;
          const postgresCpu = {
            batchedUsPerMutation: backendUs(batchedBackendMs, batched.applied),
            singleUsPerMutation: backendUs(singleBackendMs, single.applied),
          };
          log(
            `PostgreSQL CPU of the server's backends: ${postgresCpu.batchedUsPerMutation ?? 'n/a'} / ${postgresCpu.singleUsPerMutation ?? 'n/a'} µs per applied mutation (10 visits / 1 visit per push)`,
          );
          // Where the WAL and buffers go (pg_walinspect, pg_stat_statements per statement).
          const breakdownOf = async (
            from: DbWorkReading,
            to: DbWorkReading,
            before: StatementDetail[],
            after: StatementDetail[],
            fBefore: FunctionDetail[],
            fAfter: FunctionDetail[],
            units: number,
          ) => {
            const groups =
              walHold && from.lsn && to.lsn
                ? await walGroups(pg, values.db, from.lsn, to.lsn).catch((e: unknown) => {
                    log(`!!! no WAL breakdown: ${e instanceof Error ? e.message : String(e)}`);
                    return null;
                  })
                : null;
            return {
              wal: groups ? walPerUnit(groups, units) : null,
              statements: statementsPerUnit(before, after, units),
              kinds: statementsPerUnit(before, after, units, {
                by: 'kind',
                order: 'time',
                top: 1000,
              }),
              functions: functionsPerUnit(fBefore, fAfter, units),
            };
          };
          const breakdown = {
            batched: await breakdownOf(
              work0,
              work1,
              detail0,
              detail1,
              functions0,
              functions1,
              batched.applied,
            ),
            single: await breakdownOf(
              work1,
              work2,
              detail1,
              detail2,
              functions1,
              functions2,
              single.applied,
            ),
          };
          await walHold?.release();
          const breakdownLines = (['batched', 'single'] as const).flatMap((k) => [
            '',
            `Per applied mutation, ${k === 'batched' ? '10 visits' : '1 visit'} per push: WAL by relation and record type (pg_walinspect over the run's LSN range, records of the bench database and the commits of its transactions, background work such as autovacuum included), then the statements with the most buffers, the statement kinds with the most planning + execution time (pg_stat_statements, track_planning on), and the plpgsql functions and triggers (pg_stat_user_functions).`,
            '',
            ...(breakdown[k].wal ? [] : ['(pg_walinspect not available: no WAL breakdown)', '']),
            ...breakdownTables(
              breakdown[k].wal ?? [],
              breakdown[k].statements,
              breakdown[k].kinds.slice(0, 15),
              breakdown[k].functions,
            ),
          ]);
          log(['where the work goes:', ...breakdownLines].join('\n'));
          const perMutation = activityPerMutation(
            activityBefore,
            await dbActivity(pg, values.db),
            batched.mutations + single.mutations,
          );
          const work = {
            batchedPerMutation: workPerUnit(work0, work1, batched.applied, statsWarning),
            singlePerMutation: workPerUnit(work1, work2, single.applied, statsWarning),
            pgbenchPerTransaction: pgbench.work,
          };
          const comparison = compareWork(
            [work.batchedPerMutation.perUnit, work.singlePerMutation.perUnit],
            pgbench.work.perUnit,
          );
          const workLines = workTable(['10 visits/push', '1 visit/push'], 'pgbench -N', comparison);
          const workWarnings = [...new Set(Object.values(work).flatMap((w: DbWork) => w.warnings))];
          log(['database work:', ...workLines, ...workWarnings.map((w) => `!!! ${w}`)].join('\n'));
          const check = await sim.verify();
          const tps = pgbench.tps;
          const ratio = (n: number) => Math.round((n / tps) * 100) / 100;
          const data = {
            pgbench: { ...pgbench, raw: undefined },
            batched,
            single,
            databaseWorkPerMutation: perMutation,
            databaseWork: { ...work, comparison, breakdown },
            postgresCpu,
            check: slimCheck(check),
          };
          writeResult('push-throughput', { mode: MODE, machine, load: load(), ...data });
          // Saturation offers more concurrent pushes than the server's pool has connections: a
          // 503 (Retry-After) or 429 there is the server shedding load, and the device retries
          // the same ids. Anything else is a failure; the ledger check is the correctness bar.
          const errors = [batched, single]
            .flatMap((r) => Object.keys(r.errorsByCode))
            .filter((code) => !BACKPRESSURE.has(code)).length;
          return {
            ok: check.report.ok && errors === 0,
            data,
            lines: [
              `pgbench (built-in simple-update \`-N\`, scale 10, 16 clients, 2 threads, ${pgbench.seconds} s, same PostgreSQL): **${tps} tps** (avg latency ${pgbench.latencyAvgMs} ms).`,
              '',
              '| push shape | devices | mutations/s | pushes/s | push p50/p95/p99/max ms | ratio mutations/s ÷ pgbench tps | CPU server / postgres / loadgen (% of a core) | server CPU-µs per applied mutation | errors |',
              '| --- | ---: | ---: | ---: | --- | ---: | --- | ---: | --- |',
              ...[batched, single].map(
                (r) =>
                  `| ${r.visitsPerPush} visit(s) per push (~${Math.round(r.mutations / Math.max(1, r.pushes))} mutations) | ${r.devices} | ${r.mutationsPerSec} | ${r.pushesPerSec} | ${r.push.p50} / ${r.push.p95} / ${r.push.p99} / ${r.push.max} | **${ratio(r.mutationsPerSec)}** | ${r.cpu.serverPct} / ${r.cpu.postgresPct} / ${r.cpu.loadgenPct} | **${r.serverCpuUsPerMutation ?? 'n/a'}** | ${JSON.stringify(r.errorsByCode)} |`,
              ),
              '',
              `PostgreSQL CPU-µs per applied mutation (user + system of the application role's backends on the bench database, /proc ticks): **${postgresCpu.batchedUsPerMutation ?? 'n/a'}** (10 visits per push) and **${postgresCpu.singleUsPerMutation ?? 'n/a'}** (1 visit).`,
              '',
              `Server CPU-µs per applied mutation: the server process's user + system time over the run (/proc/<pid>/stat, 10 ms ticks) divided by the mutations it applied; unlike throughput it depends little on what else runs on the machine.`,
              '',
              `Errors here: HTTP_503 is the server answering "temporarily unavailable, retry" (Retry-After: 1) — under saturation typically a push that waited longer than DB_CONNECTION_TIMEOUT_MS (5 s) for one of its DB_POOL_MAX (20) connections, with ${batched.devices} devices pushing at once; the device retries with the same ids. It does not fail this section; the ledger check does.`,
              '',
              `Database work per applied mutation of each push shape (${work.batchedPerMutation.units} and ${work.singlePerMutation.units} mutations: pg_stat_statements of the server's role \`mango_app\` in the bench database, its tables' pg_stat_user_tables) next to a pgbench transaction (${pgbench.transactions} transactions: pg_stat_statements of its own scratch database, same rules). Push columns per applied mutation, pgbench per transaction. Statements count BEGIN and COMMIT on both sides (pgbench -N: BEGIN, UPDATE, SELECT, INSERT, END = 5); buffers and WAL are those of the top-level statements, which include the statements they run inside triggers and functions. The WAL of the commit record itself is written after the COMMIT statement ends and is not in pg_stat_statements; pg_stat_wal has it but counts the whole cluster (every database and background process, other work on the machine included).`,
              '',
              ...workLines,
              ...(workWarnings.length > 0
                ? ['', ...workWarnings.map((w) => `**Not measured:** ${w}`)]
                : []),
              ...breakdownLines,
              '',
              `Database work per acknowledged mutation over both runs (pg_stat_database / pg_stat_user_tables of the bench database): ${perMutation.commits} commits, **${perMutation.indexScans} index scans** (${perMutation.storesIndexScans} of them on \`stores\`, ${perMutation.appointmentIndexScans} over the ${perMutation.appointmentPartitions} partitions of \`appointments\`), ${perMutation.seqScans} sequential scans, ${perMutation.rowsInserted} rows inserted and ${perMutation.rowsUpdated} updated (audit rows included). A pgbench simple-update transaction is one update and one select by primary key and one insert (2 index scans).`,
              '',
              checkLine(check),
            ],
          };
        } finally {
          sim.close();
        }
      });
    }

    if (SECTIONS.has('pulls')) {
      await section('1b. Quiet-store pulls vs pgbench -S', async (load) => {
        const reference = await runPgbench(pg, {
          db: `${values.db}_pgbench_s`,
          scale: 10,
          clients: 16,
          threads: 2,
          seconds: P.pgbenchSeconds,
          script: '-S',
        });
        log(`pgbench -S: ${reference.tps} tps (select-only, 16 clients, ${P.pgbenchSeconds} s)`);
        const sim = new Simulation(
          baseSim(srv.server.url, {
            seed: `${values.seed}/pulls`,
            stores: P.pullStores,
            devicesPerStore: 2,
            clientsPerStore: 20,
            largeStoreEvery: 0,
            historyStores: 0,
            maxSockets: 64,
          }),
        );
        try {
          await sim.setup(log);
          await sim.catchUp();
          await sleep(STATS_FLUSH_MS);
          const before = await readDbWork(pg, values.db, 'mango_app', statsWarning === null);
          const callsBefore =
            statsWarning === null ? await readStatementCalls(pg, values.db) : null;
          const activityBefore = await dbActivity(pg, values.db);
          const cpu = cpuSampler(srv.pid);
          const quiet = {
            ...(await sim.quietPulls({
              label: 'quiet-pulls',
              durationSec: P.pullSeconds,
              concurrency: 32,
            })),
            cpu: cpu(),
          };
          await sleep(STATS_FLUSH_MS);
          const after = await readDbWork(pg, values.db, 'mango_app', statsWarning === null);
          // Which statements those were: the pulls' own should be none.
          const statementMix = callsBefore
            ? statementCallsBetween(callsBefore, await readStatementCalls(pg, values.db))
            : null;
          const activityAfter = await dbActivity(pg, values.db);
          // Exact to the statement (the work table rounds to 0.1): every statement and every
          // transaction the server ran during the polling — account checks (AUTH_RECHECK_MS),
          // heads refilled after their ttl and batched last-seen writes included — over the
          // pulls made. Statements only when pg_stat_statements evicted nothing meanwhile.
          const work = workPerUnit(before, after, quiet.pulls, statsWarning);
          const statements =
            work.warnings.length === 0 && after.statements && before.statements
              ? after.statements.statements - before.statements.statements
              : null;
          const transactions = activityAfter.commits - activityBefore.commits;
          const perPull = (n: number | null) =>
            n === null ? null : Math.round((n / quiet.pulls) * 1000) / 1000;
          const ratio = Math.round((quiet.pullsPerSec / reference.tps) * 1000) / 1000;
          const data = {
            pgbenchSelectOnly: { ...reference, raw: undefined },
            quiet,
            statements,
            statementsPerPull: perPull(statements),
            transactions,
            transactionsPerPull: perPull(transactions),
            statementWarnings: work.warnings,
            statementMix,
            ratio,
          };
          writeResult('quiet-pulls', { mode: MODE, machine, load: load(), ...data });
          const errors = Object.keys(quiet.errorsByCode).filter((c) => !BACKPRESSURE.has(c));
          return {
            ok: errors.length === 0,
            data,
            lines: [
              `pgbench (built-in select-only \`-S\`, scale 10, 16 clients, 2 threads, ${reference.seconds} s, same PostgreSQL): **${reference.tps} tps**.`,
              '',
              '| run | devices | pollers | pulls/s | pull p50/p95/p99/max ms | ratio pulls/s ÷ pgbench -S tps | database statements per pull | database transactions per pull | CPU server / postgres / loadgen (% of a core) | errors |',
              '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |',
              `| every device at its store's version, pulling again at once (${P.pullStores} stores) | ${quiet.devices} | 32 | ${quiet.pullsPerSec} | ${quiet.pull.p50} / ${quiet.pull.p95} / ${quiet.pull.p99} / ${quiet.pull.max} | **${ratio}** | **${perPull(statements) ?? 'n/a'}** (${statements ?? 'n/a'} over ${quiet.pulls} pulls) | **${perPull(transactions)}** (${transactions}) | ${quiet.cpu.serverPct} / ${quiet.cpu.postgresPct} / ${quiet.cpu.loadgenPct} | ${JSON.stringify(quiet.errorsByCode)} |`,
              ...work.warnings.map((w) => `**Not measured:** ${w}`),
              '',
              'A quiet pull is answered from the sync heads in Redis (SYNC_HEAD_TTL_SEC) and the account check from the shared cache: the statements counted are what refilled them from the database after their ttl (heads SYNC_HEAD_TTL_SEC, accounts 300 s) and the batched last-seen writes (LAST_SEEN_FLUSH_MS).',
              ...(statementMix
                ? [
                    '',
                    `The statements that ran during the polling: ${statementMix.length === 0 ? 'none' : statementMix.map((s) => `${s.calls} × \`${s.statement.replace(/`/g, "'")}\``).join('; ')}.`,
                  ]
                : []),
            ],
          };
        } finally {
          sim.close();
        }
      });
    }

    if (SECTIONS.has('booking')) {
      await section('1d. Online booking: free times of 1,000 stores’ pages', async (load) => {
        const sim = new Simulation(
          baseSim(srv.server.url, {
            seed: `${values.seed}/booking`,
            stores: P.bookingStores,
            devicesPerStore: 1,
            clientsPerStore: 0,
            largeStoreEvery: 0,
            historyStores: 0,
            maxSockets: 64,
          }),
        );
        const phones = Array.from(
          { length: P.bookingAddresses },
          (_, i) =>
            new HttpClient(srv.server.url, {
              maxSockets: 2,
              timeoutMs: 30_000,
              localAddress: `127.21.${Math.floor(i / 250)}.${(i % 250) + 1}`,
            }),
        );
        try {
          const setupStarted = performance.now();
          await sim.setup(log);
          const pages = await openBookingPages(sim.stores, sim.config.runTag);
          const setupSeconds = Math.round((performance.now() - setupStarted) / 100) / 10;
          log(`booking: ${pages.length} pages open in ${setupSeconds} s`);
          let phone = 0;
          const rotating = {
            request: (...args: Parameters<HttpClient['request']>) =>
              phones[phone++ % phones.length]!.request(...args),
          } as HttpClient;
          // Each page's first look fills its cache entries; then the measured window.
          await offerAvailability(rotating, pages, { rate: P.bookingRate, seconds: 5 });
          const cacheBefore = await cacheCounters(sim.client, env.METRICS_TOKEN);
          const cpu = cpuSampler(srv.pid);
          const run = await offerAvailability(rotating, pages, {
            rate: P.bookingRate,
            seconds: P.bookingSeconds,
          });
          const usage = cpu();
          const cacheAfter = await cacheCounters(sim.client, env.METRICS_TOKEN);
          const hits = cacheAfter.hit - cacheBefore.hit;
          const misses = cacheAfter.miss - cacheBefore.miss;
          const hitRatio =
            hits + misses === 0 ? null : Math.round((hits / (hits + misses)) * 1000) / 1000;
          const meets = run.latency.p95 < 50 && (run.outcomes['200'] ?? 0) === run.requests;
          const data = { setupSeconds, run, cache: { hits, misses, hitRatio }, cpu: usage, meets };
          writeResult('booking-availability', { mode: MODE, machine, load: load(), ...data });
          return {
            ok: (run.outcomes['200'] ?? 0) === run.requests,
            data,
            lines: [
              `${pages.length.toLocaleString('en-US')} stores signed up and seeded through the API, each page turned on through the push API (every technician 9:00–19:00 every day, 10-minute buffer, 60-minute notice; ${setupSeconds} s). Then \`GET …/public/stores/{slug}/availability\` offered open-loop at ${P.bookingRate} requests/s for ${P.bookingSeconds} s (after 5 s of the same to fill the caches), each a random page, a day in the next two weeks, a random service, "anyone" or one technician, from ${P.bookingAddresses} source addresses (≤ 1 request/s each: under PUBLIC_BOOKING_IP_PER_MIN).`,
              '',
              '| offered req/s | answered req/s | p50 / p95 / p99 / max ms | answers | free times per answer | cache hit ratio (hits / misses) | CPU server / postgres / loadgen (% of a core) |',
              '| ---: | ---: | --- | --- | ---: | ---: | --- |',
              `| ${run.offeredPerSec} | ${run.answeredPerSec} | ${run.latency.p50} / **${run.latency.p95}** / ${run.latency.p99} / ${run.latency.max} | ${JSON.stringify(run.outcomes)} | ${run.meanTimes} | **${hitRatio ?? 'n/a'}** (${hits} / ${misses}) | ${usage.serverPct} / ${usage.postgresPct} / ${usage.loadgenPct} |`,
              '',
              `Target (issue 21): p95 < 50 ms at 500 requests/s over 1,000 stores: **${meets ? 'met' : 'not met'}**. The cache counters are the server's \`mango_cache_requests_total\` over the window (a request looks up its page address, the page and the day’s appointments: three lookups; the first two are nearly always hits, so the day’s appointments hit about 3 × ratio − 2 of the time).`,
            ],
          };
        } finally {
          for (const p of phones) p.close();
          sim.close();
        }
      });
    }

    if (SECTIONS.has('streams')) {
      await section('1c. Idle event streams', async (load) => {
        // A server of its own on a database of its own: its RSS is the streams' and nothing else's.
        const report = await measureIdleStreams({
          pg,
          db: `${values.db}_sse`,
          redisUrl: values.redis,
          streams: P.streamsTarget,
          steps: P.streamSteps,
          sampleSeconds: P.streamSampleSeconds,
          settleSeconds: 10,
          maxPerStore: 50,
          heartbeatMs: 25_000, // the server's default (SSE_HEARTBEAT_MS)
          seed: values.seed,
          log,
        });
        writeResult('sse-streams', { mode: MODE, machine, load: load(), ...report });
        return { ok: streamsOk(report), data: report, lines: streamsTable(report) };
      });
    }

    let busyP95: number | null = null;
    let busySim: Simulation | null = null;
    /** Many tenants reuses the busy-day stores: only when all of them were set up. */
    let busyReady = false;
    if (SECTIONS.has('busy') || SECTIONS.has('peak') || SECTIONS.has('tenants')) {
      await section('2. Busy day and Phase 4 peak', async (load) => {
        busySim = new Simulation(
          baseSim(srv.server.url, {
            seed: `${values.seed}/busy`,
            stores: P.busyStores,
            devicesPerStore: 3,
            clientsPerStore: P.busyClients,
            largeStoreEvery: 20,
            largeStoreClients: P.busyLargeClients,
            historyStores: P.busyHistoryStores,
            historyDays: 365,
            historyTicketsPerDay: P.busyHistoryPerDay,
            sseFraction: 0.2,
            pullIntervalMs: 15_000,
            maxSockets: 96,
          }),
        );
        const sim = busySim;
        await sim.setup(log);
        busyReady = true;
        const rate = Math.round(P.busyStores * P.perStorePeakRate * 100) / 100;
        // Statement counters only: they are updated as each statement ends, whereas the table
        // counters would need the server idle for 10 s between steps.
        let workMark = {
          reading: await readDbWork(pg, values.db, 'mango_app', statsWarning === null),
          applied: sim.metrics.applied,
        };
        const workSinceMark = async (): Promise<DbWork> => {
          const reading = await readDbWork(pg, values.db, 'mango_app', statsWarning === null);
          const work = workPerUnit(
            workMark.reading,
            reading,
            sim.metrics.applied - workMark.applied,
            statsWarning,
          );
          workMark = { reading, applied: sim.metrics.applied };
          return work;
        };
        const busyCpu = cpuSampler(srv.pid);
        const busy = {
          ...(await withLoad(() =>
            sim.run({
              label: 'busy-day',
              durationSec: P.busySeconds + P.warmupSeconds,
              warmupSec: P.warmupSeconds,
              rate,
              timeScale: P.timeScale,
            }),
          )),
          cpu: busyCpu(),
          databaseWork: await workSinceMark(),
        };
        busyP95 = busy.measured.push.p95;
        const steps: (RunReport & {
          sustainable: boolean;
          keptUp: boolean;
          cpu: { serverPct: number; postgresPct: number; loadgenPct: number };
          load: LoadSummary;
          databaseWork: DbWork;
        })[] = [];
        if (SECTIONS.has('peak')) {
          for (const stepRate of P.peakRates) {
            const stepCpu = cpuSampler(srv.pid);
            const r = {
              ...(await withLoad(() =>
                sim.run({
                  label: `peak-${stepRate}`,
                  durationSec: P.peakSeconds + P.stepWarmupSeconds,
                  warmupSec: P.stepWarmupSeconds,
                  rate: stepRate,
                  timeScale: P.timeScale,
                  drainTimeoutSec: QUICK ? 30 : 90,
                }),
              )),
              cpu: stepCpu(),
            };
            const kept = r.measured.enqueued === 0 ? 1 : r.measured.mutations / r.measured.enqueued;
            // Kept up: every offered mutation acknowledged in step (≥ 90 % within the window), no
            // errors. Sustainable: kept up and push p95 under the Phase 4 target.
            const keptUp =
              Object.keys(r.errors).length === 0 && kept >= 0.9 && r.fatal.length === 0;
            const sustainable = keptUp && r.measured.push.p95 < P95_TARGET_MS;
            steps.push({ ...r, sustainable, keptUp, databaseWork: await workSinceMark() });
            log(
              `peak step ${stepRate}/s: push p95 ${r.measured.push.p95} ms, acknowledged/enqueued ${kept.toFixed(2)}, CPU server ${r.cpu.serverPct} % postgres ${r.cpu.postgresPct} %, ${sustainable ? 'sustainable' : keptUp ? 'kept up, p95 over target' : 'NOT kept up'}`,
            );
            if (!keptUp) break;
          }
        }
        const check = await sim.verify();
        const maxSustainable = steps.filter((s) => s.sustainable).at(-1)?.config.rate ?? null;
        const maxKeptUp = steps.filter((s) => s.keptUp).at(-1)?.config.rate ?? null;
        const data = {
          rate,
          busy,
          steps,
          maxSustainableCheckoutsPerSec: maxSustainable,
          maxKeptUpCheckoutsPerSec: maxKeptUp,
          check: slimCheck(check),
        };
        writeResult('busy-day', {
          mode: MODE,
          machine,
          load: load(),
          busy,
          check: slimCheck(check),
        });
        if (steps.length > 0)
          writeResult('phase4-peak', {
            mode: MODE,
            machine,
            load: load(),
            steps,
            maxSustainableCheckoutsPerSec: maxSustainable,
            maxKeptUpCheckoutsPerSec: maxKeptUp,
            p95TargetMs: P95_TARGET_MS,
          });
        const busyErrors = Object.keys(busy.errors).length > 0 || busy.fatal.length > 0;
        return {
          ok: check.report.ok && !busyErrors,
          data,
          lines: [
            `${P.busyStores} stores × 3 devices (${P.busyClients} clients each, every 20th store ${P.busyLargeClients}; ${P.busyHistoryStores} store(s) with a year of history at ${P.busyHistoryPerDay} tickets/day), 20 % of devices on SSE pokes, the rest pulling every 15 s. Busy day offered ${rate} checkouts/s (a busy salon's peak hour: one checkout per 100 s per store), ${P.busySeconds} s measured after ${P.warmupSeconds} s of warm-up (each peak and tenants step: ${P.stepWarmupSeconds} s; the event-stream connects and first pulls of the whole fleet at once are not a running day). Visits are sped up ×300 (an hour-long service takes 12 s).`,
            '',
            ...RUN_HEADER,
            runRow(busy),
            ...steps.map(
              (s) =>
                `${runRow(s)} ${s.sustainable ? '' : s.keptUp ? '← p95 over target' : '← not kept up'}`,
            ),
            '',
            RUN_NOTE,
            '',
            `CPU (% of one core; the machine has ${machine.nproc}) — server / PostgreSQL / load generator: busy day ${busy.cpu.serverPct} / ${busy.cpu.postgresPct} / ${busy.cpu.loadgenPct}; ${steps.map((s) => `peak ${s.config.rate}/s ${s.cpu.serverPct} / ${s.cpu.postgresPct} / ${s.cpu.loadgenPct}`).join('; ')}.`,
            '',
            `Database work per applied mutation of each run (pg_stat_statements of the server's role \`mango_app\`: everything the server did during the run, warm-up, pulls and drain included), next to a pgbench -N transaction${pgbench === null ? ' (pgbench not run)' : ''}:`,
            '',
            ...workTable(
              ['busy day', ...steps.map((s) => `peak ${s.config.rate}/s`)],
              'pgbench -N',
              compareWork(
                [busy.databaseWork.perUnit, ...steps.map((s) => s.databaseWork.perUnit)],
                (pgbench as PgbenchResult | null)?.work.perUnit ?? null,
              ),
              {
                ratios: false,
                counters: ['statements', 'nestedStatements', 'buffers', 'walRecords', 'walBytes'],
              },
            ),
            ...[busy, ...steps]
              .flatMap((r) => r.databaseWork.warnings)
              .filter((w, i, all) => all.indexOf(w) === i)
              .flatMap((w) => ['', `**Not measured:** ${w}`]),
            '',
            steps.length > 0
              ? `Phase 4 peak (5M transactions/day ≈ 280 checkouts/s at the busiest hour): max sustainable on this machine (push p95 < ${P95_TARGET_MS} ms, zero errors, ≥ 90 % of the offered mutations acknowledged in the window): ${maxSustainable !== null ? `**${maxSustainable} checkouts/s** = ${Math.round((maxSustainable / 280) * 100)} % of the Phase 4 peak` : `**none** — already the lowest step (${P.peakRates[0]} checkouts/s = ${Math.round(((P.peakRates[0] ?? 0) / 280) * 100)} % of the Phase 4 peak) had push p95 ≥ ${P95_TARGET_MS} ms`}. Highest rate kept up with at any latency (same rules without the p95 bound): **${maxKeptUp ?? 'none'}${maxKeptUp !== null ? ` checkouts/s = ${Math.round((maxKeptUp / 280) * 100)} % of the Phase 4 peak` : ''}**${steps.at(-1)?.keptUp ? ' (the last step offered; the machine may keep up with more)' : ''}.`
              : 'Phase 4 steps not run.',
            '',
            checkLine(check),
          ],
        };
      });
    }

    if (SECTIONS.has('tenants') && busySim && busyReady) {
      const sim: Simulation = busySim;
      await section('4. Many tenants', async (load) => {
        const rate = Math.round(P.busyStores * P.perStorePeakRate * 100) / 100;
        const rows: {
          tenants: number;
          insertSeconds: number;
          run: RunReport & { load: LoadSummary };
        }[] = [];
        // First at the tenants already there (the busy-day stores): the baseline, measured
        // right before, under the same machine load as the steps that follow.
        for (const total of [0, ...P.tenantSteps]) {
          const ins = await insertIdleTenants(pg, values.db, total);
          log(
            `idle tenants: ${ins.organizations} organizations now (${ins.inserted} inserted in ${ins.seconds} s)`,
          );
          const run = await withLoad(() =>
            sim.run({
              label: `tenants-${ins.organizations}`,
              durationSec: P.tenantSeconds + P.stepWarmupSeconds,
              warmupSec: P.stepWarmupSeconds,
              rate,
              timeScale: P.timeScale,
            }),
          );
          rows.push({ tenants: ins.organizations, insertSeconds: ins.seconds, run });
        }
        const check = await sim.verify();
        const base = rows[0]?.run.measured.push.p95 ?? null;
        const data = {
          baselinePushP95: base,
          busyDayPushP95: busyP95,
          rows,
          check: slimCheck(check),
        };
        writeResult('many-tenants', { mode: MODE, machine, load: load(), ...data });
        const errors = rows.some(
          (r) => Object.keys(r.run.errors).length > 0 || r.run.fatal.length > 0,
        );
        const last = rows.at(-1)?.run.measured.push.p95 ?? 0;
        // Grown: more than twice the baseline and by more than 20 ms (noise on a shared machine).
        const grew = base !== null && last > Math.max(base * 2, base + 20);
        return {
          ok: check.report.ok && !errors,
          data,
          lines: [
            `The busy-day rate (${rate} checkouts/s over the same ${P.busyStores} active stores), first with only those tenants, then with idle tenants (organization + store + owner + device rows, inserted by SQL) filling the database. Each run ${P.tenantSeconds} s measured after ${P.stepWarmupSeconds} s of warm-up.`,
            '',
            ...RUN_HEADER,
            ...rows.map((r) =>
              runRow(r.run).replace(
                `| ${r.run.label} |`,
                `| ${r.tenants.toLocaleString('en-US')} tenants |`,
              ),
            ),
            '',
            RUN_NOTE,
            '',
            grew
              ? `**Latency grew with the number of idle tenants** (push p95 ${base} ms at ${rows[0]?.tenants.toLocaleString('en-US')} tenants → ${last} ms at ${rows.at(-1)?.tenants.toLocaleString('en-US')}).`
              : `Latency did not grow with idle tenants (push p95 ${base} ms at ${rows[0]?.tenants.toLocaleString('en-US')} tenants → ${last} ms at ${rows.at(-1)?.tenants.toLocaleString('en-US')}; "grown" would be more than twice and 20 ms more).`,
            '',
            checkLine(check),
          ],
        };
      });
    }
    if (SECTIONS.has('tenants') && !busyReady) {
      sections.push({
        name: '4. Many tenants',
        ok: false,
        lines: ['**Not run:** it reuses the busy-day stores, whose set-up did not complete.'],
      });
    }
    (busySim as Simulation | null)?.close();

    let hydrationSim: Simulation | null = null;
    /** Synthetic clients written by `admin seed-clients` into the hydration store (phones from +1 555 2000000). */
    let syntheticClients = 0;
    if (SECTIONS.has('hydration')) {
      await section('3. Hydration', async (load) => {
        const saveHydration = (data: object) =>
          writeResult('hydration', {
            mode: MODE,
            machine,
            load: load(),
            scaledDown: QUICK,
            ...data,
          });
        if (reused) {
          // Seeded by an earlier run: the snapshot only (the paged pull and the ledger check
          // need that run's ledger).
          const client = new HttpClient(srv.server.url, { maxSockets: 2, timeoutMs: 60_000 });
          const login = await client.request('POST', '/api/v1/auth/login', { body: reused.owner });
          if (login.status !== 200)
            throw new Error(`--reuse: sign-in ${login.status} ${login.body}`);
          const { session } = Session.fromResponse(login.body);
          const deviceId = randomUUID();
          const reg = await client.request('POST', `/api/v1/stores/${reused.storeId}/devices`, {
            body: { deviceId, name: 'Snapshot iPad' },
            token: session.accessToken,
          });
          if (reg.status !== 201 && reg.status !== 200)
            throw new Error(`--reuse: device registration ${reg.status} ${reg.body}`);
          client.close();
          const snapshot = await measureSnapshots(
            reused.storeId,
            deviceId,
            () => session.accessToken,
          );
          const data = { reused, snapshot };
          saveHydration(data);
          return {
            ok: snapshot.runs.every((r) => r.complete),
            data,
            lines: [
              `The hydration store of an earlier run (\`--reuse\`: ${reused.clients.toLocaleString('en-US')} clients, ${reused.closedTickets.toLocaleString('en-US')} closed tickets; no paged pull or ledger check).`,
              '',
              snapshotLine(snapshot),
            ],
          };
        }
        const appointments = Math.round(P.hydrationTickets * 0.2);
        const sim = new Simulation(
          baseSim(srv.server.url, {
            seed: `${values.seed}/hydration`,
            stores: 1,
            devicesPerStore: 1,
            clientsPerStore: P.hydrationApiClients,
            largeStoreEvery: 0,
            historyStores: 1,
            historyDays: 365,
            historyTickets: P.hydrationTickets,
            appointmentShare: 0.2,
          }),
        );
        hydrationSim = sim;
        {
          const seedStarted = performance.now();
          await sim.setup(log);
          const seedSeconds = Math.round((performance.now() - seedStarted) / 1000);
          const bulkClients = P.hydrationClients - P.hydrationApiClients;
          const bulkStarted = performance.now();
          if (bulkClients > 0) {
            await seedClients(env, (sim.stores[0] as SimStore).storeId, bulkClients);
            syntheticClients = bulkClients;
          }
          const bulkSeconds = Math.round((performance.now() - bulkStarted) / 100) / 10;
          // A fresh server process, so its VmHWM is start-up + this hydration only.
          await srv.server.stop();
          saveServerLog(srv);
          // Same port: the simulation's HTTP client keeps the URL it was created with.
          srv = await startBenchServer(env, srv.server.port);
          const stopSampling = sampleMemory(srv.pid);
          const hydration = await sim.hydrate(0, 1000);
          const mem = stopSampling();
          const check = await sim.verify();
          const snapStore = sim.stores[0] as SimStore;
          await snapStore.session.refresh(sim.client);
          const snapDevice = randomUUID();
          await sim.registerDevice(snapStore, snapDevice, 'Snapshot iPad');
          const snapshot = await measureSnapshots(
            snapStore.storeId,
            snapDevice,
            () => snapStore.session.accessToken,
          );
          const data = {
            clients: P.hydrationClients,
            clientsThroughApi: P.hydrationApiClients,
            clientsBulkWritten: bulkClients,
            bulkSeconds,
            appointments,
            closedTickets: P.hydrationTickets,
            seedSeconds,
            seedMutations: sim.metrics.applied,
            hydration,
            serverMemory: mem,
            snapshot,
            check: slimCheck(check),
          };
          saveHydration(data);
          return {
            ok: check.report.ok && snapshot.runs.every((r) => r.complete),
            data,
            lines: [
              `One store with ${P.hydrationClients.toLocaleString('en-US')} clients, ~${appointments.toLocaleString('en-US')} appointments and ${P.hydrationTickets.toLocaleString('en-US')} closed tickets (a year)${QUICK ? ' — **quick mode: appointments and tickets scaled down from 10,000 / 50,000**' : ''}, seeded through the push API in 500-mutation batches (${sim.metrics.applied.toLocaleString('en-US')} mutations in ${seedSeconds} s)${bulkClients > 0 ? `, ${bulkClients.toLocaleString('en-US')} of the clients bulk-written by \`admin seed-clients\` (${bulkSeconds} s)` : ''}.`,
              '',
              `A new device pulling everything from cursor 0 (pages of 1,000): **${hydration.seconds} s** for ${hydration.rows.toLocaleString('en-US')} rows in ${hydration.pages} pages (server time in requests ${(hydration.requestMs / 1000).toFixed(1)} s). Server peak RSS during it: **${mem.peakRssMiB ?? 'n/a'} MiB** (VmHWM since its start ${mem.hwmMiB ?? 'n/a'} MiB; the server was restarted just before).`,
              '',
              snapshotLine(snapshot),
              '',
              checkLine(check),
            ],
          };
        }
      });
    }
    if (SECTIONS.has('device')) {
      await section('5. Device side (Chromium)', async (load) => {
        if (!webDist.dir) {
          const why = `not measured: ${webDist.why}`;
          writeResult('device-side', { mode: MODE, machine, load: load(), status: why });
          return { ok: true, lines: [`**Not measured:** ${webDist.why}`] };
        }
        /**
         * The hydration store (or a small one of its own with --only=device), grown with
         * synthetic clients bulk-written by the admin CLI: pushing tens of thousands takes
         * minutes here.
         */
        const deviceStore = async (): Promise<ReusedStore & { seedSeconds: number }> => {
          let sim = hydrationSim as Simulation | null;
          if (!sim) {
            sim = new Simulation(
              baseSim(srv.server.url, {
                seed: `${values.seed}/device`,
                stores: 1,
                devicesPerStore: 1,
                clientsPerStore: 500,
                largeStoreEvery: 0,
                historyStores: 1,
                historyDays: 365,
                historyTickets: 500,
              }),
            );
            hydrationSim = sim;
            await sim.setup(log);
          }
          const store = sim.stores[0];
          if (!store) throw new Error('no store to open in the browser');
          const present = store.catalog.clients.length + syntheticClients;
          const extra = P.deviceClients - present;
          const seedStarted = performance.now();
          // seed-clients numbers its clients from 0 each time: one call per store, or phones repeat.
          if (extra > 0 && syntheticClients > 0)
            throw new Error('the store already has synthetic clients; cannot add more');
          if (extra > 0) {
            await seedClients(env, store.storeId, extra);
            syntheticClients = extra;
          }
          const seedSeconds = Math.round((performance.now() - seedStarted) / 100) / 10;
          if (extra > 0)
            log(`device-side: ${extra} synthetic clients bulk-written in ${seedSeconds} s`);
          const closedTickets =
            sim.ledger
              .snapshot()
              .stores.find((x) => x.storeId === store.storeId)
              ?.entries.filter((e) => e.effect.t === 'close' && e.status === 'applied').length ?? 0;
          return {
            storeId: store.storeId,
            owner: store.owner,
            clients: store.catalog.clients.length + syntheticClients,
            closedTickets,
            syntheticClients,
            seedSeconds,
          };
        };
        const target: ReusedStore & { seedSeconds?: number } = reused ?? (await deviceStore());
        // The last synthetic client's phone is +1 555 <2000000 + n - 1>: typing its seven digits
        // narrows the hits at every key, down to that one client.
        const searchKeys = String(2_000_000 + Math.max(0, target.syntheticClients - 1));
        const result = await measureDeviceSide({
          baseUrl: srv.server.url,
          credentials: target.owner,
          expectedClients: target.clients,
          expectedTickets: target.closedTickets,
          searchKeys,
          localMutations: P.deviceTaps,
          hydrationTimeoutMs: 300_000,
          log,
        });
        const data = {
          storeClients: target.clients,
          storeTickets: target.closedTickets,
          seedSeconds: target.seedSeconds ?? null,
          reused: reused !== null,
          result,
        };
        writeResult('device-side', {
          mode: MODE,
          machine,
          load: load(),
          chromium: '/usr/bin/chromium (headless)',
          ...data,
        });
        const r = result;
        const ms = (s: { p50: number; p95: number; max: number }) =>
          `p50 ${s.p50} / p95 ${s.p95} / max ${s.max} ms`;
        return {
          ok: true,
          data,
          lines: [
            `Headless Chromium (1024×768, this machine's CPU), the built web app served by the bench server. The store: ${r.localRows.clients.toLocaleString('en-US')} clients (${target.syntheticClients.toLocaleString('en-US')} of them bulk-written by \`admin seed-clients\`), ${r.localRows.tickets.toLocaleString('en-US')} tickets, ${r.localRows.appointments.toLocaleString('en-US')} appointments — ${r.localRows.all.toLocaleString('en-US')} rows in IndexedDB in all.`,
            '',
            '| measure | result |',
            '| --- | --- |',
            `| sign-in → front desk on screen (usable; the rest of the store behind a progress bar) | **${r.signInToFrontDeskMs} ms** |`,
            `| walk-in added as soon as the front desk opened, during the hydration (tap → on screen) | ${r.walkInDuringHydrationMs === null ? 'n/a (hydration already done)' : `${r.walkInDuringHydrationMs} ms`} |`,
            `| sign-in → every client and ticket in IndexedDB | ${(r.hydrationMs / 1000).toFixed(1)} s |`,
            `| sign-in → the whole store in IndexedDB (progress bar gone: the engine's hydration done) | **${(r.progressGoneMs / 1000).toFixed(1)} s** |`,
            ...(r.timeline
              ? [
                  `| where the first sync's time went (sync worker trace) | snapshot requested ${r.timeline.snapshotRequestMs} ms, first byte ${r.timeline.firstByteMs} ms, essentials written ${r.timeline.essentialsWrittenMs} ms (${r.timeline.rowsAtEssentials} rows), end ${r.timeline.endMs} ms; ${r.timeline.batches} IndexedDB batches, ${(r.timeline.writeMs / 1000).toFixed(1)} s writing (one batch of ${r.timeline.batchMs.rows} rows: p50 ${r.timeline.batchMs.p50} / max ${r.timeline.batchMs.max} ms); rows/s into IndexedDB: ${Object.entries(
                    r.timeline.perEntity,
                  )
                    .filter(([, v]) => v.rows >= 1000)
                    .map(([k, v]) => `${k} ${v.rowsPerSecond.toLocaleString('en-US')}`)
                    .join(', ')} |`,
                  `| main thread, sign-in → whole store: long tasks (> 50 ms) | ${r.timeline.longTasks.count} (${r.timeline.longTasks.totalMs} ms in all, max ${r.timeline.longTasks.maxMs} ms; ${r.timeline.longTasks.beforeDeskCount} before the desk) |`,
                ]
              : []),
            `| Clients screen → search index counts every client | ${r.clientIndexReadyMs} ms |`,
            `| client search, key → hit count on screen (${r.search.perKeyMs.length} keys "${r.search.keys}", ${r.search.hits.join(' → ')}) | **${ms(r.search.summary)}** |`,
            `| walk-in added right after the hydration (tap → on screen, ${r.localMutation.perTapMs.length} taps) | **${ms(r.localMutation.summary)}** |`,
            `| reload → lock screen on screen (app shell) | ${r.reload.shellMs} ms |`,
            `| unlock (password checked locally) → front desk rendered from IndexedDB | ${r.reload.frontDeskMs} ms |`,
            `| reload → Clients screen counts every client | ${r.reload.clientsReadyMs} ms |`,
            ...(r.indexEntries
              ? Object.entries(r.indexEntries).map(
                  ([table, per]) =>
                    `| IndexedDB \`${table}\` after the first sync: records / rows / \`ix\` entries (by field) | ${Object.entries(
                      per,
                    )
                      .filter(([, v]) => v.rows >= 100)
                      .map(
                        ([e, v]) =>
                          `${e} ${v.records.toLocaleString('en-US')} / ${v.rows.toLocaleString('en-US')} / ${v.keys.toLocaleString('en-US')} (${Object.entries(
                            v.byField,
                          )
                            .map(([f, n]) => `${f} ${n.toLocaleString('en-US')}`)
                            .join(', ')})`,
                      )
                      .join('; ')} |`,
                )
              : []),
            '',
            'Times in the page run from the input event to the first animation frame after the DOM showed the result (performance.now() in the page); the sign-in, hydration and reload rows are wall time seen by the bench.',
          ],
        };
      });
    }
    (hydrationSim as Simulation | null)?.close();
  } finally {
    await srv.server.stop().catch(() => {});
    saveServerLog(srv);
    if (!values['keep-db'] && !values.reuse) await dropDatabase(pg, values.db).catch(() => {});
    if (webDist.cleanup) rmSync(webDist.cleanup, { recursive: true, force: true });
  }

  const minutes = ((performance.now() - benchStarted) / 60_000).toFixed(1);
  const load = runLoad.stop();
  const ok = sections.every((s) => s.ok) && crashes === 0;
  const summary = [
    `# Mango POS benchmark summary (${MODE})`,
    '',
    ...(crashes > 0
      ? [
          `**The server process died ${crashes} time(s) during the bench and was restarted** (see the bench's stderr for its output).`,
          '',
        ]
      : []),
    `Generated by \`npm run bench${QUICK ? ' -- --quick' : ''}\` on ${new Date().toISOString()} in ${minutes} min. Result: **${ok ? 'PASS' : 'FAIL'}**.`,
    '',
    `Machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}, PostgreSQL ${machine.postgres}, Redis at ${values.redis}. Server, PostgreSQL, Redis and the load generator all share this machine.`,
    '',
    `Machine load during the run (1-minute load average, /proc/loadavg, sampled every 5 s): start ${load.start}, mean ${load.mean}, max ${load.max} on ${machine.nproc} cores. ${(load.max ?? 0) > machine.nproc ? `Above ${machine.nproc}, processes were waiting for a core (the server, PostgreSQL and the load generator compete for the same ${machine.nproc}, and so does any other work on the machine); every figure below includes that wait.` : 'No process waited for a core.'}`,
    '',
    ...sections.flatMap((s) => [`## ${s.name}${s.ok ? '' : ' — FAILED'}`, '', ...s.lines, '']),
  ].join('\n');
  // A subset (--only) must not replace the summary of the last complete standard run.
  const partial = values.only !== undefined;
  writeFileSync(path.join(RESULTS_DIR, partial ? 'SUMMARY.partial.md' : 'SUMMARY.md'), summary);
  writeResult(`bench-${MODE}${partial ? '-partial' : ''}`, {
    mode: MODE,
    machine,
    ok,
    minutes: Number(minutes),
    load,
    sections: sections.map((s) => ({ name: s.name, ok: s.ok, data: s.data, error: s.error })),
    pgbench,
  });
  process.stdout.write(`${summary}\n`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
