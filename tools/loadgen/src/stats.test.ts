import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile, Samples, summarize } from './stats';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('gives the textbook values on 1..100', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0.5)).toBe(1);
  });

  it('handles small and empty inputs', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([1, 2], 51)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
  });

  it('is a sample such that at least p % of samples are ≤ it and fewer than p % are < it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 100 }),
        (xs, p) => {
          const sorted = [...xs].sort((a, b) => a - b);
          const v = percentile(sorted, p);
          expect(sorted).toContain(v);
          expect(sorted.filter((x) => x <= v).length / sorted.length).toBeGreaterThanOrEqual(
            p / 100,
          );
          expect(sorted.filter((x) => x < v).length / sorted.length).toBeLessThan(p / 100);
        },
      ),
    );
  });
});

describe('summarize / Samples', () => {
  it('summarizes unsorted samples', () => {
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s).toEqual({ count: 5, mean: 3, p50: 3, p90: 5, p95: 5, p99: 5, max: 5 });
    expect(summarize([]).count).toBe(0);
  });

  it('grows past its initial buffer and summarizes an interval', () => {
    const s = new Samples();
    for (let i = 1; i <= 5000; i++) s.record(i);
    expect(s.count).toBe(5000);
    expect(s.summary().p99).toBe(4950);
    expect(s.summarySince(4000)).toMatchObject({ count: 1000, p50: 4500, max: 5000 });
  });
});
