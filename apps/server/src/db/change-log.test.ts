import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANGE_LOG_ENTRIES, entitiesChangedSince, type ChangeLogEntry } from './change-log';

describe('entitiesChangedSince', () => {
  const log: ChangeLogEntry[] = [
    { from: 1, to: 3, entities: ['client', 'store'] },
    { from: 4, to: 4, entities: ['ticket', 'ticketLine'] },
    { from: 5, to: 9, entities: ['payment', 'ticket'] },
  ];

  it('names the entities of the versions after the cursor, the store first', () => {
    const all = entitiesChangedSince(log, 0, 9);
    expect(all?.[0]).toBe('store');
    expect(new Set(all)).toEqual(new Set(['store', 'client', 'ticket', 'ticketLine', 'payment']));
    expect(new Set(entitiesChangedSince(log.slice(1), 3, 9))).toEqual(
      new Set(['ticket', 'ticketLine', 'payment']),
    );
  });

  it('counts an entry the cursor falls inside', () => {
    expect(entitiesChangedSince(log.slice(2), 6, 9)?.sort()).toEqual(['payment', 'ticket']);
  });

  it('gives up (read every table) on a version without an entry', () => {
    // Version 4 was issued by something else than a push (an admin tool, a seed).
    expect(entitiesChangedSince([log[0]!, log[2]!], 0, 9)).toBeNull();
    // The last versions have no entry.
    expect(entitiesChangedSince(log, 0, 10)).toBeNull();
    // Nothing read at all.
    expect(entitiesChangedSince([], 3, 9)).toBeNull();
  });

  it('gives up on an entity this server does not know, and on a full read of the log', () => {
    expect(entitiesChangedSince([{ from: 1, to: 1, entities: ['hologram'] }], 0, 1)).toBeNull();
    const many = Array.from({ length: CHANGE_LOG_ENTRIES }, (_, i) => ({
      from: i + 1,
      to: i + 1,
      entities: ['client'],
    }));
    expect(entitiesChangedSince(many, 0, CHANGE_LOG_ENTRIES)).toBeNull();
  });

  it('never leaves out an entity written after the cursor (property)', () => {
    // A store's history: versions 1..n, each written by a push (logged) or something else.
    const step = fc.record({
      size: fc.integer({ min: 1, max: 4 }),
      logged: fc.boolean(),
      entities: fc.subarray(['client', 'ticket', 'payment', 'store', 'staff'], { minLength: 1 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), fc.nat(40), (steps, c) => {
        const entries: ChangeLogEntry[] = [];
        const writtenAt = new Map<number, string[]>();
        let version = 0;
        for (const s of steps) {
          const from = version + 1;
          version += s.size;
          for (let v = from; v <= version; v++) writtenAt.set(v, s.entities);
          if (s.logged) entries.push({ from, to: version, entities: s.entities });
        }
        const cursor = Math.min(c, version);
        const after = entries.filter((e) => e.to > cursor);
        const named = entitiesChangedSince(after, cursor, version);
        const allLogged = steps.every((s) => s.logged);
        if (allLogged && cursor < version) expect(named).not.toBeNull();
        if (named === null) return; // reads every table: always right
        for (let v = cursor + 1; v <= version; v++) {
          for (const e of writtenAt.get(v) ?? []) expect(named).toContain(e);
        }
      }),
    );
  });
});
