import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from './errors';
import {
  manualSplitDifference,
  splitTip,
  ticketTipShares,
  tipRecipients,
  tipSplitLabel,
  type TipLineInput,
  type TipSplit,
} from './tips';

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

  it('adds up to the tip exactly in every mode, a manual split included, and refuses any other manual total', () => {
    const staffIds = ['s1', 's2', 's3', 's4'];
    const tipLines = fc.array(
      fc.record({
        kind: fc.constantFrom('service' as const, 'product' as const, 'gift_card' as const),
        staffId: fc.option(fc.constantFrom(...staffIds), { nil: null }),
        lineTotalCents: fc.integer({ min: 0, max: 100_000 }),
      }),
      { maxLength: 8 },
    );
    // A manual split is the shares a person typed: the tip is whatever they add up to.
    const manual = fc
      .dictionary(fc.constantFrom(...staffIds), fc.integer({ min: 0, max: 250_000 }))
      .map((shares) => ({
        tip: Object.values(shares).reduce((a, b) => a + b, 0),
        split: { mode: 'manual' as const, shares },
      }));
    const computed = fc.record({
      tip: fc.integer({ min: 0, max: 1_000_000 }),
      split: fc.constantFrom<TipSplit>({ mode: 'proportional' }, { mode: 'even' }),
    });
    fc.assert(
      fc.property(
        fc.oneof(manual, computed),
        tipLines,
        fc.integer({ min: -500, max: 500 }).filter((d) => d !== 0),
        ({ tip, split }, lines, off) => {
          const result = splitTip(tip, lines, split);
          const shares = Object.values(result.shares);
          expect(shares.reduce((a, b) => a + b, 0) + result.unassignedCents).toBe(tip);
          expect(shares.every((c) => Number.isSafeInteger(c) && c >= 0)).toBe(true);
          if (split.mode === 'manual') {
            expect(result.unassignedCents).toBe(0);
            expect(manualSplitDifference(tip, split.shares)).toBe(0);
            // The same shares against any other tip: refused, with what they add up to.
            if (tip + off >= 0) {
              expect(manualSplitDifference(tip + off, split.shares)).toBe(off);
              expect(() => splitTip(tip + off, lines, split)).toThrow(
                expect.objectContaining({
                  code: 'TIP_SPLIT_MISMATCH',
                  details: { tipCents: tip + off, sharesTotal: tip },
                }),
              );
            }
          }
        },
      ),
    );
  });
});

describe('tip split helpers', () => {
  const lines: TipLineInput[] = [
    { kind: 'service', staffId: B, lineTotalCents: 3000 },
    { kind: 'service', staffId: A, lineTotalCents: 1000 },
    { kind: 'product', staffId: C, lineTotalCents: 5000 },
    { kind: 'service', staffId: B, lineTotalCents: 500 },
    { kind: 'product', lineTotalCents: 200 },
  ];

  it('offers a manual share to everyone on the ticket, once, in id order', () => {
    expect(tipRecipients(lines)).toEqual([A, B, C]);
    expect(tipRecipients([])).toEqual([]);
  });

  it('tells how far manual shares are from the tip, or null for a share that is not cents', () => {
    expect(manualSplitDifference(1000, { [A]: 600, [B]: 400 })).toBe(0);
    expect(manualSplitDifference(1000, { [A]: 600, [B]: 300 })).toBe(100);
    expect(manualSplitDifference(1000, { [A]: 600, [B]: 500 })).toBe(-100);
    expect(manualSplitDifference(1000, { [A]: 600.5, [B]: 400 })).toBeNull();
    expect(manualSplitDifference(1000, { [A]: -1, [B]: 1001 })).toBeNull();
  });

  it('names each mode, proportional by default', () => {
    expect(tipSplitLabel(undefined)).toBe('Proportional');
    expect(tipSplitLabel({ mode: 'proportional' })).toBe('Proportional');
    expect(tipSplitLabel({ mode: 'even' })).toBe('Even');
    expect(tipSplitLabel({ mode: 'manual', shares: {} })).toBe('Manual');
  });

  it("gives an open ticket's current split, a closed ticket's fixed one, and null for a stale manual split", () => {
    const open = { status: 'open' as const, tipCents: 1000 };
    expect(ticketTipShares({ ...open, tipSplit: { mode: 'even' } }, lines)?.shares).toEqual({
      [A]: 500,
      [B]: 500,
    });
    expect(
      ticketTipShares(
        { ...open, tipSplit: { mode: 'manual', shares: { [A]: 100, [C]: 900 } } },
        lines,
      )?.shares,
    ).toEqual({ [A]: 100, [C]: 900 });
    // Another tip came in after the split was typed: the shares no longer add up.
    expect(
      ticketTipShares(
        { ...open, tipCents: 1500, tipSplit: { mode: 'manual', shares: { [A]: 100, [C]: 900 } } },
        lines,
      ),
    ).toBeNull();
    expect(
      ticketTipShares(
        { status: 'closed', tipCents: 1000, tipSplit: { mode: 'even' }, tipShares: { [C]: 1000 } },
        lines,
      ),
    ).toEqual({ shares: { [C]: 1000 }, unassignedCents: 0 });
    expect(ticketTipShares({ status: 'closed', tipCents: 700, tipShares: {} }, [])).toEqual({
      shares: {},
      unassignedCents: 700,
    });
  });
});
