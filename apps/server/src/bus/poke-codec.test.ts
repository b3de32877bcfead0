import fc from 'fast-check';
import type { PokeDelta } from '@mango/protocol';
import { describe, expect, it } from 'vitest';
import { decodePoke, encodePoke } from './redis-bus';

const change = fc.record({
  entity: fc.constantFrom('client', 'ticket', 'store'),
  id: fc.uuid(),
  version: fc.integer({ min: 1, max: 1_000_000 }),
  deleted: fc.boolean(),
  data: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: null }),
});
const delta = fc
  .record({
    from: fc.integer({ min: 1, max: 1_000_000 }),
    span: fc.integer({ min: 0, max: 50 }),
    epoch: fc.uuid(),
    changes: fc.array(change, { maxLength: 5 }),
  })
  .map(({ from, span, epoch, changes }): PokeDelta => ({ from, to: from + span, epoch, changes }));

describe('Redis poke messages', () => {
  it('a poke with a delta reads back as published (JSON)', () => {
    fc.assert(
      fc.property(delta, (d) => {
        expect(decodePoke(encodePoke(d.to, d))).toEqual(
          JSON.parse(JSON.stringify({ version: d.to, delta: d })),
        );
      }),
    );
  });

  it('a bare version (what the previous release publishes) reads back as a version alone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (v) => {
        expect(encodePoke(v)).toBe(String(v));
        expect(decodePoke(String(v))).toEqual({ version: v });
      }),
    );
  });

  it('a delta that is not the version’s is dropped (the poke stays); garbage is no poke', () => {
    const d: PokeDelta = { from: 3, to: 4, epoch: 'e', changes: [] };
    expect(decodePoke(JSON.stringify({ version: 5, delta: d }))).toEqual({ version: 5 });
    expect(decodePoke(JSON.stringify({ version: 4, delta: { ...d, changes: 'x' } }))).toEqual({
      version: 4,
    });
    for (const junk of ['', ' ', 'abc', '-1', '1.5', '{', 'null', '{"version":"4"}', '[4]']) {
      expect(decodePoke(junk), junk).toBeNull();
    }
  });
});
