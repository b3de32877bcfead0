import { parseArgs } from 'node:util';
import { machineInfo, writeResult } from './results';
import { DEFAULT_SIM, Simulation } from './simulator';

/**
 * The load simulator against a running server:
 *   node --import tsx tools/loadgen/src/cli.ts --url http://127.0.0.1:3000 --stores 20 --devices 3 \
 *     --duration 60 --rate 2 --seed 42 --name adhoc
 * Exits non-zero when the ledger check finds a lost or duplicated sale, or a device failed.
 */
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    stores: { type: 'string', default: String(DEFAULT_SIM.stores) },
    devices: { type: 'string', default: String(DEFAULT_SIM.devicesPerStore) },
    duration: { type: 'string', default: '60' },
    rate: { type: 'string', default: '2' },
    seed: { type: 'string', default: DEFAULT_SIM.seed },
    clients: { type: 'string', default: String(DEFAULT_SIM.clientsPerStore) },
    'large-every': { type: 'string', default: String(DEFAULT_SIM.largeStoreEvery) },
    'large-clients': { type: 'string', default: String(DEFAULT_SIM.largeStoreClients) },
    'history-stores': { type: 'string', default: String(DEFAULT_SIM.historyStores) },
    'history-per-day': { type: 'string', default: String(DEFAULT_SIM.historyTicketsPerDay) },
    'sse-fraction': { type: 'string', default: String(DEFAULT_SIM.sseFraction) },
    'pull-interval': { type: 'string', default: String(DEFAULT_SIM.pullIntervalMs / 1000) },
    'time-scale': { type: 'string', default: String(1 / 300) },
    connections: { type: 'string', default: String(DEFAULT_SIM.maxSockets) },
    name: { type: 'string', default: 'loadgen' },
    'no-verify': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'Options: --url --stores N --devices M --duration S --rate CHECKOUTS_PER_S --seed S --clients --large-every --large-clients\n' +
      '         --history-stores --history-per-day --sse-fraction --pull-interval S --time-scale --connections --name --no-verify\n',
  );
  process.exit(0);
}

const num = (v: string | undefined, name: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`--${name} must be a non-negative number, got ${v}`);
  return n;
};

async function main(): Promise<number> {
  const sim = new Simulation({
    ...DEFAULT_SIM,
    baseUrl: values.url,
    seed: values.seed,
    stores: num(values.stores, 'stores'),
    devicesPerStore: Math.max(1, num(values.devices, 'devices')),
    clientsPerStore: num(values.clients, 'clients'),
    largeStoreEvery: num(values['large-every'], 'large-every'),
    largeStoreClients: num(values['large-clients'], 'large-clients'),
    historyStores: num(values['history-stores'], 'history-stores'),
    historyTicketsPerDay: num(values['history-per-day'], 'history-per-day'),
    sseFraction: num(values['sse-fraction'], 'sse-fraction'),
    pullIntervalMs: num(values['pull-interval'], 'pull-interval') * 1000,
    maxSockets: Math.max(1, num(values.connections, 'connections')),
    runTag: `${values.seed}-${Date.now().toString(36)}`,
  });
  try {
    await sim.setup();
    const run = await sim.run({
      label: values.name,
      durationSec: num(values.duration, 'duration'),
      rate: num(values.rate, 'rate'),
      timeScale: num(values['time-scale'], 'time-scale'),
    });
    const check = values['no-verify'] ? null : await sim.verify();
    const { file } = writeResult(values.name, {
      machine: machineInfo(),
      seed: values.seed,
      run,
      check: check && { ...check, report: { ...check.report, perStore: undefined } },
    });
    const m = run.measured;
    process.stdout.write(
      `${values.name}: ${m.mutationsPerSec} mutations/s, ${m.pushesPerSec} pushes/s, ${m.pullsPerSec} pulls/s; ` +
        `push p50/p95/p99/max ${m.push.p50}/${m.push.p95}/${m.push.p99}/${m.push.max} ms; pull p95 ${m.pull.p95} ms; ` +
        `errors ${JSON.stringify(run.errors)} rejections ${JSON.stringify(run.rejections)}\n` +
        (check
          ? `ledger check: lost ${check.report.lost}, duplicated ${check.report.duplicated}, mismatched ${check.report.mismatched} over ${check.report.checkedEffects} effects in ${check.report.stores} stores\n`
          : '') +
        `written ${file}\n`,
    );
    if (run.fatal.length > 0) {
      process.stderr.write(
        `FAILED: ${run.fatal.length} device(s) stopped:\n  ${run.fatal.slice(0, 10).join('\n  ')}\n`,
      );
      return 1;
    }
    if (check && !check.report.ok) {
      process.stderr.write(
        `FAILED: the server lost or duplicated acknowledged work:\n  ${check.report.problems.join('\n  ')}\n`,
      );
      return 2;
    }
    return 0;
  } finally {
    sim.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `loadgen failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
