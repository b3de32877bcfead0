import { readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test-support/server-process';
import { REPO_ROOT } from '../loadgen/src/results';

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** True while the child process runs. */
  alive(): boolean;
  stop(): Promise<void>;
  output(): string;
}

/**
 * Starts the real server (apps/server/src/main.ts) as a child process, like
 * test-support/server-process.ts does (whose repo root currently resolves one level too high),
 * and waits for /healthz.
 */
export async function startServer(
  env: Record<string, string>,
  opts: { timeoutMs?: number; port?: number } = {},
): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mango-bench-'));
  let out = '';
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'apps/server/src/main.ts'],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LOG_LEVEL: 'warn',
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    pid: child.pid ?? -1,
    alive: () => child.exitCode === null && child.signalCode === null,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
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
}

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
    };
  };
}
