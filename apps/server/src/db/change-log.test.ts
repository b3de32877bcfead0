import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHANGE_LOG_ENTRIES,
  entitiesChangedSince,
  keyedPage,
  type ChangeLogEntry,
} from './change-log';

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

describe('keyedPage', () => {
  /** An entry as a push writes it (migration 0027): ids grouped by entity, with their counts. */
  const entry = (from: number, to: number, rows: Record<string, string[]>): ChangeLogEntry => {
    const entities = Object.keys(rows).sort();
    return {
      from,
      to,
      entities,
      ids: entities.flatMap((e) => rows[e]!),
      counts: entities.map((e) => rows[e]!.length),
    };
  };
  const log = [
    entry(1, 3, { client: ['c1', 'c2'], store: ['s'] }),
    entry(4, 4, { ticket: ['t1'], ticketLine: ['l1', 'l2'] }),
    entry(5, 9, { payment: ['p1'], ticket: ['t1'] }),
  ];
  const keysOf = (page: ReturnType<typeof keyedPage>) =>
    page && Object.fromEntries([...page.keys].map(([e, ids]) => [e, [...ids].sort()]));

  it('names the rows of the versions after the cursor, once each, the store first', () => {
    const page = keyedPage(log, 0, 9, 100);
    expect(page?.upTo).toBe(9);
    expect(page?.hasMore).toBe(false);
    expect([...(page?.keys.keys() ?? [])][0]).toBe('store');
    expect(keysOf(page)).toEqual({
      store: ['s'],
      client: ['c1', 'c2'],
      ticket: ['t1'],
      ticketLine: ['l1', 'l2'],
      payment: ['p1'],
    });
    expect(keysOf(keyedPage(log, 3, 9, 100))).toEqual({
      ticket: ['t1'],
      ticketLine: ['l1', 'l2'],
      payment: ['p1'],
    });
  });

  it('counts an entry the cursor falls inside (the rows are filtered by version)', () => {
    expect(keysOf(keyedPage(log, 6, 9, 100))).toEqual({ payment: ['p1'], ticket: ['t1'] });
  });

  it('ends a page at an entry boundary within the limit, and takes a big entry whole', () => {
    const first = keyedPage(log, 0, 9, 4);
    expect(first).toMatchObject({ upTo: 3, hasMore: true });
    const second = keyedPage(log, 3, 9, 4);
    expect(second).toMatchObject({ upTo: 4, hasMore: true });
    expect(keyedPage(log, 0, 9, 1)).toMatchObject({ upTo: 3, hasMore: true }); // 3 ids > 1
  });

  it('stops before a version without a keyed entry; null when that is the first one', () => {
    // Version 4 was written by something else than a push (no entry).
    expect(keyedPage([log[0]!, log[2]!], 0, 9, 100)).toMatchObject({ upTo: 3, hasMore: true });
    expect(keyedPage([log[0]!, log[2]!], 3, 9, 100)).toBeNull();
    // The last versions have no entry.
    expect(keyedPage(log, 0, 10, 100)).toMatchObject({ upTo: 9, hasMore: true });
    expect(keyedPage(log, 9, 10, 100)).toBeNull();
    // An entry from before migration 0027 (no ids), or ids that do not match their counts.
    const unkeyed = { from: 1, to: 3, entities: ['client'] };
    expect(keyedPage([unkeyed, ...log.slice(1)], 0, 9, 100)).toBeNull();
    const broken = { ...log[0]!, counts: [1, 1] };
    expect(keyedPage([broken], 0, 3, 100)).toBeNull();
    expect(keyedPage([entry(1, 1, { hologram: ['h'] })], 0, 1, 100)).toBeNull();
  });

  it('pages through every row written after the cursor, each at or after its last write (property)', () => {
    const step = fc.record({
      size: fc.integer({ min: 1, max: 3 }),
      logged: fc.boolean(),
      rows: fc.array(fc.constantFrom('client:a', 'client:b', 'ticket:t', 'payment:p'), {
        minLength: 1,
        maxLength: 3,
      }),
    });
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.nat(30),
        fc.integer({ min: 1, max: 5 }),
        (steps, c, limit) => {
          const entries: ChangeLogEntry[] = [];
          const lastWrite = new Map<string, number>(); // row → version of its last write
          let version = 0;
          for (const s of steps) {
            const from = version + 1;
            version += s.size;
            const rows: Record<string, string[]> = {};
            for (const r of new Set(s.rows)) {
              const [e, id] = r.split(':') as [string, string];
              (rows[e] ??= []).push(id);
              lastWrite.set(r, version);
            }
            if (s.logged) entries.push(entry(from, version, rows));
          }
          let cursor = Math.min(c, version);
          const seen = new Map<string, number>(); // row → upTo of the page that named it
          for (;;) {
            const page = keyedPage(entries, cursor, version, limit);
            if (!page) break; // the tables are read from here on: always right
            expect(page.upTo).toBeGreaterThan(cursor);
            for (const [e, ids] of page.keys)
              for (const id of ids) seen.set(`${e}:${id}`, page.upTo);
            cursor = page.upTo;
            if (!page.hasMore) {
              expect(cursor).toBe(version);
              break;
            }
          }
          // Every row whose last write the keyed pages passed was named by a page that did.
          for (const [row, v] of lastWrite) {
            if (v > Math.min(c, version) && v <= cursor) {
              expect(seen.get(row) ?? 0).toBeGreaterThanOrEqual(v);
            }
          }
          if (steps.every((s) => s.logged)) expect(cursor).toBe(version);
        },
      ),
    );
  });
});
