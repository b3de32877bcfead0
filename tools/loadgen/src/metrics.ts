import { type LatencySummary, Samples } from './stats';

/** Counters and latency samples of a run, by endpoint. */
export class Metrics {
  readonly latency = {
    push: new Samples(),
    pull: new Samples(),
    signup: new Samples(),
    register: new Samples(),
  };
  /** Mutations put in outboxes, and mutations the server acknowledged (`mutationsSent`). */
  enqueued = 0;
  mutationsSent = 0;
  applied = 0;
  rejected = 0;
  duplicates = 0;
  unknown = 0;
  pushes = 0;
  pulls = 0;
  pullPages = 0;
  pulledRows = 0;
  pokes = 0;
  /** Pokes whose delta a device took instead of pulling (docs/SYNC.md "Pokes carry the delta"). */
  pokeDeltas = 0;
  retries = 0;
  rateLimited = 0;
  /** HTTP / network errors by code (e.g. HTTP_503, NETWORK, SERVICE_UNAVAILABLE). */
  readonly errors = new Map<string, number>();
  /** Domain rejections by code. */
  readonly rejections = new Map<string, number>();

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }
  rejection(code: string): void {
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1);
  }
  errorCount(): number {
    let n = 0;
    for (const v of this.errors.values()) n += v;
    return n;
  }
}

export interface MetricsMark {
  at: number;
  applied: number;
  enqueued: number;
  mutationsSent: number;
  pushes: number;
  pulls: number;
  pushSamples: number;
  pullSamples: number;
  errors: number;
  rejected: number;
}

export function mark(m: Metrics): MetricsMark {
  return {
    at: performance.now(),
    applied: m.applied,
    enqueued: m.enqueued,
    mutationsSent: m.mutationsSent,
    pushes: m.pushes,
    pulls: m.pulls,
    pushSamples: m.latency.push.count,
    pullSamples: m.latency.pull.count,
    errors: m.errorCount(),
    rejected: m.rejected,
  };
}

export interface IntervalReport {
  seconds: number;
  mutationsPerSec: number;
  appliedPerSec: number;
  pushesPerSec: number;
  pullsPerSec: number;
  mutations: number;
  enqueued: number;
  applied: number;
  pushes: number;
  pulls: number;
  errors: number;
  rejected: number;
  push: LatencySummary;
  pull: LatencySummary;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** Throughput and latency between two marks. */
export function interval(m: Metrics, from: MetricsMark, to: MetricsMark = mark(m)): IntervalReport {
  const seconds = Math.max(0.001, (to.at - from.at) / 1000);
  return {
    seconds: r1(seconds),
    mutationsPerSec: r1((to.mutationsSent - from.mutationsSent) / seconds),
    appliedPerSec: r1((to.applied - from.applied) / seconds),
    pushesPerSec: r1((to.pushes - from.pushes) / seconds),
    pullsPerSec: r1((to.pulls - from.pulls) / seconds),
    mutations: to.mutationsSent - from.mutationsSent,
    enqueued: to.enqueued - from.enqueued,
    applied: to.applied - from.applied,
    pushes: to.pushes - from.pushes,
    pulls: to.pulls - from.pulls,
    errors: to.errors - from.errors,
    rejected: to.rejected - from.rejected,
    push: m.latency.push.summarySince(from.pushSamples),
    pull: m.latency.pull.summarySince(from.pullSamples),
  };
}

/** Prints a progress line to stderr every `everyMs` until stopped. */
export function progress(
  m: Metrics,
  label: string,
  everyMs = 5000,
  extra: () => string = () => '',
): () => void {
  let last = mark(m);
  const timer = setInterval(() => {
    const now = mark(m);
    const r = interval(m, last, now);
    last = now;
    process.stderr.write(
      `[${label}] ${r.mutationsPerSec} mut/s, ${r.pushesPerSec} push/s, ${r.pullsPerSec} pull/s | push p50 ${r.push.p50} p95 ${r.push.p95} p99 ${r.push.p99} ms | pull p95 ${r.pull.p95} ms | errors ${m.errorCount()} rejected ${m.rejected}${extra()}\n`,
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
