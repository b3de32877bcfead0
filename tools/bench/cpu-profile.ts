import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

/**
 * Reads a V8 `.cpuprofile` (`node --cpu-prof`, e.g. the bench's server with
 * SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof") and says where the CPU went: self and
 * total time by function, and self time by file or package. Samples can be restricted to time
 * windows on the machine's monotonic clock (the bench records each push run's window as
 * `monotonicUs`; V8 stamps samples with the same CLOCK_MONOTONIC), so setup and idle time
 * between runs do not dilute the push's profile.
 *
 *   node --import tsx tools/bench/cpu-profile.ts <file.cpuprofile> [--window from-to] [--top 30]
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Entry {
  key: string;
  /** µs of samples whose top frame is this. */
  selfUs: number;
  /** µs of samples with this on the stack (counted once per sample, recursion or not). */
  totalUs: number;
}

export interface ProfileSummary {
  /** µs of samples in the windows, idle excluded. */
  busyUs: number;
  idleUs: number;
  byFunction: Entry[];
  /** Self time by file: a package under node_modules, `node:` internals, or a repository path. */
  byFile: Entry[];
}

/** Where a frame's code lives, short: `fastify`, `@mango/domain/src/x.ts`, `node:internal/...`. */
export function fileOf(url: string, repoRoot: string): string {
  if (url === '') return '(native)';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? file);
  }
  return file.startsWith(repoRoot + '/') ? file.slice(repoRoot.length + 1) : file;
}

const IDLE = new Set(['(idle)', '(program)']);

/**
 * Self and total time per function and file over the samples that fall in `windows` (µs on the
 * profile's clock; all samples when empty). A sample's time is the delta to the next sample.
 */
export function summarize(
  profile: CpuProfile,
  opts: { windows?: readonly [number, number][]; repoRoot?: string } = {},
): ProfileSummary {
  const repoRoot = opts.repoRoot ?? '';
  const windows = opts.windows ?? [];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fnKey = (n: ProfileNode) => {
    const f = n.callFrame;
    const where = fileOf(f.url, repoRoot);
    // tsx's output is one line per module: the column then tells functions apart.
    return `${f.functionName || '(anonymous)'} ${where}${f.url ? `:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (windows.length > 0 && !windows.some(([a, b]) => t >= a && t < b)) continue;
    const node = byId.get(profile.samples[i] ?? -1);
    if (!node) continue;
    if (IDLE.has(node.callFrame.functionName)) {
      idleUs += dt;
      continue;
    }
    busyUs += dt;
    const key = fnKey(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    const file =
      node.callFrame.url === ''
        ? node.callFrame.functionName
        : fileOf(node.callFrame.url, repoRoot);
    fileSelf.set(file, (fileSelf.get(file) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (!n || n.callFrame.functionName === '(root)') continue;
      const k = fnKey(n);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + dt);
    }
  }
  const bySelf = (a: Entry, b: Entry) => b.selfUs - a.selfUs;
  return {
    busyUs,
    idleUs,
    // Every function on a sampled stack (the total map holds them all), sorted by self time.
    byFunction: [...total.entries()]
      .map(([key, us]) => ({ key, selfUs: self.get(key) ?? 0, totalUs: us }))
      .sort(bySelf),
    byFile: [...fileSelf.entries()]
      .map(([key, us]) => ({ key, selfUs: us, totalUs: us }))
      .sort(bySelf),
  };
}

function table(title: string, rows: Entry[], busyUs: number, top: number, by: 'self' | 'total') {
  const pct = (us: number) => ((us / Math.max(1, busyUs)) * 100).toFixed(1).padStart(5);
  const lines = [`${title} (% of busy time)`];
  for (const r of rows.slice(0, top)) {
    lines.push(
      by === 'self'
        ? `${pct(r.selfUs)} %  self   ${r.key}`
        : `${pct(r.totalUs)} %  total  (self ${pct(r.selfUs).trim()} %)  ${r.key}`,
    );
  }
  return lines.join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      window: { type: 'string', multiple: true },
      windows: { type: 'string' },
      top: { type: 'string', default: '30' },
    },
  });
  const file = positionals[0];
  if (!file) throw new Error('usage: cpu-profile.ts <file.cpuprofile> [--window from-to]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const windows: [number, number][] = (values.window ?? []).map((w) => {
    const [a, b] = w.split('-').map(Number);
    return [a ?? 0, b ?? Number.POSITIVE_INFINITY];
  });
  const repoRoot = path.resolve(import.meta.dirname, '../..');
  const summary = summarize(profile, { windows, repoRoot });
  const top = Number(values.top);
  process.stdout.write(
    [
      `${file}: busy ${(summary.busyUs / 1000).toFixed(0)} ms, idle ${(summary.idleUs / 1000).toFixed(0)} ms${windows.length ? ` in ${windows.length} window(s)` : ''}`,
      '',
      table('Self time by file or package', summary.byFile, summary.busyUs, top, 'self'),
      '',
      table('Self time by function', summary.byFunction, summary.busyUs, top, 'self'),
      '',
      table(
        'Total time by function (time with it on the stack)',
        [...summary.byFunction].sort((a, b) => b.totalUs - a.totalUs),
        summary.busyUs,
        top,
        'total',
      ),
      '',
    ].join('\n'),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
