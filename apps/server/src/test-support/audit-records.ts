/**
 * Random audit records of one push (fast-check), for the compacted audit's tests
 * (sync/audit-record.test.ts, sync/audit-record.pg.test.ts).
 */
import fc from 'fast-check';
import type { EntityName } from '@mango/domain';
import type { RowChange } from '../sync/push-overlay';

type Row = Record<string, unknown> & { id: string };

/** JSON values jsonb keeps as they are (no \u0000; integers, so no number spelling matters). */
export const jsonValue = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 6 }).filter((s) => !s.includes('\u0000')),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('x', 'y'), fc.oneof(fc.integer(), fc.constant(undefined))),
  fc.constant(undefined),
);
const fieldName = fc.constantFrom('a', 'b', 'notes', 'status', 'total', '__proto__');

/**
 * Records of one push as the overlay makes them: a few rows (ids in two spellings) each written
 * by several mutations, mostly starting from the row's last after image (as the overlay does),
 * sometimes from anything (the record must not depend on it), deleted and re-created.
 */
export const auditRecords = fc
  .array(
    fc.array(
      fc.record({
        row: fc.constantFrom('A', 'b', 'a'),
        entity: fc.constantFrom<EntityName>('ticket', 'client'),
        fromLast: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
        anyBefore: fc.option(fc.dictionary(fieldName, jsonValue, { maxKeys: 4 })),
        edits: fc.array(fc.tuple(fieldName, jsonValue), { maxLength: 3 }),
        drops: fc.array(fieldName, { maxLength: 2 }),
        deleted: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      }),
      { maxLength: 4 },
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((mutations) => {
    const last = new Map<string, Row | null>();
    return mutations.map((changes, i) => ({
      id: i + 1,
      name: 'test.mutation',
      args: { i },
      changes: changes.map((c): RowChange => {
        const key = `${c.entity}:${c.row}`;
        const start = c.fromLast
          ? (last.get(key) ?? null)
          : c.anyBefore && { ...c.anyBefore, id: c.row };
        let after: Row | null = null;
        if (!c.deleted) {
          after = { ...start, id: c.row };
          for (const [k, v] of c.edits)
            Object.defineProperty(after, k, {
              value: v,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          for (const k of c.drops) delete after[k];
        }
        last.set(key, after);
        return { entity: c.entity, id: c.row, before: start, after };
      }),
    }));
  });
