import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseStore } from './test-support/fixtures';
import type { StoreRow } from './entities';
import { applyBps } from './money';
import {
  bpsToPpm,
  formatTaxRate,
  parseTaxRatePercent,
  storeTaxRatePpm,
  taxOnCents,
  taxRatePercentText,
} from './tax-rate';
import { computeTicketTotals, type PricedLineInput } from './ticket-totals';

const NYC = 88_750; // 8.875 %

describe('taxOnCents', () => {
  it('taxes at 8.875 % to the cent', () => {
    expect(taxOnCents(1000, NYC)).toBe(89); // 88.75¢
    expect(taxOnCents(500, NYC)).toBe(44); // 44.375¢
    expect(taxOnCents(9999, NYC)).toBe(887); // 887.41125¢
    expect(taxOnCents(123_456_789, NYC)).toBe(10_956_790); // 10 956 790.02375¢
    expect(taxOnCents(0, NYC)).toBe(0);
    expect(taxOnCents(1000, 0)).toBe(0);
    expect(taxOnCents(1000, 1_000_000)).toBe(1000); // 100 %
  });

  it('rounds an exact half cent away from zero, anything less towards it', () => {
    expect(taxOnCents(400, NYC)).toBe(36); // 35.5¢
    expect(taxOnCents(-400, NYC)).toBe(-36); // a refund mirrors the sale
    expect(taxOnCents(569, NYC)).toBe(50); // 50.49875¢
    expect(taxOnCents(231, NYC)).toBe(21); // 20.50125¢
    expect(taxOnCents(1, 5000)).toBe(0); // 0.005¢: half of a tenth, not of a cent
    expect(taxOnCents(1, 500_000)).toBe(1); // 0.5¢
    expect(taxOnCents(1, 499_999)).toBe(0);
  });

  it('stays exact where a float product would not', () => {
    // 9 007 199 254 740 991¢ × 0.08875 = 799 388 933 858 262.95125¢: the product of cents and
    // ppm is far past 2^53 here, a float would lose the last digits.
    expect(taxOnCents(Number.MAX_SAFE_INTEGER, NYC)).toBe(799_388_933_858_263);
  });

  it('refuses a fractional amount or rate', () => {
    expect(() => taxOnCents(10.5, NYC)).toThrow(RangeError);
    expect(() => taxOnCents(1000, 88_750.5)).toThrow(RangeError);
  });

  it('is the exact product rounded half up (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (taxable, ppm) => {
          const tax = BigInt(taxOnCents(taxable, ppm));
          const twiceExact = 2n * BigInt(taxable) * BigInt(ppm);
          // tax − ½ ≤ exact < tax + ½, in millionths of a cent times two.
          expect((2n * tax - 1n) * 1_000_000n <= twiceExact).toBe(true);
          expect(twiceExact < (2n * tax + 1n) * 1_000_000n).toBe(true);
        },
      ),
    );
  });

  it('gives every basis-point rate the tax the basis-point code gave (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (taxable, bps) => {
          expect(taxOnCents(taxable, bpsToPpm(bps))).toBe(applyBps(taxable, bps));
        },
      ),
    );
  });
});

describe('tax of a ticket vs per line (property)', () => {
  const taxableLine = (unitPriceCents: number, quantity = 1): PricedLineInput => ({
    kind: 'service',
    quantity,
    unitPriceCents,
    taxable: true,
    discount: null,
    comp: false,
  });

  it('a ticket is taxed on the sum of its lines, so splitting lines never changes its tax', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (prices, ppm) => {
          const sum = prices.reduce((s, p) => s + p, 0);
          const split = computeTicketTotals(
            prices.map((p) => taxableLine(p)),
            null,
            ppm,
          );
          const whole = computeTicketTotals([taxableLine(sum)], null, ppm);
          expect(split.taxCents).toBe(whole.taxCents);
          expect(split.taxCents).toBe(taxOnCents(sum, ppm));
          // Rounding each line instead would drift by up to half a cent per line.
          const perLine = prices.reduce((s, p) => s + taxOnCents(p, ppm), 0);
          expect(Math.abs(perLine - split.taxCents) * 2).toBeLessThanOrEqual(prices.length);
        },
      ),
    );
  });

  it('per-line rounding would differ: two $5.00 lines at 8.875 % are 89¢, not 2 × 44¢', () => {
    const t = computeTicketTotals([taxableLine(500), taxableLine(500)], null, NYC);
    expect(t.taxCents).toBe(89);
    expect(taxOnCents(500, NYC) * 2).toBe(88);
    expect(computeTicketTotals([taxableLine(500, 2)], null, NYC).taxCents).toBe(89);
  });
});

describe('storeTaxRatePpm', () => {
  it('reads the rate, or the basis points of a row kept from an older app version', () => {
    expect(storeTaxRatePpm({ ...baseStore, taxRatePpm: NYC })).toBe(NYC);
    const { taxRatePpm: _ppm, ...legacy } = baseStore;
    expect(storeTaxRatePpm({ ...legacy, taxRateBps: 825 } as unknown as StoreRow)).toBe(82_500);
    expect(storeTaxRatePpm(legacy as unknown as StoreRow)).toBe(0);
  });
});

describe('showing and typing a rate', () => {
  it('shows the digits it needs, no trailing zeros', () => {
    expect(taxRatePercentText(NYC)).toBe('8.875');
    expect(taxRatePercentText(82_500)).toBe('8.25');
    expect(taxRatePercentText(100_000)).toBe('10');
    expect(taxRatePercentText(0)).toBe('0');
    expect(taxRatePercentText(50)).toBe('0.005');
    expect(taxRatePercentText(1)).toBe('0.0001');
    expect(taxRatePercentText(1_000_000)).toBe('100');
    expect(formatTaxRate(NYC)).toBe('8.875 %');
    expect(formatTaxRate(82_500)).toBe('8.25 %');
  });

  it('parses up to three decimals of a percent without a float', () => {
    expect(parseTaxRatePercent('8.875')).toBe(NYC);
    expect(parseTaxRatePercent(' 8.875 % ')).toBe(NYC);
    expect(parseTaxRatePercent('8.25')).toBe(82_500);
    expect(parseTaxRatePercent('8.')).toBe(80_000);
    expect(parseTaxRatePercent('.5')).toBe(5_000);
    expect(parseTaxRatePercent('0')).toBe(0);
    expect(parseTaxRatePercent('100')).toBe(1_000_000);
    expect(parseTaxRatePercent('0.001')).toBe(10);
    // 0.1 + 0.2 territory: digits, not floats.
    expect(parseTaxRatePercent('4.355')).toBe(43_550);
  });

  it('refuses what is not a rate the screen can hold', () => {
    for (const bad of ['', '.', '8.8751', '100.001', '101', '-1', '8,875', 'abc', '1e2', '8.8.8'])
      expect(parseTaxRatePercent(bad), bad).toBeNull();
  });

  it('reads back every rate it shows (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (thousandths) => {
        const ppm = thousandths * 10;
        expect(parseTaxRatePercent(taxRatePercentText(ppm))).toBe(ppm);
      }),
    );
  });
});
