/**
 * The compacted audit record (audit-record.ts, migration 0029): expanding what is stored must
 * give back every change's before and after exactly as JSON (what the record held before 0029),
 * and what is stored must leave out the images the record repeats.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactAudit, expandAudit, sameJson } from './audit-record';
import { auditRecords } from '../test-support/audit-records';

/** What JSON.stringify and jsonb make of a value. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('compacted audit records', () => {
  it('give back every before and after image exactly', () => {
    fc.assert(
      fc.property(auditRecords, (records) => {
        const stored = asJson(compactAudit(records)) as ReturnType<typeof compactAudit>;
        expect(asJson(expandAudit(stored))).toEqual(asJson(records));
      }),
      { numRuns: 500 },
    );
  });

  it('leave out a before that is the previous after, and an update’s unchanged fields', () => {
    const t = 'ticket' as const;
    const opened = { id: 'T', status: 'open', lines: [], totalCents: 0, notes: 'window' };
    const lined = { ...opened, lines: ['L'], totalCents: 4000 };
    const closed = { ...lined, status: 'closed', notes: undefined };
    const stored = compactAudit([
      { id: 1, changes: [{ entity: t, id: 'T', before: null, after: opened }] },
      { id: 2, changes: [{ entity: t, id: 'T', before: opened, after: lined }] },
      { id: 3, changes: [{ entity: t, id: 'T', before: { ...lined }, after: closed }] },
    ]);
    expect(stored.map((m) => m.changes[0])).toEqual([
      { entity: t, id: 'T', before: null, after: opened },
      { entity: t, id: 'T', set: { lines: ['L'], totalCents: 4000 } },
      { entity: t, id: 'T', set: { status: 'closed' }, unset: ['notes'] },
    ]);
  });

  it('keep a before that differs from the previous after', () => {
    const stored = compactAudit([
      { id: 1, changes: [{ entity: 'client', id: 'C', before: null, after: { id: 'C', n: 1 } }] },
      {
        id: 2,
        changes: [
          { entity: 'client', id: 'C', before: { id: 'C', n: 2 }, after: { id: 'C', n: 3 } },
        ],
      },
    ]);
    expect(stored[1]!.changes[0]).toEqual({
      entity: 'client',
      id: 'C',
      before: { id: 'C', n: 2 },
      set: { n: 3 },
    });
  });

  it('compare values as JSON', () => {
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } })).toBe(true);
    expect(sameJson([1, undefined], [1, null])).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameJson({ a: [1, 2] }, { a: [1] })).toBe(false);
    expect(sameJson({ a: '1' }, { a: 1 })).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson([], {})).toBe(false);
  });
});
