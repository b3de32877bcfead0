import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CheckReport } from '../loadgen/src/checker';
import { machineInfo, RESULTS_DIR, writeResult } from '../loadgen/src/results';
import { DEFAULT_SIM, type RunReport, type SimConfig, Simulation } from '../loadgen/src/simulator';
import {
  DEFAULT_PG,
  insertIdleTenants,
  pgUrl,
  type PgbenchResult,
  recreateDatabase,
  runPgbench,
  serverVersion,
} from './pg';
import { type BenchServer, cpuSampler, redisPing, sampleMemory, startBenchServer } from './server';

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
  },
});

const QUICK = values.quick;
const MODE = QUICK ? 'quick' : 'full';
const SECTIONS = new Set((values.only ?? 'pgbench,push,busy,peak,tenants,hydration').split(','));
const P = {
  pgbenchSeconds: QUICK ? 15 : 60,
  pushStores: QUICK ? 20 : 50,
  pushSeconds: QUICK ? 12 : 60,
  busyStores: QUICK ? 200 : 1000,
  busyClients: QUICK ? 30 : 150,
  busyLargeClients: QUICK ? 1000 : 5000,
  busyHistoryStores: QUICK ? 1 : 2,
  busyHistoryPerDay: QUICK ? 3 : 20,
  busySeconds: QUICK ? 45 : 300,
  /** A busy salon at its peak hour: one checkout every ~100 s. */
  perStorePeakRate: 0.01,
  peakRates: QUICK ? [5, 10, 20, 40, 80] : [5, 10, 20, 35, 70, 140, 280, 420, 560],
  peakSeconds: QUICK ? 15 : 60,
  tenantSteps: [10_000, 100_000],
  tenantSeconds: QUICK ? 20 : 120,
  hydrationClients: QUICK ? 2_000 : 20_000,
  hydrationTickets: QUICK ? 4_000 : 50_000,
  timeScale: 1 / 300,
};
const P95_TARGET_MS = 100;

const log = (line: string) => process.stderr.write(`${line}\n`);
const pg = DEFAULT_PG;

interface SectionResult {
  name: string;
  ok: boolean;
  /** Markdown lines for SUMMARY.md. */
  lines: string[];
  data?: unknown;
  error?: string;
}

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

function runRow(r: RunReport): string {
  const m = r.measured;
  const errors =
    Object.entries(r.errors)
      .map(([k, v]) => `${k}×${v}`)
      .join(' ') || '0';
  return `| ${r.label} | ${r.config.stores} | ${r.config.rate} | ${m.seconds} | ${m.mutationsPerSec} | ${m.pushesPerSec} | ${m.pullsPerSec} | ${m.push.p50} / ${m.push.p95} / ${m.push.p99} / ${m.push.max} | ${m.pull.p50} / ${m.pull.p95} / ${m.pull.p99} / ${m.pull.max} | ${errors} | ${m.rejected} |`;
}
const RUN_HEADER = [
  '| run | stores | checkouts/s offered | s | mutations/s | pushes/s | pulls/s | push p50/p95/p99/max ms | pull p50/p95/p99/max ms | errors | rejected |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: |',
];

function baseSim(baseUrl: string, over: Partial<SimConfig>): SimConfig {
  return { ...DEFAULT_SIM, baseUrl, runTag: `${values.seed}-${Date.now().toString(36)}`, ...over };
}

let ensureServer: () => Promise<void> = async () => {};

async function section(
  name: string,
  fn: () => Promise<Omit<SectionResult, 'name'>>,
): Promise<void> {
  const started = performance.now();
  await ensureServer();
  log(`\n=== ${name} ===`);
  try {
    const result = { name, ...(await fn()) };
    sections.push(result);
    log(
      `=== ${name}: ${result.ok ? 'ok' : 'FAILED'} in ${((performance.now() - started) / 1000).toFixed(0)} s ===`,
    );
  } catch (e) {
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    log(`=== ${name}: ERROR ${error}`);
    sections.push({
      name,
      ok: false,
      lines: [
        `**Did not complete:** \`${(e instanceof Error ? e.message : String(e)).slice(0, 500)}\``,
      ],
      error,
    });
  }
}

async function main(): Promise<number> {
  const benchStarted = performance.now();
  const machine = { ...machineInfo(), postgres: await serverVersion(pg) };
  log(`bench (${MODE}) on ${JSON.stringify(machine)}`);
  const redisUrl = new URL(values.redis);
  if (!(await redisPing(redisUrl.hostname, Number(redisUrl.port || 6379))))
    throw new Error(`Redis does not answer at ${values.redis}`);

  await recreateDatabase(pg, values.db);
  const env = {
    DATABASE_URL: pgUrl(pg, 'mango_app', values.db),
    DATABASE_OWNER_URL: pgUrl(pg, pg.superuser, values.db),
    REDIS_URL: values.redis,
    JWT_SECRET: randomBytes(36).toString('base64url'),
    ACCESS_TOKEN_TTL_SEC: '86400',
    DEMO_SEED: 'false',
    LOG_LEVEL: 'warn',
    DB_POOL_MAX: '20',
  };
  let srv: BenchServer = await startBenchServer(env);
  log(`server at ${srv.server.url} (pid ${srv.pid ?? 'unknown'}) on database ${values.db}`);
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
      await section('1. Push throughput vs pgbench', async () => {
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
          let cpu = cpuSampler(srv.pid);
          const batched = {
            ...(await sim.saturate({
              label: 'push-10-visits',
              durationSec: P.pushSeconds,
              visitsPerPush: 10,
            })),
            cpu: cpu(),
          };
          cpu = cpuSampler(srv.pid);
          const single = {
            ...(await sim.saturate({
              label: 'push-1-visit',
              durationSec: P.pushSeconds,
              visitsPerPush: 1,
            })),
            cpu: cpu(),
          };
          const check = await sim.verify();
          const tps = pgbench.tps;
          const ratio = (n: number) => Math.round((n / tps) * 100) / 100;
          const data = {
            pgbench: { ...pgbench, raw: undefined },
            batched,
            single,
            check: slimCheck(check),
          };
          writeResult('push-throughput', { mode: MODE, machine, ...data });
          const errors =
            Object.keys(batched.errorsByCode).length + Object.keys(single.errorsByCode).length;
          return {
            ok: check.report.ok && errors === 0,
            data,
            lines: [
              `pgbench (built-in simple-update \`-N\`, scale 10, 16 clients, 2 threads, ${pgbench.seconds} s, same PostgreSQL): **${tps} tps** (avg latency ${pgbench.latencyAvgMs} ms).`,
              '',
              '| push shape | devices | mutations/s | pushes/s | push p50/p95/p99/max ms | ratio mutations/s ÷ pgbench tps | CPU server / postgres / loadgen (% of a core) | errors |',
              '| --- | ---: | ---: | ---: | --- | ---: | --- | --- |',
              ...[batched, single].map(
                (r) =>
                  `| ${r.visitsPerPush} visit(s) per push (~${Math.round(r.mutations / Math.max(1, r.pushes))} mutations) | ${r.devices} | ${r.mutationsPerSec} | ${r.pushesPerSec} | ${r.push.p50} / ${r.push.p95} / ${r.push.p99} / ${r.push.max} | **${ratio(r.mutationsPerSec)}** | ${r.cpu.serverPct} / ${r.cpu.postgresPct} / ${r.cpu.loadgenPct} | ${JSON.stringify(r.errorsByCode)} |`,
              ),
              '',
              checkLine(check),
            ],
          };
        } finally {
          sim.close();
        }
      });
    }

    let busyP95: number | null = null;
    let busySim: Simulation | null = null;
    if (SECTIONS.has('busy') || SECTIONS.has('peak') || SECTIONS.has('tenants')) {
      await section('2. Busy day and Phase 4 peak', async () => {
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
        const rate = Math.round(P.busyStores * P.perStorePeakRate * 100) / 100;
        const busyCpu = cpuSampler(srv.pid);
        const busy = {
          ...(await sim.run({
            label: 'busy-day',
            durationSec: P.busySeconds,
            rate,
            timeScale: P.timeScale,
          })),
          cpu: busyCpu(),
        };
        busyP95 = busy.measured.push.p95;
        const steps: (RunReport & {
          sustainable: boolean;
          cpu: { serverPct: number; postgresPct: number; loadgenPct: number };
        })[] = [];
        if (SECTIONS.has('peak')) {
          for (const stepRate of P.peakRates) {
            const stepCpu = cpuSampler(srv.pid);
            const r = {
              ...(await sim.run({
                label: `peak-${stepRate}`,
                durationSec: P.peakSeconds,
                rate: stepRate,
                timeScale: P.timeScale,
                drainTimeoutSec: 90,
              })),
              cpu: stepCpu(),
            };
            const kept = r.measured.enqueued === 0 ? 1 : r.measured.mutations / r.measured.enqueued;
            const sustainable =
              r.measured.push.p95 < P95_TARGET_MS &&
              Object.keys(r.errors).length === 0 &&
              kept >= 0.9 &&
              r.fatal.length === 0;
            steps.push({ ...r, sustainable });
            log(
              `peak step ${stepRate}/s: push p95 ${r.measured.push.p95} ms, acknowledged/enqueued ${kept.toFixed(2)}, CPU server ${r.cpu.serverPct} % postgres ${r.cpu.postgresPct} %, ${sustainable ? 'sustainable' : 'NOT sustainable'}`,
            );
            if (!sustainable) break;
          }
        }
        const check = await sim.verify();
        const maxSustainable = steps.filter((s) => s.sustainable).at(-1)?.config.rate ?? null;
        const data = {
          rate,
          busy,
          steps,
          maxSustainableCheckoutsPerSec: maxSustainable,
          check: slimCheck(check),
        };
        writeResult('busy-day', { mode: MODE, machine, busy, check: slimCheck(check) });
        if (steps.length > 0)
          writeResult('phase4-peak', {
            mode: MODE,
            machine,
            steps,
            maxSustainableCheckoutsPerSec: maxSustainable,
            p95TargetMs: P95_TARGET_MS,
          });
        const busyErrors = Object.keys(busy.errors).length > 0 || busy.fatal.length > 0;
        return {
          ok: check.report.ok && !busyErrors,
          data,
          lines: [
            `${P.busyStores} stores × 3 devices (${P.busyClients} clients each, every 20th store ${P.busyLargeClients}; ${P.busyHistoryStores} store(s) with a year of history at ${P.busyHistoryPerDay} tickets/day), 20 % of devices on SSE pokes, the rest pulling every 15 s. Busy day offered ${rate} checkouts/s (a busy salon's peak hour: one checkout per 100 s per store), ${P.busySeconds} s. Visits are sped up ×300 (an hour-long service takes 12 s).`,
            '',
            ...RUN_HEADER,
            runRow(busy),
            ...steps.map((s) => `${runRow(s)} ${s.sustainable ? '' : '← not sustainable'}`),
            '',
            `CPU (% of one core; the machine has ${machine.nproc}) — server / PostgreSQL / load generator: busy day ${busy.cpu.serverPct} / ${busy.cpu.postgresPct} / ${busy.cpu.loadgenPct}; ${steps.map((s) => `peak ${s.config.rate}/s ${s.cpu.serverPct} / ${s.cpu.postgresPct} / ${s.cpu.loadgenPct}`).join('; ')}.`,
            '',
            steps.length > 0
              ? `Phase 4 peak (5M transactions/day ≈ 280 checkouts/s at the busiest hour): max sustainable on this machine (push p95 < ${P95_TARGET_MS} ms, zero errors, ≥ 90 % of the offered mutations acknowledged in the window): **${maxSustainable ?? 'none of the steps'} checkouts/s**${maxSustainable !== null ? ` = ${Math.round((maxSustainable / 280) * 100)} % of the Phase 4 peak` : ''}.`
              : 'Phase 4 steps not run.',
            '',
            checkLine(check),
          ],
        };
      });
    }

    if (SECTIONS.has('tenants') && busySim && (busySim as Simulation).stores.length > 0) {
      const sim: Simulation = busySim;
      await section('4. Many tenants', async () => {
        const rate = Math.round(P.busyStores * P.perStorePeakRate * 100) / 100;
        const rows: { tenants: number; insertSeconds: number; run: RunReport }[] = [];
        for (const total of P.tenantSteps) {
          const ins = await insertIdleTenants(pg, values.db, total);
          log(
            `idle tenants: ${total} organizations now (${ins.inserted} inserted in ${ins.seconds} s)`,
          );
          const run = await sim.run({
            label: `tenants-${total}`,
            durationSec: P.tenantSeconds,
            rate,
            timeScale: P.timeScale,
          });
          rows.push({ tenants: total, insertSeconds: ins.seconds, run });
        }
        const check = await sim.verify();
        const data = { baselineBusyDayPushP95: busyP95, rows, check: slimCheck(check) };
        writeResult('many-tenants', { mode: MODE, machine, ...data });
        const errors = rows.some(
          (r) => Object.keys(r.run.errors).length > 0 || r.run.fatal.length > 0,
        );
        const last = rows.at(-1)?.run.measured.push.p95 ?? 0;
        const grew = busyP95 !== null && last > Math.max(busyP95 * 2, busyP95 + 20);
        return {
          ok: check.report.ok && !errors,
          data,
          lines: [
            `The busy-day rate (${rate} checkouts/s over the same ${P.busyStores} active stores) with idle tenants (organization + store + owner + device rows, inserted by SQL) filling the database. Baseline busy-day push p95: ${busyP95 ?? 'n/a'} ms.`,
            '',
            ...RUN_HEADER,
            ...rows.map((r) =>
              runRow(r.run).replace(
                `| ${r.run.label} |`,
                `| ${r.tenants.toLocaleString('en-US')} tenants |`,
              ),
            ),
            '',
            grew
              ? `**Latency grew with the number of idle tenants** (push p95 ${busyP95} → ${last} ms).`
              : `Latency did not grow with idle tenants (push p95 ${busyP95} ms at ${P.busyStores} tenants → ${last} ms at ${P.tenantSteps.at(-1)?.toLocaleString('en-US')}).`,
            '',
            checkLine(check),
          ],
        };
      });
    }
    (busySim as Simulation | null)?.close();

    if (SECTIONS.has('hydration')) {
      await section('3. Hydration', async () => {
        const appointments = Math.round(P.hydrationTickets * 0.2);
        const sim = new Simulation(
          baseSim(srv.server.url, {
            seed: `${values.seed}/hydration`,
            stores: 1,
            devicesPerStore: 1,
            clientsPerStore: P.hydrationClients,
            largeStoreEvery: 0,
            historyStores: 1,
            historyDays: 365,
            historyTickets: P.hydrationTickets,
            appointmentShare: 0.2,
          }),
        );
        try {
          const seedStarted = performance.now();
          await sim.setup(log);
          const seedSeconds = Math.round((performance.now() - seedStarted) / 1000);
          // A fresh server process, so its VmHWM is start-up + this hydration only.
          await srv.server.stop();
          srv = await startBenchServer(env);
          const stopSampling = sampleMemory(srv.pid);
          const hydration = await sim.hydrate(0, 1000);
          const mem = stopSampling();
          const check = await sim.verify();
          const data = {
            clients: P.hydrationClients,
            appointments,
            closedTickets: P.hydrationTickets,
            seedSeconds,
            seedMutations: sim.metrics.applied,
            hydration,
            serverMemory: mem,
            check: slimCheck(check),
          };
          writeResult('hydration', { mode: MODE, machine, scaledDown: QUICK, ...data });
          return {
            ok: check.report.ok,
            data,
            lines: [
              `One store with ${P.hydrationClients.toLocaleString('en-US')} clients, ~${appointments.toLocaleString('en-US')} appointments and ${P.hydrationTickets.toLocaleString('en-US')} closed tickets (a year)${QUICK ? ' — **quick mode: scaled down from 20,000 / 10,000 / 50,000**' : ''}, seeded through the push API in 500-mutation batches (${sim.metrics.applied.toLocaleString('en-US')} mutations in ${seedSeconds} s).`,
              '',
              `A new device pulling everything from cursor 0 (pages of 1,000): **${hydration.seconds} s** for ${hydration.rows.toLocaleString('en-US')} rows in ${hydration.pages} pages (server time in requests ${(hydration.requestMs / 1000).toFixed(1)} s). Server peak RSS during it: **${mem.peakRssMiB ?? 'n/a'} MiB** (VmHWM since its start ${mem.hwmMiB ?? 'n/a'} MiB; the server was restarted just before).`,
              '',
              checkLine(check),
            ],
          };
        } finally {
          sim.close();
        }
      });
    }

    sections.push({
      name: '5. Device side (Chromium)',
      ok: true,
      lines: [
        '**Not run: web app pending.** (The web app is not built yet; this section measures hydration and mutation latency inside the browser once it exists.)',
      ],
    });
    writeResult('device-side', { mode: MODE, status: 'not run: web app pending' });
  } finally {
    await srv.server.stop().catch(() => {});
  }

  const minutes = ((performance.now() - benchStarted) / 60_000).toFixed(1);
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
    ...sections.flatMap((s) => [`## ${s.name}${s.ok ? '' : ' — FAILED'}`, '', ...s.lines, '']),
  ].join('\n');
  writeFileSync(path.join(RESULTS_DIR, 'SUMMARY.md'), summary);
  writeResult(`bench-${MODE}`, {
    mode: MODE,
    machine,
    ok,
    minutes: Number(minutes),
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
