import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../loadgen/src/prng';
import { machineInfo, writeResult } from '../loadgen/src/results';
import { clientMutation, makeClient } from '../loadgen/src/scenario';
import { DEFAULT_SIM, Simulation } from '../loadgen/src/simulator';
import { DEFAULT_PG, dropDatabase, type PgTarget, pgUrl, recreateDatabase } from './pg';
import { readMemory, startBenchServer } from './server';

/**
 * Issue #20: memory and idle CPU of open event streams (`GET …/sync/events`) on one server
 * instance, in steps up to 20,000. The server is a child process of its own (fresh, so nothing
 * else it did is in its RSS) on a database of its own; the streams are held by other child
 * processes (a lean `node:http` client, at most STREAMS_PER_CLIENT each), so neither their
 * sockets nor their CPU count against the server, and each stays under the per-process
 * file-descriptor limit.
 *
 * Alone: `node --import tsx tools/bench/sse-streams.ts --streams 20000` (PostgreSQL at
 * 127.0.0.1:5432 and Redis at redis://127.0.0.1:6379, like `npm run bench`).
 */

const STREAMS_PER_CLIENT = 5000;
/** Sockets and files the server needs besides the streams: pools, Redis, its own files. */
const SERVER_FD_HEADROOM = 150;
const POKE_TARGET_MS = 1000;
const METRICS_TOKEN = randomBytes(24).toString('base64url');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One stream to open: the store's owner token and one registered device of the store. */
interface StreamSpec {
  storeId: string;
  token: string;
  deviceId: string;
}

type ToClient =
  | { t: 'open'; baseUrl: string; localAddress: string; streams: StreamSpec[] }
  | { t: 'stats' }
  /** Answers when every stream of the store saw a version above the highest seen so far. */
  | { t: 'await'; storeId: string; timeoutMs: number }
  | { t: 'exit' };

interface ClientStats {
  open: number;
  ended: number;
  heartbeats: number;
  failures: Record<string, number>;
}

type FromClient =
  | ({ t: 'opened' } & ClientStats)
  | ({ t: 'stats' } & ClientStats)
  | { t: 'seen'; at: number | null };

// ---------------------------------------------------------------- the client (child process)

// `{"version":N}`, or with the push's rows after it (a poke that carries its delta).
const VERSION_RE = /^event: version\ndata: \{"version":(\d+)[,}]/gm;

/**
 * Holds streams with as little per stream as Node allows: one request, one listener, and the
 * last version seen in a shared array. What arrives is counted, not kept.
 */
function runClient(): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const storeOf: string[] = [];
  const lastVersion: number[] = [];
  const stats: ClientStats = { open: 0, ended: 0, heartbeats: 0, failures: {} };
  const waiters: { storeId: string; min: number; done: (at: number | null) => void }[] = [];
  const send = (m: FromClient) => process.send?.(m);
  const fail = (why: string) => {
    stats.failures[why] = (stats.failures[why] ?? 0) + 1;
  };
  const storeReached = (storeId: string, min: number) =>
    storeOf.every((s, i) => s !== storeId || (lastVersion[i] ?? -1) >= min);
  const settleWaiters = () => {
    for (const w of [...waiters])
      if (storeReached(w.storeId, w.min)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(Date.now());
      }
  };

  const openOne = (baseUrl: URL, localAddress: string, spec: StreamSpec) =>
    new Promise<void>((resolve) => {
      const i = storeOf.length;
      storeOf.push(spec.storeId);
      lastVersion.push(-1);
      let opened = false;
      const req = http.get(
        {
          host: baseUrl.hostname,
          port: baseUrl.port,
          path: `/api/v1/stores/${spec.storeId}/sync/events?deviceId=${spec.deviceId}`,
          headers: { authorization: `Bearer ${spec.token}`, accept: 'text/event-stream' },
          agent,
          localAddress,
        },
        (res) => {
          if (res.statusCode !== 200) {
            fail(`HTTP_${res.statusCode}`);
            res.resume();
            resolve();
            return;
          }
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            for (const m of chunk.matchAll(VERSION_RE)) lastVersion[i] = Number(m[1]);
            if (chunk.includes(': heartbeat')) stats.heartbeats++;
            if (!opened && (lastVersion[i] ?? -1) >= 0) {
              opened = true;
              stats.open++;
              resolve();
            }
            if (waiters.length > 0) settleWaiters();
          });
          res.on('close', () => {
            storeOf[i] = '';
            if (!opened) {
              fail('CLOSED_BEFORE_VERSION');
              resolve();
              return;
            }
            stats.open--;
            stats.ended++;
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        storeOf[i] = '';
        if (opened) return; // the close handler counted it
        fail(e.code ?? 'NETWORK');
        resolve();
      });
    });

  process.on('message', (m: ToClient) => {
    if (m.t === 'open') {
      const base = new URL(m.baseUrl);
      let next = 0;
      // A few connects at a time: each one costs the server two queries.
      void Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < m.streams.length) {
            const spec = m.streams[next++] as StreamSpec;
            await openOne(base, m.localAddress, spec);
          }
        }),
      ).then(() => send({ t: 'opened', ...stats }));
    } else if (m.t === 'stats') {
      send({ t: 'stats', ...stats });
    } else if (m.t === 'await') {
      let seen = -1;
      storeOf.forEach((s, i) => {
        if (s === m.storeId) seen = Math.max(seen, lastVersion[i] ?? -1);
      });
      if (seen < 0) {
        send({ t: 'seen', at: Date.now() }); // none of the store's streams is here
        return;
      }
      const w = {
        storeId: m.storeId,
        min: seen + 1,
        done: (at: number | null) => send({ t: 'seen', at }),
      };
      waiters.push(w);
      setTimeout(() => {
        const k = waiters.indexOf(w);
        if (k < 0) return;
        waiters.splice(k, 1);
        w.done(null);
      }, m.timeoutMs);
    } else {
      agent.destroy();
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------- the measuring side

class StreamClient {
  private readonly child: ChildProcess;
  private readonly replies: ((m: FromClient) => void)[] = [];

  constructor(readonly localAddress: string) {
    this.child = fork(fileURLToPath(import.meta.url), ['--sse-client'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: FromClient) => this.replies.shift()?.(m));
  }

  /** Requests are answered in order (one at a time per client from the caller's side). */
  private ask<T extends FromClient>(m: ToClient): Promise<T> {
    return new Promise((resolve) => {
      this.replies.push((r) => resolve(r as T));
      this.child.send(m);
    });
  }

  open(baseUrl: string, streams: StreamSpec[]) {
    return this.ask<{ t: 'opened' } & ClientStats>({
      t: 'open',
      baseUrl,
      localAddress: this.localAddress,
      streams,
    });
  }

  stats() {
    return this.ask<{ t: 'stats' } & ClientStats>({ t: 'stats' });
  }

  awaitNextVersion(storeId: string, timeoutMs: number) {
    return this.ask<{ t: 'seen'; at: number | null }>({ t: 'await', storeId, timeoutMs });
  }

  exit(): void {
    if (this.child.connected) this.child.send({ t: 'exit' } satisfies ToClient);
  }
}

async function totalStats(clients: StreamClient[]): Promise<ClientStats> {
  const all = await Promise.all(clients.map((c) => c.stats()));
  const failures: Record<string, number> = {};
  for (const s of all)
    for (const [k, v] of Object.entries(s.failures)) failures[k] = (failures[k] ?? 0) + v;
  return {
    open: all.reduce((a, s) => a + s.open, 0),
    ended: all.reduce((a, s) => a + s.ended, 0),
    heartbeats: all.reduce((a, s) => a + s.heartbeats, 0),
    failures,
  };
}

/** The soft "Max open files" of a process and how many it has open now. */
export function fileDescriptors(pid: number): { limit: number; open: number } | null {
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
    return { limit: Number(soft), open: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}

/** Seconds of CPU (user + system) a process used so far, from /proc (100 ticks per second). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The named samples of the server's Prometheus text (prom-client's default metrics). */
async function scrapeMetrics(baseUrl: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  try {
    const res = await fetch(`${baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    for (const line of (await res.text()).split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})? ([\d.e+-]+)$/.exec(line);
      if (m?.[1] && !out.has(m[1])) out.set(m[1], Number(m[2]));
    }
  } catch {
    // no metrics: the table says n/a
  }
  return out;
}

export interface StreamStep {
  streams: number;
  /** Streams the clients held at the end of the sample (all of `streams` unless some dropped). */
  held: number;
  /** Mean and max RSS over the sample, sampled every second. */
  rssMiB: number;
  rssMaxMiB: number;
  /**
   * Marginal RSS per stream: since the first step (for the first, since no stream). The server's
   * RSS with no stream still holds the set-up's garbage, so the slope between steps is the honest
   * figure.
   */
  rssPerStreamKiB: number | null;
  heapUsedMiB: number | null;
  heapPerStreamKiB: number | null;
  /** Server CPU over the sample, in % of one core. */
  cpuPct: number;
  eventLoopLagP99Ms: number | null;
  /** Heartbeat comments received per second over all streams (expected: streams ÷ heartbeat s). */
  heartbeatsPerSec: number;
  openSeconds: number;
  failures: Record<string, number>;
}

export interface StreamsReport {
  requested: number;
  /** The most the server's file-descriptor limit allowed (lower than `requested` here). */
  capacity: number;
  serverFdLimit: number | null;
  maxPerStore: number;
  heartbeatMs: number;
  stores: number;
  setupSeconds: number;
  sampleSeconds: number;
  baseline: { rssMiB: number; heapUsedMiB: number | null; cpuPct: number };
  steps: StreamStep[];
  /** Push to one store at the top step → its streams' `event: version`, ms (null: not in 5 s). */
  poke: { storeId: string; streams: number; ms: number | null } | null;
  /** Graceful stop (SIGTERM) with every stream open: seconds, and streams the clients saw end. */
  shutdown: { seconds: number; streamsEnded: number; of: number };
  /** Per-stream cost at the top step extrapolated to `target` streams. */
  extrapolated: { target: number; rssMiB: number; cpuPct: number } | null;
  /** Issue #20's target: < 5 % of a core and < 1 GiB at 20,000. */
  meetsTarget: boolean | null;
}

export interface StreamsOptions {
  pg: PgTarget;
  db: string;
  redisUrl: string;
  streams: number;
  steps: number[];
  sampleSeconds: number;
  settleSeconds: number;
  /** SSE_MAX_STREAMS_PER_STORE of the server (the default, 50: stores = streams ÷ 50). */
  maxPerStore: number;
  heartbeatMs: number;
  seed: string;
  log: (line: string) => void;
  /** Extra server environment (e.g. to compare a setting). */
  env?: Record<string, string>;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Samples the server for `seconds`: RSS every second, CPU over the whole, metrics at the end. */
async function sampleServer(pid: number, baseUrl: string, seconds: number) {
  await scrapeMetrics(baseUrl); // prom-client's event-loop histogram restarts at each scrape
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const rss: number[] = [];
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    const m = readMemory(pid);
    if (m) rss.push(m.rssMiB);
  }
  const cpuPct = ((cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000)) * 100;
  const metrics = await scrapeMetrics(baseUrl);
  const heap = metrics.get('mango_nodejs_heap_size_used_bytes');
  const lag = metrics.get('mango_nodejs_eventloop_lag_p99_seconds');
  return {
    rssMiB: round1(rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length)),
    rssMaxMiB: Math.max(0, ...rss),
    heapUsedMiB: heap === undefined ? null : round1(heap / 1048576),
    cpuPct: Math.round(cpuPct * 100) / 100,
    eventLoopLagP99Ms: lag === undefined ? null : round1(lag * 1000),
    sseConnections: metrics.get('mango_sse_connections') ?? null,
  };
}

export async function measureIdleStreams(o: StreamsOptions): Promise<StreamsReport> {
  await recreateDatabase(o.pg, o.db);
  const env = {
    DATABASE_URL: pgUrl(o.pg, 'mango_app', o.db),
    DATABASE_OWNER_URL: pgUrl(o.pg, o.pg.superuser, o.db),
    REDIS_URL: o.redisUrl,
    JWT_SECRET: randomBytes(36).toString('base64url'),
    ACCESS_TOKEN_TTL_SEC: '86400',
    DEMO_SEED: 'false',
    LOG_LEVEL: 'warn',
    DB_POOL_MAX: '20',
    METRICS_TOKEN,
    SSE_MAX_STREAMS_PER_STORE: String(o.maxPerStore),
    SSE_HEARTBEAT_MS: String(o.heartbeatMs),
    ...o.env,
  };
  const srv = await startBenchServer(env);
  const pid = srv.pid ?? srv.server.pid;
  const baseUrl = srv.server.url;
  const clients: StreamClient[] = [];
  let serverStopped = false;
  let closeSim = () => {};
  try {
    const fds = fileDescriptors(pid);
    const capacity =
      fds === null ? o.streams : Math.min(o.streams, fds.limit - fds.open - SERVER_FD_HEADROOM);
    const top = Math.min(o.streams, capacity);
    const steps = [...new Set([...o.steps.filter((s) => s < top), top])].sort((a, b) => a - b);
    o.log(
      `event streams: server pid ${pid}, open files ${fds?.open ?? '?'} of ${fds?.limit ?? '?'} → up to ${top} streams (asked ${o.streams}); steps ${steps.join(', ')}`,
    );

    const setupStarted = performance.now();
    const storeCount = Math.ceil(top / o.maxPerStore);
    const sim = new Simulation({
      ...DEFAULT_SIM,
      baseUrl,
      runTag: `sse-${o.seed}-${Date.now().toString(36)}`,
      seed: `${o.seed}/streams`,
      stores: storeCount,
      devicesPerStore: o.maxPerStore,
      clientsPerStore: 1,
      largeStoreEvery: 0,
      historyStores: 0,
      maxSockets: 16,
      setupConcurrency: 8,
    });
    closeSim = () => sim.close();
    await sim.setup(o.log);
    const specs: StreamSpec[] = sim.stores.flatMap((s) =>
      s.devices.map((d) => ({ storeId: s.storeId, token: s.session.accessToken, deviceId: d.id })),
    );
    const setupSeconds = round1((performance.now() - setupStarted) / 1000);

    await sleep(o.settleSeconds * 1000);
    const base = await sampleServer(pid, baseUrl, o.sampleSeconds);
    o.log(`no stream: RSS ${base.rssMiB} MiB, heap ${base.heapUsedMiB} MiB, CPU ${base.cpuPct} %`);

    const result: StreamStep[] = [];
    let opened = 0;
    for (const step of steps) {
      const started = performance.now();
      const batches = new Map<number, StreamSpec[]>();
      for (let i = opened; i < step; i++) {
        const c = Math.floor(i / STREAMS_PER_CLIENT);
        while (clients.length <= c) clients.push(new StreamClient(`127.77.${clients.length}.1`));
        batches.set(c, [...(batches.get(c) ?? []), specs[i] as StreamSpec]);
      }
      await Promise.all([...batches].map(([c, list]) => clients[c]?.open(baseUrl, list)));
      opened = step;
      const openSeconds = round1((performance.now() - started) / 1000);
      await sleep(o.settleSeconds * 1000);
      const hb0 = (await totalStats(clients)).heartbeats;
      const s = await sampleServer(pid, baseUrl, o.sampleSeconds);
      const after = await totalStats(clients);
      const from = result[0] ?? { streams: 0, rssMiB: base.rssMiB, heapUsedMiB: base.heapUsedMiB };
      const perStream = (mib: number | null, fromMib: number | null) =>
        mib === null || fromMib === null
          ? null
          : round1(((mib - fromMib) * 1024) / (step - from.streams));
      const row: StreamStep = {
        streams: step,
        held: after.open,
        rssMiB: s.rssMiB,
        rssMaxMiB: s.rssMaxMiB,
        rssPerStreamKiB: perStream(s.rssMiB, from.rssMiB),
        heapUsedMiB: s.heapUsedMiB,
        heapPerStreamKiB: perStream(s.heapUsedMiB, from.heapUsedMiB),
        cpuPct: s.cpuPct,
        eventLoopLagP99Ms: s.eventLoopLagP99Ms,
        heartbeatsPerSec: round1((after.heartbeats - hb0) / o.sampleSeconds),
        openSeconds,
        failures: after.failures,
      };
      result.push(row);
      o.log(
        `${step} streams (held ${row.held}, server counts ${s.sseConnections ?? '?'}; opened in ${openSeconds} s): RSS ${row.rssMiB} MiB (${row.rssPerStreamKiB} KiB/stream), heap ${row.heapUsedMiB} MiB, CPU ${row.cpuPct} %, lag p99 ${row.eventLoopLagP99Ms} ms, heartbeats ${row.heartbeatsPerSec}/s, failures ${JSON.stringify(row.failures)}`,
      );
    }

    // A push by one device of the first store: every stream of that store must see the version.
    const store = sim.stores[0];
    let poke: StreamsReport['poke'] = null;
    if (store) {
      const device = store.devices[0];
      if (device) {
        const seen = Promise.all(clients.map((c) => c.awaitNextVersion(store.storeId, 5000)));
        const sentAt = Date.now();
        device.enqueue(clientMutation(makeClient(new Rng(`${o.seed}/poke`))));
        await device.drain();
        const ats = (await seen).map((r) => r.at);
        poke = {
          storeId: store.storeId,
          streams: Math.min(o.maxPerStore, opened),
          ms: ats.some((a) => a === null) ? null : Math.max(...(ats as number[])) - sentAt,
        };
        o.log(`poke: every stream of the store got the new version in ${poke.ms ?? '> 5000'} ms`);
      }
    }

    // A graceful stop with every stream open: the streams must end, the process exit.
    const { open: held, ended: endedBefore } = await totalStats(clients);
    const stopStarted = performance.now();
    await srv.server.stop();
    serverStopped = true;
    const stopSeconds = round1((performance.now() - stopStarted) / 1000);
    await sleep(1000);
    const end = await totalStats(clients);
    const shutdown = { seconds: stopSeconds, streamsEnded: end.ended - endedBefore, of: held };
    o.log(
      `graceful stop with ${held} streams open: ${stopSeconds} s, ${shutdown.streamsEnded} ended`,
    );

    // From the top step on, at the slope between the first step and the top one.
    const first = result[0];
    const last = result.at(-1);
    const target = 20_000;
    const extrapolated =
      first && last && last.streams > first.streams
        ? {
            target,
            rssMiB: Math.round(
              last.rssMiB +
                ((last.rssMiB - first.rssMiB) * (target - last.streams)) /
                  (last.streams - first.streams),
            ),
            cpuPct:
              Math.round(
                (last.cpuPct +
                  ((last.cpuPct - first.cpuPct) * (target - last.streams)) /
                    (last.streams - first.streams)) *
                  100,
              ) / 100,
          }
        : null;
    return {
      requested: o.streams,
      capacity: top,
      serverFdLimit: fds?.limit ?? null,
      maxPerStore: o.maxPerStore,
      heartbeatMs: o.heartbeatMs,
      stores: storeCount,
      setupSeconds,
      sampleSeconds: o.sampleSeconds,
      baseline: { rssMiB: base.rssMiB, heapUsedMiB: base.heapUsedMiB, cpuPct: base.cpuPct },
      steps: result,
      poke,
      shutdown,
      extrapolated,
      meetsTarget: extrapolated ? extrapolated.rssMiB < 1024 && extrapolated.cpuPct < 5 : null,
    };
  } finally {
    closeSim();
    for (const c of clients) c.exit();
    if (!serverStopped) await srv.server.stop();
    await dropDatabase(o.pg, o.db);
  }
}

/** Markdown lines for SUMMARY.md. */
export function streamsTable(r: StreamsReport): string[] {
  const cell = (v: number | null) => (v === null ? 'n/a' : String(v));
  return [
    `${r.stores} stores × up to ${r.maxPerStore} streams (SSE_MAX_STREAMS_PER_STORE), one registered device per stream, heartbeat every ${r.heartbeatMs / 1000} s; the server alone, its own process; each step sampled for ${r.sampleSeconds} s. The server's open-files limit is ${cell(r.serverFdLimit)}: at most ${r.capacity} streams fit (asked ${r.requested}).`,
    '',
    '| streams | RSS MiB (max) | RSS per stream KiB (since the first step) | heap used MiB | heap per stream KiB (since the first step) | server CPU % of a core (idle) | event-loop lag p99 ms | heartbeats/s | open in s | failures |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    `| 0 | ${r.baseline.rssMiB} | | ${cell(r.baseline.heapUsedMiB)} | | ${r.baseline.cpuPct} | | | | |`,
    ...r.steps.map(
      (s) =>
        `| ${s.streams}${s.held === s.streams ? '' : ` (held ${s.held})`} | ${s.rssMiB} (${s.rssMaxMiB}) | ${cell(s.rssPerStreamKiB)} | ${cell(s.heapUsedMiB)} | ${cell(s.heapPerStreamKiB)} | ${s.cpuPct} | ${cell(s.eventLoopLagP99Ms)} | ${s.heartbeatsPerSec} | ${s.openSeconds} | ${JSON.stringify(s.failures)} |`,
    ),
    '',
    r.poke
      ? `Poke at ${r.capacity} streams: a push to one store reached all its ${r.poke.streams} streams in **${r.poke.ms ?? '> 5000'} ms** (target < ${POKE_TARGET_MS} ms).`
      : 'Poke: not measured.',
    `Graceful stop (SIGTERM) with ${r.shutdown.of} streams open: ${r.shutdown.seconds} s; ${r.shutdown.streamsEnded} streams ended by the server.`,
    r.extrapolated
      ? `Extrapolated to ${r.extrapolated.target} streams from the top step at the slope between the first and the top step: RSS ≈ **${r.extrapolated.rssMiB} MiB**, idle CPU ≈ **${r.extrapolated.cpuPct} %** of a core (target < 1024 MiB and < 5 %: ${r.meetsTarget ? 'met' : '**not met**'}).`
      : '',
  ];
}

/** The bar a bench run holds the section to. */
export function streamsOk(r: StreamsReport): boolean {
  return (
    r.steps.every((s) => s.held === s.streams) &&
    r.poke !== null &&
    r.poke.ms !== null &&
    r.poke.ms < POKE_TARGET_MS &&
    r.shutdown.streamsEnded === r.shutdown.of &&
    r.meetsTarget === true
  );
}

async function standalone(): Promise<number> {
  const { values } = parseArgs({
    options: {
      streams: { type: 'string', default: '20000' },
      steps: { type: 'string', default: '1000,5000,10000' },
      seconds: { type: 'string', default: '30' },
      settle: { type: 'string', default: '10' },
      'max-per-store': { type: 'string', default: '50' },
      heartbeat: { type: 'string', default: '25000' },
      db: { type: 'string', default: 'mango_bench_sse' },
      redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
      seed: { type: 'string', default: '2026' },
    },
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const report = await measureIdleStreams({
    pg: DEFAULT_PG,
    db: values.db,
    redisUrl: values.redis,
    streams: Number(values.streams),
    steps: values.steps.split(',').map(Number),
    sampleSeconds: Number(values.seconds),
    settleSeconds: Number(values.settle),
    maxPerStore: Number(values['max-per-store']),
    heartbeatMs: Number(values.heartbeat),
    seed: values.seed,
    log,
  });
  const { latest } = writeResult('sse-streams', {
    mode: 'standalone',
    machine: machineInfo(),
    ...report,
  });
  process.stdout.write(`${streamsTable(report).join('\n')}\n\nwritten: ${latest}\n`);
  return streamsOk(report) ? 0 : 1;
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  if (process.argv.includes('--sse-client')) runClient();
  else
    standalone().then(
      (code) => process.exit(code),
      (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(2);
      },
    );
}
