import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { discountAmount } from './discounts';
import { computeLineAmounts, computeTicketTotals, type PricedLineInput } from './ticket-totals';

const line = (over: Partial<PricedLineInput> = {}): PricedLineInput => ({
  kind: 'service',
  quantity: 1,
  unitPriceCents: 1000,
  taxable: true,
  discount: null,
  comp: false,
  ...over,
});

describe('discountAmount', () => {
  it('takes a percentage rounded half up, or an amount capped at the base', () => {
    expect(discountAmount({ kind: 'percent', bps: 1250 }, 1000)).toBe(125);
    expect(discountAmount({ kind: 'percent', bps: 333 }, 1050)).toBe(35); // 34.965
    expect(discountAmount({ kind: 'amount', cents: 300 }, 1000)).toBe(300);
    expect(discountAmount({ kind: 'amount', cents: 3000 }, 1000)).toBe(1000);
    expect(discountAmount(null, 1000)).toBe(0);
    expect(discountAmount({ kind: 'amount', cents: 300 }, 0)).toBe(0);
  });
});

describe('computeLineAmounts', () => {
  it('multiplies quantity and applies the line discount', () => {
    expect(
      computeLineAmounts(line({ quantity: 3, discount: { kind: 'percent', bps: 1000 } })),
    ).toEqual({
      grossCents: 3000,
      discountCents: 300,
      lineTotalCents: 2700,
    });
  });

  it('comps the whole line', () => {
    expect(
      computeLineAmounts(line({ comp: true, discount: { kind: 'amount', cents: 1 } })),
    ).toEqual({
      grossCents: 1000,
      discountCents: 1000,
      lineTotalCents: 0,
    });
  });
});

describe('computeTicketTotals', () => {
  it('taxes taxable lines only, rounding half up once at the ticket level', () => {
    // 3 × 10.01 taxable at 8.25 %: per line 0.8258 each would round to 0.83 × 3 = 2.49;
    // at the ticket level 30.03 × 8.25 % = 2.477… → 2.48.
    const totals = computeTicketTotals(
      [
        line({ unitPriceCents: 1001 }),
        line({ unitPriceCents: 1001 }),
        line({ unitPriceCents: 1001 }),
        line({ taxable: false, unitPriceCents: 500 }),
      ],
      null,
      82_500,
    );
    expect(totals.subtotalCents).toBe(3503);
    expect(totals.taxableCents).toBe(3003);
    expect(totals.taxCents).toBe(248);
    expect(totals.totalCents).toBe(3751);
  });

  it('rounds an exact half cent up', () => {
    // 10.00 at 8.25 % = 0.825 → 0.83
    expect(computeTicketTotals([line()], null, 82_500).taxCents).toBe(83);
  });

  it('taxes at 8.875 % to the cent, once for the whole ticket', () => {
    // $10.00 → 88.75¢ → 89¢; $5.00 → 44.375¢ → 44¢, yet two $5.00 lines are one $10.00 base.
    expect(computeTicketTotals([line()], null, 88_750).taxCents).toBe(89);
    expect(computeTicketTotals([line({ unitPriceCents: 500 })], null, 88_750).taxCents).toBe(44);
    const two = computeTicketTotals(
      [line({ unitPriceCents: 500 }), line({ unitPriceCents: 500 })],
      null,
      88_750,
    );
    expect(two).toMatchObject({ taxableCents: 1000, taxCents: 89, totalCents: 1089 });
    // $45.00 at 8.875 % = $3.99375 → $3.99 (a float would also say 3.99; the case is the cent).
    expect(computeTicketTotals([line({ unitPriceCents: 4500 })], null, 88_750).taxCents).toBe(399);
  });

  it('rounds the half cent at 8.875 % up, and just below it down', () => {
    // At 8.875 % a taxable amount lands on an exact half cent when it is $4.00 + k × $8.00.
    const tax = (cents: number) =>
      computeTicketTotals([line({ unitPriceCents: cents })], null, 88_750).taxCents;
    expect(tax(400)).toBe(36); // 35.5¢
    expect(tax(1200)).toBe(107); // 106.5¢
    expect(tax(569)).toBe(50); // 50.49875¢
    expect(tax(231)).toBe(21); // 20.50125¢
    // A ticket discount moves the base onto the half: $5.00 − $1.00 = $4.00 → 35.5¢ → 36¢.
    expect(
      computeTicketTotals([line({ unitPriceCents: 500 })], { kind: 'amount', cents: 100 }, 88_750)
        .taxCents,
    ).toBe(36);
  });

  it('spreads the ticket discount over lines by their totals to find the taxable base', () => {
    const totals = computeTicketTotals(
      [line({ unitPriceCents: 3000 }), line({ unitPriceCents: 1000, taxable: false })],
      { kind: 'amount', cents: 1000 },
      100_000,
    );
    expect(totals.ticketDiscountCents).toBe(1000);
    expect(totals.lines.map((l) => l.ticketDiscountShareCents)).toEqual([750, 250]);
    expect(totals.taxableCents).toBe(2250);
    expect(totals.taxCents).toBe(225);
    expect(totals.discountCents).toBe(1000);
    expect(totals.totalCents).toBe(4000 - 1000 + 225);
  });

  it('never discounts or taxes a gift card sale', () => {
    const totals = computeTicketTotals(
      [
        line({ unitPriceCents: 2000 }),
        line({ kind: 'gift_card', unitPriceCents: 5000, taxable: true }),
      ],
      { kind: 'percent', bps: 5000 },
      100_000,
    );
    expect(totals.ticketDiscountCents).toBe(1000);
    expect(totals.lines[1]?.ticketDiscountShareCents).toBe(0);
    expect(totals.taxableCents).toBe(1000);
    expect(totals.totalCents).toBe(7000 - 1000 + 100);
  });

  it('ignores a ticket discount when nothing is discountable', () => {
    const totals = computeTicketTotals(
      [line({ comp: true })],
      { kind: 'amount', cents: 500 },
      82_500,
    );
    expect(totals).toMatchObject({
      subtotalCents: 0,
      ticketDiscountCents: 0,
      discountCents: 1000,
      totalCents: 0,
    });
    expect(computeTicketTotals([], null, 82_500).totalCents).toBe(0);
  });

  const arbDiscount = fc.option(
    fc.oneof(
      fc.record({
        kind: fc.constant('percent' as const),
        bps: fc.integer({ min: 0, max: 10_000 }),
      }),
      fc.record({
        kind: fc.constant('amount' as const),
        cents: fc.integer({ min: 0, max: 100_000 }),
      }),
    ),
    { nil: null },
  );
  const arbLine = fc.record({
    kind: fc.constantFrom('service' as const, 'product' as const, 'gift_card' as const),
    quantity: fc.integer({ min: 1, max: 20 }),
    unitPriceCents: fc.integer({ min: 0, max: 100_000 }),
    taxable: fc.boolean(),
    discount: arbDiscount,
    comp: fc.boolean(),
  });

  it('keeps every sum exact and nothing negative', () => {
    fc.assert(
      fc.property(
        fc.array(arbLine, { maxLength: 10 }),
        arbDiscount,
        fc.integer({ min: 0, max: 300_000 }),
        (lines, discount, rate) => {
          const t = computeTicketTotals(lines, discount, rate);
          expect(t.subtotalCents).toBe(t.lines.reduce((s, l) => s + l.lineTotalCents, 0));
          expect(t.ticketDiscountCents).toBe(
            t.lines.reduce((s, l) => s + l.ticketDiscountShareCents, 0),
          );
          expect(t.totalCents).toBe(t.subtotalCents - t.ticketDiscountCents + t.taxCents);
          expect(t.ticketDiscountCents).toBeLessThanOrEqual(t.subtotalCents);
          for (const l of t.lines) {
            expect(l.lineTotalCents).toBeGreaterThanOrEqual(0);
            expect(l.ticketDiscountShareCents).toBeLessThanOrEqual(l.lineTotalCents);
            expect(l.taxableBaseCents).toBeGreaterThanOrEqual(0);
          }
          expect(t.taxCents).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});
