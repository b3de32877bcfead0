import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SIM, Simulation } from '../loadgen/src/simulator';
import { freePort } from '../../test-support/server-process';
import { SERVER_NODE_FLAGS } from '../../apps/server/src/node-flags';
import { backendPids, DEFAULT_PG, dropDatabase, recreateDatabase } from './pg';
import { benchServerEnv, cpuSampler, findServerPid, processCpuMs } from './server';

/**
 * The push's server CPU per mutation of two checkouts, A and B, measured in interleaved slices
 * (A, B, A, B, …) on the same PostgreSQL and Redis: each server pushed to without pause for a
 * few seconds while the other idles. On a machine shared with other work the load moves by
 * the minute; alternating within a run gives both sides the same share of it, which back-to-back
 * bench runs minutes apart do not (docs/PERFORMANCE.md, session 10).
 *
 *   node --import tsx tools/bench/push-ab.ts --a /tmp/old-checkout --b . --visits 1 \
 *     --slices 6 --slice-seconds 8 --db-prefix pc_ab
 *
 * Each checkout needs its own `npm ci`. Prints, per side, the server's CPU (user + system,
 * /proc ticks) over the applied mutations of its slices, each slice's figure, the CPU of its
 * PostgreSQL backends (the application role's connections to its database) the same way, and the
 * server's write system calls per push (/proc/<pid>/io: PostgreSQL, Redis and HTTP writes; exact
 * whatever the load, apart from the rare log line).
 *
 * One checkout with two settings: `--a . --b . --a-env DATABASE_PREPARED_STATEMENTS=false`
 * (`--a-env` / `--b-env` KEY=VALUE, repeatable, set in that side's server environment).
 */
const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: '.' },
    visits: { type: 'string', default: '1' },
    slices: { type: 'string', default: '6' },
    'slice-seconds': { type: 'string', default: '8' },
    stores: { type: 'string', default: '20' },
    'db-prefix': { type: 'string', default: 'mango_ab' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'a-env': { type: 'string', multiple: true, default: [] },
    'b-env': { type: 'string', multiple: true, default: [] },
    // A side's Node flags instead of the server's own (apps/server/src/node-flags.ts), e.g.
    // `--a-node-args=--max-semi-space-size=16` (flags given on the command line win over NODE_OPTIONS).
    'a-node-args': { type: 'string' },
    'b-node-args': { type: 'string' },
  },
});

/** `KEY=VALUE` pairs of --a-env / --b-env. */
function envPairs(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((p) => {
      const at = p.indexOf('=');
      if (at < 1) throw new Error(`--a-env / --b-env take KEY=VALUE, got ${p}`);
      return [p.slice(0, at), p.slice(at + 1)];
    }),
  );
}
if (!values.a) throw new Error('--a <checkout> is required');

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Side {
  name: 'A' | 'B';
  root: string;
  child: ChildProcess;
  url: string;
  pid: number;
  sim: Simulation;
  cpuMs: number;
  postgresCpuMs: number;
  applied: number;
  slices: number[];
  postgresSlices: number[];
  pushes: number;
  writes: number;
  db: string;
  dataDir: string;
}

async function startSide(
  name: 'A' | 'B',
  root: string,
  extraEnv: Record<string, string>,
  nodeArgs: readonly string[],
): Promise<Side> {
  const db = `${values['db-prefix']}_${name.toLowerCase()}`;
  await recreateDatabase(DEFAULT_PG, db);
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mango-ab-'));
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', 'apps/server/src/main.ts'],
    {
      cwd: path.resolve(root),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...benchServerEnv(DEFAULT_PG, db, values.redis),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        ...extraEnv,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    return await readySide(name, root, child, port, db, dataDir);
  } catch (e) {
    // Not left running: a later run's servers would share the machine with it.
    child.kill('SIGTERM');
    throw e;
  }
}

/**
 * One seed for both sides of this run (the same stores, the same pushes), new for each run: the
 * load generator's client addresses come from it, and a seed used again meets the sign-up rate
 * limits its last run left in Redis.
 */
const RUN_SEED = `ab/push/${Date.now().toString(36)}`;

async function readySide(
  name: 'A' | 'B',
  root: string,
  child: ChildProcess,
  port: number,
  db: string,
  dataDir: string,
): Promise<Side> {
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server ${name} exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 1800) throw new Error(`server ${name} did not become healthy`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const sim = new Simulation({
    ...DEFAULT_SIM,
    baseUrl: url,
    runTag: `ab-${name}-${Date.now().toString(36)}`,
    seed: RUN_SEED,
    stores: Number(values.stores),
    devicesPerStore: 2,
    clientsPerStore: 40,
    largeStoreEvery: 0,
    historyStores: 0,
    maxSockets: 64,
  });
  await sim.setup(log);
  const pid = findServerPid(port) ?? child.pid ?? -1;
  return {
    name,
    root,
    child,
    url,
    pid,
    sim,
    cpuMs: 0,
    postgresCpuMs: 0,
    applied: 0,
    slices: [],
    postgresSlices: [],
    pushes: 0,
    writes: 0,
    db,
    dataDir,
  };
}

/** Write system calls the process made (`syscw` of /proc/<pid>/io: sockets and files alike). */
function writeCalls(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return Number(/^syscw: (\d+)$/m.exec(io)?.[1] ?? NaN);
}

async function slice(side: Side, i: number): Promise<void> {
  const writes0 = writeCalls(side.pid);
  const cpu = cpuSampler(side.pid);
  const postgresCpu = await processCpuMs(() => backendPids(DEFAULT_PG, side.db, 'mango_app'));
  const r = await side.sim.saturate({
    label: `${side.name}-${i}`,
    durationSec: Number(values['slice-seconds']),
    visitsPerPush: Number(values.visits),
  });
  const share = cpu();
  const postgresMs = await postgresCpu();
  const writes = writeCalls(side.pid) - writes0;
  side.cpuMs += share.serverCpuMs;
  side.postgresCpuMs += postgresMs;
  side.applied += r.applied;
  side.pushes += r.pushes;
  side.writes += writes;
  const us = r.applied > 0 ? Math.round((share.serverCpuMs * 1000) / r.applied) : NaN;
  side.slices.push(us);
  const pgUs = r.applied > 0 ? Math.round((postgresMs * 1000) / r.applied) : NaN;
  side.postgresSlices.push(pgUs);
  log(
    `${side.name} slice ${i}: ${r.applied} mutations in ${r.pushes} pushes, ${(writes / Math.max(1, r.pushes)).toFixed(2)} write calls per push, server ${share.serverCpuMs} ms = ${us} µs/mutation, PostgreSQL backends ${postgresMs} ms = ${pgUs} µs/mutation (server ${share.serverPct} %, load ${os.loadavg()[0]!.toFixed(1)})`,
  );
}

function nodeArgsOf(given: string | undefined): readonly string[] {
  return given === undefined ? SERVER_NODE_FLAGS : given.split(' ').filter(Boolean);
}

const sides: Side[] = [];
try {
  // One at a time: a side that failed to start must not orphan the one started before it.
  sides.push(
    await startSide('A', values.a, envPairs(values['a-env']), nodeArgsOf(values['a-node-args'])),
  );
  sides.push(
    await startSide('B', values.b!, envPairs(values['b-env']), nodeArgsOf(values['b-node-args'])),
  );
  // A warm-up slice each (JIT, pools, caches), not counted.
  for (const s of sides) {
    await slice(s, 0);
    s.cpuMs = 0;
    s.postgresCpuMs = 0;
    s.applied = 0;
    s.slices = [];
    s.postgresSlices = [];
    s.pushes = 0;
    s.writes = 0;
  }
  for (let i = 1; i <= Number(values.slices); i++) {
    // Alternate which side goes first, so neither always follows the other's drain.
    for (const s of i % 2 === 1 ? sides : [...sides].reverse()) await slice(s, i);
  }
  const summary = sides.map((s) => ({
    side: s.name,
    root: path.resolve(s.root),
    visitsPerPush: Number(values.visits),
    mutations: s.applied,
    serverCpuMs: s.cpuMs,
    serverCpuUsPerMutation: Math.round((s.cpuMs * 1000) / Math.max(1, s.applied)),
    postgresCpuUsPerMutation: Math.round((s.postgresCpuMs * 1000) / Math.max(1, s.applied)),
    postgresSlices: s.postgresSlices,
    pushes: s.pushes,
    writeCallsPerPush: Math.round((s.writes / Math.max(1, s.pushes)) * 100) / 100,
    slices: s.slices,
  }));
  process.stdout.write(`${JSON.stringify({ loadAverage: os.loadavg(), summary }, null, 2)}\n`);
} finally {
  for (const s of sides) {
    s.child.kill('SIGTERM');
    rmSync(s.dataDir, { recursive: true, force: true });
  }
  await new Promise((r) => setTimeout(r, 2000));
  for (const s of sides) await dropDatabase(DEFAULT_PG, s.db).catch(() => undefined);
}
