/**
 * A push's audit records as push_audit stores them (migration 0029): each change without the
 * images the record repeats. `mango_audit_mutations` (SQL, read through the `mutation_audit`
 * view) gives back every image exactly; `expandAudit` below is the same rule in TypeScript, for
 * tests and tools that hold a stored record.
 *
 * - `before` is left out when it is the after image of the same row's previous change in this
 *   record (a row several mutations of one push write);
 * - an update (before and after both rows) keeps `set` (top-level fields whose value changed or
 *   is new) and `unset` (fields it dropped) instead of `after`.
 */
import type { RowChange } from './push-overlay';

type Row = Record<string, unknown>;

/** One change as stored. */
export interface StoredChange {
  entity: string;
  id: string;
  before?: Row | null;
  after?: Row | null;
  set?: Row;
  unset?: string[];
}

// Ids as the changes spell them (SQL does the same): a row named in two spellings keeps both
// images, which costs bytes, never an image.
const keyOf = (entity: string, id: string) => `${entity}:${id}`;

/**
 * Equal as JSON: what JSON.stringify then jsonb would make of them (an `undefined` field is no
 * field; key order does not count). Primitives and shared objects are compared first, so a row
 * copied from the last one costs a walk of its fields only.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    // JSON.stringify writes an undefined element as null.
    return a.every((v, i) => sameJson(v ?? null, b[i] ?? null));
  }
  const ra = a as Row;
  const rb = b as Row;
  const keysA = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const keysB = Object.keys(rb).filter((k) => rb[k] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.hasOwn(rb, k) && sameJson(ra[k], rb[k]));
}

/** A row's own field (never the prototype's, whatever its name: "__proto__" included). */
const field = (row: Row, k: string): unknown => (Object.hasOwn(row, k) ? row[k] : undefined);

/** The fields an update changed, as `set` and `unset`. */
function difference(before: Row, after: Row): { set: Row; unset: string[] } {
  // fromEntries: an own "__proto__" field stays a field (an assignment would set the prototype).
  const set: Row = Object.fromEntries(
    Object.entries(after).filter(([k, v]) => v !== undefined && !sameJson(field(before, k), v)),
  );
  const unset = Object.keys(before).filter(
    (k) => before[k] !== undefined && field(after, k) === undefined,
  );
  return { set, unset };
}

/** A push's records with each change compacted (records keep every other field). */
export function compactAudit<M extends { changes: readonly RowChange[] }>(
  mutations: readonly M[],
): (Omit<M, 'changes'> & { changes: StoredChange[] })[] {
  const lastAfter = new Map<string, Row | null>();
  return mutations.map((m) => ({
    ...m,
    changes: m.changes.map((c) => {
      const key = keyOf(c.entity, c.id);
      const stored: StoredChange = { entity: c.entity, id: c.id };
      const previous = lastAfter.get(key);
      if (previous === undefined || !sameJson(previous, c.before)) stored.before = c.before;
      if (c.before !== null && c.after !== null) {
        const { set, unset } = difference(c.before, c.after);
        if (Object.keys(set).length > 0) stored.set = set;
        if (unset.length > 0) stored.unset = unset;
      } else {
        stored.after = c.after;
      }
      lastAfter.set(key, c.after);
      return stored;
    }),
  }));
}

/** The records with every change's before and after (what `mango_audit_mutations` returns). */
export function expandAudit<M extends { changes: readonly StoredChange[] }>(
  mutations: readonly M[],
): (Omit<M, 'changes'> & {
  changes: { entity: string; id: string; before: Row | null; after: Row | null }[];
})[] {
  const lastAfter = new Map<string, Row | null>();
  return mutations.map((m) => ({
    ...m,
    changes: m.changes.map((c) => {
      const key = keyOf(c.entity, c.id);
      const before = 'before' in c ? (c.before ?? null) : (lastAfter.get(key) ?? null);
      let after: Row | null;
      if ('after' in c) after = c.after ?? null;
      else {
        after = { ...before, ...c.set };
        for (const k of c.unset ?? []) delete after[k];
      }
      lastAfter.set(key, after);
      return { entity: c.entity, id: c.id, before, after };
    }),
  }));
}
