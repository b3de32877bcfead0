import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MutationResult } from '@mango/protocol';

/**
 * The server's Prometheus metrics. One instance per app, over a Registry passed in (main.ts
 * makes one; tests make their own), so nothing is global and two apps in one process never mix
 * their numbers. Labels never carry a store, device or user id: those would be unbounded series
 * and would leak tenants into a shared dashboard.
 */
export interface Metrics {
  readonly registry: Registry;
  /** One finished HTTP request; `route` is the route pattern, never the raw URL. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** One answered push: its mutations by outcome, and how long each applied one waited. */
  observePush(
    results: readonly MutationResult[],
    clientTimes: ReadonlyMap<number, string>,
    now: Date,
  ): void;
  /** One answered pull with the number of changes it carried. */
  observePull(changes: number): void;
  /** One error report (a server 5xx or a browser crash). */
  observeErrorReport(source: 'server' | 'browser'): void;
  /** A gauge read at scrape time (pool figures, open streams, cache sizes). */
  gaugeFrom(
    name: string,
    help: string,
    read: () => number | Record<string, number>,
    labelName?: string,
  ): void;
  /** A counter whose running total lives elsewhere (a cache's hit count): read at scrape time. */
  counterFrom(
    name: string,
    help: string,
    read: () => number | Record<string, number>,
    labelName?: string,
  ): void;
}

export interface MetricsOptions {
  registry: Registry;
  /** Process metrics (event-loop lag, heap, GC, CPU): once per registry. */
  processMetrics?: boolean;
  release?: string;
}

/** Seconds; the alert threshold (300 ms) sits on a bucket edge so its p95 is exact enough. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];
/** Offline devices push hours of work at once: the lag runs from seconds to days. */
const LAG_BUCKETS = [0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600];

export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = opts.registry;
  if (opts.processMetrics) {
    collectDefaultMetrics({ register: registry, prefix: 'mango_' });
    // prom-client names three gauges `…_total`, which Prometheus reserves for counters (`promtool
    // check metrics` rejects them). Their per-type siblings (`mango_nodejs_active_handles{type}`
    // …) carry the same numbers: sum() them.
    for (const kind of ['handles', 'requests', 'resources'])
      registry.removeSingleMetric(`mango_nodejs_active_${kind}_total`);
  }
  if (opts.release !== undefined) {
    new Gauge({
      name: 'mango_build_info',
      help: 'Always 1; the release that is running, as a label.',
      labelNames: ['release'],
      registers: [registry],
    }).set({ release: opts.release }, 1);
  }

  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const histogram = (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
    new Histogram({ name, help, buckets, labelNames, registers: [registry] });

  const httpDuration = histogram(
    'mango_http_request_duration_seconds',
    'HTTP request duration by method, route pattern and status.',
    DURATION_BUCKETS,
    ['method', 'route', 'status'],
  );
  const rateLimited = counter(
    'mango_http_rate_limited_total',
    'Requests refused with 429 by a rate limit, by route pattern.',
    ['route'],
  );
  const pushes = counter('mango_sync_pushes_total', 'Answered pushes.');
  const pushSize = histogram(
    'mango_sync_push_batch_size',
    'Mutations per answered push.',
    BATCH_BUCKETS,
  );
  const mutations = counter(
    'mango_sync_mutations_total',
    'Pushed mutations by outcome: applied, rejected (permanently, shown to staff) or duplicate (a retry).',
    ['outcome'],
  );
  for (const outcome of ['applied', 'rejected', 'duplicate']) mutations.inc({ outcome }, 0);
  const syncLag = histogram(
    'mango_sync_lag_seconds',
    'From a mutation being made on the device (its clientTime) to the server applying it.',
    LAG_BUCKETS,
  );
  const pulls = counter('mango_sync_pulls_total', 'Answered pulls.');
  const pullSize = histogram(
    'mango_sync_pull_batch_size',
    'Changes per answered pull.',
    BATCH_BUCKETS,
  );
  const errorReports = counter(
    'mango_error_reports_total',
    'Errors tracked: server 5xx and browser crash reports.',
    ['source'],
  );
  for (const source of ['server', 'browser']) errorReports.inc({ source }, 0);

  /** A reading as (labels, value) pairs: a plain number is one unlabelled sample. */
  const samples = (
    value: number | Record<string, number>,
    labelName: string,
  ): [Record<string, string>, number][] =>
    typeof value === 'number'
      ? [[{}, value]]
      : Object.entries(value).map(([k, v]) => [{ [labelName]: k }, v]);

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      httpDuration.observe({ method, route, status: String(status) }, seconds);
      if (status === 429) rateLimited.inc({ route });
    },
    observePush(results, clientTimes, now) {
      pushes.inc();
      pushSize.observe(results.length);
      const counts = { applied: 0, rejected: 0, duplicate: 0 };
      for (const r of results) {
        counts[r.status]++;
        if (r.status !== 'applied') continue;
        const made = Date.parse(clientTimes.get(r.id) ?? '');
        // A device clock ahead of ours would give a negative lag: count it as none.
        if (!Number.isNaN(made)) syncLag.observe(Math.max(0, (now.getTime() - made) / 1000));
      }
      for (const [outcome, n] of Object.entries(counts)) if (n > 0) mutations.inc({ outcome }, n);
    },
    observePull(changes) {
      pulls.inc();
      pullSize.observe(changes);
    },
    observeErrorReport(source) {
      errorReports.inc({ source });
    },
    gaugeFrom(name, help, read, labelName = 'state') {
      new Gauge({
        name,
        help,
        labelNames: [labelName],
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, v] of samples(read(), labelName)) this.set(labels, v);
        },
      });
    },
    counterFrom(name, help, read, labelName = 'kind') {
      new Counter({
        name,
        help,
        labelNames: [labelName],
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, v] of samples(read(), labelName)) this.inc(labels, v);
        },
      });
    },
  };
}
