import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from './errors';
import { splitTip, type TipLineInput, type TipSplit } from './tips';

const A = 'a-staff';
const B = 'b-staff';
const C = 'c-staff';

describe('splitTip', () => {
  const lines: TipLineInput[] = [
    { kind: 'service', staffId: B, lineTotalCents: 3000 },
    { kind: 'service', staffId: A, lineTotalCents: 1000 },
    { kind: 'product', staffId: C, lineTotalCents: 5000 },
  ];

  it('splits in proportion to service amounts by default; product sellers get none', () => {
    expect(splitTip(1000, lines)).toEqual({ shares: { [A]: 250, [B]: 750 }, unassignedCents: 0 });
    expect(splitTip(1001, lines).shares).toEqual({ [A]: 250, [B]: 751 });
  });

  it('splits evenly, the extra cent to the first staff id', () => {
    expect(splitTip(1001, lines, { mode: 'even' }).shares).toEqual({ [A]: 501, [B]: 500 });
  });

  it('uses everyone on the ticket when nobody performed a service', () => {
    const retail: TipLineInput[] = [
      { kind: 'product', staffId: C, lineTotalCents: 100 },
      { kind: 'product', staffId: A, lineTotalCents: 900 },
    ];
    expect(splitTip(301, retail).shares).toEqual({ [A]: 151, [C]: 150 });
  });

  it('falls back to even when every service was comped', () => {
    const comped: TipLineInput[] = [
      { kind: 'service', staffId: A, lineTotalCents: 0 },
      { kind: 'service', staffId: B, lineTotalCents: 0 },
    ];
    expect(splitTip(100, comped).shares).toEqual({ [A]: 50, [B]: 50 });
  });

  it('keeps a tip nobody can receive as unassigned', () => {
    expect(splitTip(500, [{ kind: 'product', lineTotalCents: 100 }])).toEqual({
      shares: {},
      unassignedCents: 500,
    });
  });

  it('accepts a manual split that adds up exactly, and rejects any other', () => {
    expect(
      splitTip(1000, lines, { mode: 'manual', shares: { [C]: 400, [A]: 600 } }).shares,
    ).toEqual({ [A]: 600, [C]: 400 });
    const mismatch = () => splitTip(1000, lines, { mode: 'manual', shares: { [A]: 999 } });
    expect(mismatch).toThrow(DomainError);
    expect(mismatch).toThrow(/must match exactly/);
    expect(() => splitTip(0, lines, { mode: 'manual', shares: { [A]: -1, [B]: 1 } })).toThrow(
      DomainError,
    );
  });

  it('always adds up to the tip exactly', () => {
    const staffIds = ['s1', 's2', 's3', 's4'];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(
          fc.record({
            kind: fc.constantFrom('service' as const, 'product' as const, 'gift_card' as const),
            staffId: fc.option(fc.constantFrom(...staffIds), { nil: null }),
            lineTotalCents: fc.integer({ min: 0, max: 100_000 }),
          }),
          { maxLength: 8 },
        ),
        fc.constantFrom<TipSplit>({ mode: 'proportional' }, { mode: 'even' }),
        (tip, tipLines, split) => {
          const result = splitTip(tip, tipLines, split);
          const total =
            Object.values(result.shares).reduce((a, b) => a + b, 0) + result.unassignedCents;
          expect(total).toBe(tip);
          expect(Object.values(result.shares).every((c) => c >= 0)).toBe(true);
        },
      ),
    );
  });
});
