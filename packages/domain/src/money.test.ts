import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, applyBps, divideRoundHalfUp, formatMoney, minorDigits } from './money';

describe('formatMoney', () => {
  it('formats cents in the currency of the store', () => {
    expect(formatMoney(123456, 'USD')).toBe('$1,234.56');
    expect(formatMoney(-705, 'USD')).toBe('-$7.05');
    expect(formatMoney(0, 'USD')).toBe('$0.00');
  });

  it('handles currencies without minor units and with three', () => {
    expect(minorDigits('JPY')).toBe(0);
    expect(formatMoney(1234, 'JPY')).toBe('¥1,234');
    expect(minorDigits('KWD')).toBe(3);
    expect(formatMoney(1234, 'KWD', 'en-US')).toMatch(/^KWD\s1\.234$/);
  });

  it('follows the locale', () => {
    expect(formatMoney(123456, 'EUR', 'de-DE')).toMatch(/^1\.234,56\s€$/);
  });

  it('refuses non-integer amounts', () => {
    expect(() => formatMoney(1.5, 'USD')).toThrow(RangeError);
  });
});

describe('rounding', () => {
  it('rounds half up (away from zero)', () => {
    expect(divideRoundHalfUp(5n, 10n)).toBe(1);
    expect(divideRoundHalfUp(4n, 10n)).toBe(0);
    expect(divideRoundHalfUp(15n, 10n)).toBe(2);
    expect(divideRoundHalfUp(-15n, 10n)).toBe(-2);
    expect(() => divideRoundHalfUp(1n, 0n)).toThrow(RangeError);
  });

  it('applies basis points to the cent', () => {
    expect(applyBps(1000, 825)).toBe(83); // 82.5 → 83
    expect(applyBps(999, 1000)).toBe(100); // 99.9 → 100
    expect(applyBps(0, 825)).toBe(0);
  });
});

describe('allocate', () => {
  it('splits by weight with the largest remainder getting the extra cent', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(5, [3, 7])).toEqual([2, 3]); // 1.5, 3.5: tie → lower index
    expect(allocate(1000, [1, 2, 7])).toEqual([100, 200, 700]);
    expect(allocate(10, [0, 5])).toEqual([0, 10]);
  });

  it('falls back to an even split when every weight is zero', () => {
    expect(allocate(10, [0, 0, 0])).toEqual([4, 3, 3]);
  });

  it('mirrors negative amounts', () => {
    expect(allocate(-100, [1, 1, 1])).toEqual([-34, -33, -33]);
    expect(allocate(0, [1, 2])).toEqual([0, 0]);
  });

  it('refuses impossible inputs', () => {
    expect(() => allocate(10, [])).toThrow(RangeError);
    expect(() => allocate(10, [-1, 2])).toThrow(RangeError);
    expect(() => allocate(10.5, [1])).toThrow(RangeError);
  });

  it('always adds up to the whole, each part within one cent of its exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 10_000_000_000 }), { minLength: 1, maxLength: 12 }),
        (amount, weights) => {
          const parts = allocate(amount, weights);
          expect(parts).toHaveLength(weights.length);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(amount);
          const effective = weights.every((w) => w === 0) ? weights.map(() => 1) : weights;
          const total = effective.reduce((a, b) => a + b, 0);
          parts.forEach((part, i) => {
            const exact = (amount * (effective[i] ?? 0)) / total;
            expect(Math.abs(part - exact)).toBeLessThan(1 + 1e-6);
          });
        },
      ),
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 8 }),
        (amount, weights) => {
          expect(allocate(amount, weights)).toEqual(allocate(amount, weights));
        },
      ),
    );
  });
});
