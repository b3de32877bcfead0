import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { type ServerProcess, startServer } from '../../test-support/server-process';
import { pgUrl, type PgTarget } from './pg';

/** The environment of a bench's server on database `db`: fresh secrets, quiet logs, 20 connections. */
export function benchServerEnv(pg: PgTarget, db: string, redisUrl: string) {
  return {
    DATABASE_URL: pgUrl(pg, 'mango_app', db),
    DATABASE_OWNER_URL: pgUrl(pg, pg.superuser, db),
    REDIS_URL: redisUrl,
    JWT_SECRET: randomBytes(36).toString('base64url'),
    METRICS_TOKEN: randomBytes(24).toString('base64url'),
    ACCESS_TOKEN_TTL_SEC: '86400',
    DEMO_SEED: 'false',
    LOG_LEVEL: 'warn',
    DB_POOL_MAX: '20',
    // Passed on for an A/B run of the push with and without prepared statements.
    ...(process.env.DATABASE_PREPARED_STATEMENTS
      ? { DATABASE_PREPARED_STATEMENTS: process.env.DATABASE_PREPARED_STATEMENTS }
      : {}),
  };
}

/** The server child process of the bench, with its pid found through /proc (for RSS sampling). */
export interface BenchServer {
  server: ServerProcess;
  pid: number | null;
}

/** The pid of the server listening on `port` (its environment says PORT=port). */
export function findServerPid(port: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmd.includes('apps/server/src/main.ts')) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`PORT=${port}`)) return Number(entry);
    } catch {
      // gone, or not ours
    }
  }
  return null;
}

export interface MemorySample {
  rssMiB: number;
  hwmMiB: number;
}

export function readMemory(pid: number): MemorySample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 'NaN');
    return {
      rssMiB: Math.round(kb('VmRSS') / 102.4) / 10,
      hwmMiB: Math.round(kb('VmHWM') / 102.4) / 10,
    };
  } catch {
    return null;
  }
}

/** Samples the server's RSS every `everyMs` until stopped; returns the peak seen and VmHWM. */
export function sampleMemory(
  pid: number | null,
  everyMs = 100,
): () => { peakRssMiB: number | null; hwmMiB: number | null; samples: number } {
  let peak: number | null = null;
  let samples = 0;
  const tick = () => {
    if (pid === null) return;
    const m = readMemory(pid);
    if (m) {
      samples++;
      peak = Math.max(peak ?? 0, m.rssMiB);
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return () => {
    clearInterval(timer);
    tick();
    return {
      peakRssMiB: peak,
      hwmMiB: pid === null ? null : (readMemory(pid)?.hwmMiB ?? null),
      samples,
    };
  };
}

export async function startBenchServer(
  env: Record<string, string>,
  port?: number,
): Promise<BenchServer> {
  const server = await startServer(env, {
    timeoutMs: 180_000,
    ...(port === undefined ? {} : { port }),
  });
  return { server, pid: findServerPid(server.port) ?? server.pid };
}

/** True when something answers PING with PONG at host:port (Redis). */
export function redisPing(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

export interface CpuShare {
  /** CPU used during the interval, in % of one core (200 % = both cores of a 2-core machine). */
  serverPct: number;
  postgresPct: number;
  loadgenPct: number;
  /** The server process's CPU time (user + system) over the interval, in ms (10 ms ticks). */
  serverCpuMs: number;
  /**
   * The interval on the machine's monotonic clock, in µs: the clock V8 stamps a `--cpu-prof`
   * profile's samples with, so `tools/bench/cpu-profile.ts --window` can keep this run's samples.
   */
  monotonicUs: [number, number];
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * CPU used by the server process, all PostgreSQL processes and this load generator between start
 * and stop. (PostgreSQL backends that exit meanwhile are not counted: a slight undercount.)
 */
export function cpuSampler(serverPid: number | null): () => CpuShare {
  const hz = 100;
  const started = performance.now();
  const s0 = serverPid === null ? 0 : cpuTicks(serverPid);
  const pg0 = new Map(postgresPids().map((p) => [p, cpuTicks(p)]));
  const l0 = process.cpuUsage();
  const m0 = monotonicUs();
  return () => {
    const secs = (performance.now() - started) / 1000;
    const server = serverPid === null ? 0 : cpuTicks(serverPid) - s0;
    let pg = 0;
    for (const p of postgresPids()) pg += cpuTicks(p) - (pg0.get(p) ?? 0);
    const l = process.cpuUsage(l0);
    const pct = (ticks: number) => Math.round((ticks / hz / secs) * 100);
    return {
      serverPct: pct(server),
      postgresPct: pct(pg),
      loadgenPct: Math.round(((l.user + l.system) / 1e6 / secs) * 100),
      serverCpuMs: (server * 1000) / hz,
      monotonicUs: [m0, monotonicUs()],
    };
  };
}

/**
 * The server's CPU time per unit of work (µs of user + system time per applied mutation, say):
 * a cost that depends little on what else the machine runs, unlike throughput.
 */
export function cpuMicrosPer(cpu: CpuShare, units: number): number | null {
  return units > 0 ? Math.round((cpu.serverCpuMs * 1000) / units) : null;
}

/**
 * CPU time (user + system, ms at 10 ms ticks) of a set of processes between start and stop:
 * `pids` is read at both ends, so a process that started meanwhile counts from zero (a
 * PostgreSQL backend the pool opened for the work being measured) and one that exited is lost.
 * Unlike `cpuSampler`, it counts only the named processes: other work on the shared
 * PostgreSQL stays out.
 */
export async function processCpuMs(
  pids: () => Promise<number[]> | number[],
): Promise<() => Promise<number>> {
  const t0 = new Map((await pids()).map((p) => [p, cpuTicks(p)]));
  return async () => {
    let ticks = 0;
    for (const p of await pids()) ticks += cpuTicks(p) - (t0.get(p) ?? 0);
    return ticks * 10;
  };
}

/** The 1-, 5- and 15-minute load averages of the machine (/proc/loadavg). */
export function loadAverage(): [number, number, number] | null {
  try {
    const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
    return [one ?? Number.NaN, five ?? Number.NaN, fifteen ?? Number.NaN];
  } catch {
    return null;
  }
}

export interface LoadSummary {
  /** 1-minute load average at the start and the end, and its min / mean / max over the samples. */
  start: number | null;
  end: number | null;
  min: number | null;
  mean: number | null;
  max: number | null;
  samples: number;
}

/**
 * Samples the 1-minute load average every `everyMs` until stopped. Other work on the machine
 * (other test runs) competes with the bench for its cores; this says how much.
 */
export function loadSampler(everyMs = 5000): { snapshot(): LoadSummary; stop(): LoadSummary } {
  const seen: number[] = [];
  const tick = () => {
    const l = loadAverage();
    if (l) seen.push(l[0]);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  const snapshot = (): LoadSummary => {
    tick();
    const r2 = (n: number) => Math.round(n * 100) / 100;
    return {
      start: seen[0] ?? null,
      end: seen.at(-1) ?? null,
      min: seen.length ? Math.min(...seen) : null,
      mean: seen.length ? r2(seen.reduce((a, b) => a + b, 0) / seen.length) : null,
      max: seen.length ? Math.max(...seen) : null,
      samples: seen.length,
    };
  };
  return {
    snapshot,
    stop() {
      clearInterval(timer);
      return snapshot();
    },
  };
}
