/** Latency samples and their percentiles (exact: every sample is kept, sorted once on summary). */

/**
 * Nearest-rank percentile of an ascending array: the smallest value such that at least `p` % of
 * the samples are ≤ it. `p` in (0, 100]; an empty array gives NaN.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  if (sorted.length === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: round2(sum / sorted.length),
    p50: round2(percentile(sorted, 50)),
    p90: round2(percentile(sorted, 90)),
    p95: round2(percentile(sorted, 95)),
    p99: round2(percentile(sorted, 99)),
    max: round2(sorted[sorted.length - 1] as number),
  };
}

/** A growable buffer of samples (milliseconds). */
export class Samples {
  private buf = new Float64Array(1024);
  private n = 0;

  record(ms: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  values(): Float64Array {
    return this.buf.subarray(0, this.n);
  }

  summary(): LatencySummary {
    return summarize(this.values());
  }

  /** Samples recorded since `from` (an earlier `count`), for per-interval figures. */
  summarySince(from: number): LatencySummary {
    return summarize(this.buf.subarray(from, this.n));
  }
}
