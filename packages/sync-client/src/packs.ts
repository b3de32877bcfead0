import { Dexie, type Table } from 'dexie';
import {
  encodeIndexValue,
  indexedFields,
  indexKeys,
  keyString,
  type IndexKey,
  type PackKey,
  type PackRecord,
  type PackedRow,
  type RowData,
  type RowKey,
  type ViewRecord,
} from './local-db';

/**
 * Rows per pack. A pack is read whole when one of its rows is (a `get`, a query that matches
 * it), so it stays small enough to read in a few milliseconds (250 tickets ≈ 200 KB) while a
 * first sync writes a few hundred records instead of a quarter of a million
 * (tools/bench/idb-batches.ts, docs/PERFORMANCE.md session 10).
 */
export const PACK_ROWS = 250;

/** A stored row as the readers see it (view or pack). */
export interface StoredRow {
  e: string;
  id: string;
  d: RowData;
}

/** A query on one entity: equality filters and one half-open range (`ListQuery` untyped). */
export interface QuerySpec {
  where?: Record<string, unknown>;
  range?: { field: string; gte?: string | number; lt?: string | number };
}

/** The exact semantics of a query on one row (the index only narrows the candidates). */
export function matchesQuery(data: RowData, q: QuerySpec): boolean {
  if (q.where) {
    for (const [field, expected] of Object.entries(q.where)) {
      const actual = data[field];
      if (expected === null) {
        if (actual !== null && actual !== undefined) return false;
      } else if (expected !== undefined && actual !== expected) return false;
    }
  }
  if (q.range) {
    const v = data[q.range.field];
    if (typeof v !== 'string' && typeof v !== 'number') return false;
    const { gte, lt } = q.range;
    if (gte !== undefined && (typeof gte !== typeof v || v < gte)) return false;
    if (lt !== undefined && (typeof lt !== typeof v || v >= lt)) return false;
  }
  return true;
}

/**
 * How a query narrows its candidates in an `ix` index (the view's or the packs'): by its range
 * field, else by its first indexed equality, else not at all (every row of the entity).
 */
export type IndexPlan =
  | { kind: 'range'; lower: unknown[]; upper: unknown[] }
  | { kind: 'equals'; key: IndexKey }
  | { kind: 'all' };

export function indexPlan(entity: string, q: QuerySpec): IndexPlan {
  const fields = indexedFields(entity);
  const range = q.range;
  if (range && fields.includes(range.field)) {
    return {
      kind: 'range',
      lower: [entity, range.field, range.gte ?? -Infinity],
      upper: [entity, range.field, range.lt ?? []],
    };
  }
  const eq = Object.entries(q.where ?? {}).find(
    ([f, v]) => fields.includes(f) && v !== undefined && encodeIndexValue(v) !== undefined,
  );
  if (eq) {
    const [field, value] = eq;
    return {
      kind: 'equals',
      key: [entity, field, encodeIndexValue(value) as string | number | never[]],
    };
  }
  return { kind: 'all' };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The distinct index keys of some rows of one entity (IndexedDB would drop duplicates too). */
function packIndexKeys(entity: string, rows: readonly PackedRow[]): IndexKey[] {
  const seen = new Map<string, IndexKey>();
  for (const r of rows) {
    for (const k of indexKeys(entity, r.d)) {
      seen.set(`${k[1]}\u0000${typeof k[2]}\u0000${String(k[2])}`, k);
    }
  }
  return [...seen.values()];
}

/** A pack of `rows` (sorted by id, not empty) owning [lo, hi]. */
function packRecord(entity: string, rows: PackedRow[], lo: string, hi: string): PackRecord {
  let g = Infinity;
  for (const r of rows) g = Math.min(g, r.g);
  return { e: entity, lo, hi, g, ix: packIndexKeys(entity, rows), rows };
}

const packKeyString = ([e, lo, hi]: PackKey) => `${e}\u0000${lo}\u0000${hi}`;

/** The keys of an entity's packs, in id order (keys only: no pack is read). */
export function packKeysOf(pack: Table<PackRecord, PackKey>, entity: string): Promise<PackKey[]> {
  return pack
    .where('[e+lo+hi]')
    .between([entity, Dexie.minKey, Dexie.minKey], [entity, Dexie.maxKey, Dexie.maxKey])
    .primaryKeys();
}

/** The pack among `keys` (sorted, disjoint) whose range holds `id`. */
function owner(keys: readonly PackKey[], id: string): PackKey | undefined {
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = keys[mid]!;
    if (id < k[1]) hi = mid - 1;
    else if (id > k[2]) lo = mid + 1;
    else return k;
  }
  return undefined;
}

function findRow(rec: PackRecord, id: string): PackedRow | undefined {
  let lo = 0;
  let hi = rec.rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = rec.rows[mid]!;
    if (r.id === id) return r;
    if (r.id < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** The packed row `entity`/`id`, if a pack holds it. */
export async function getPacked(
  pack: Table<PackRecord, PackKey>,
  entity: string,
  id: string,
): Promise<PackedRow | undefined> {
  // The pack with the greatest lo ≤ id is the only one that may own it.
  const [key] = await pack
    .where('[e+lo+hi]')
    .between([entity, Dexie.minKey, Dexie.minKey], [entity, id, Dexie.maxKey], true, true)
    .reverse()
    .limit(1)
    .primaryKeys();
  if (!key || key[2] < id) return undefined;
  const rec = await pack.get(key);
  return rec ? findRow(rec, id) : undefined;
}

/** Packed rows of `entity` that answer `q` (unsorted). */
export async function queryPacked(
  pack: Table<PackRecord, PackKey>,
  entity: string,
  q: QuerySpec,
): Promise<StoredRow[]> {
  const plan = indexPlan(entity, q);
  let recs: (PackRecord | undefined)[];
  if (plan.kind === 'all') {
    recs = await pack
      .where('[e+lo+hi]')
      .between([entity, Dexie.minKey, Dexie.minKey], [entity, Dexie.maxKey, Dexie.maxKey])
      .toArray();
  } else {
    const where = pack.where('ix');
    const hits =
      plan.kind === 'range'
        ? where.between(plan.lower, plan.upper, true, false)
        : where.equals(plan.key);
    // A pack is listed once per matching key of its rows: read each once.
    const keys = new Map((await hits.primaryKeys()).map((k) => [packKeyString(k), k]));
    if (keys.size === 0) return [];
    recs = await pack.bulkGet([...keys.values()]);
  }
  const out: StoredRow[] = [];
  for (const rec of recs) {
    if (!rec || rec.e !== entity) continue;
    for (const r of rec.rows) if (matchesQuery(r.d, q)) out.push({ e: entity, id: r.id, d: r.d });
  }
  return out;
}

/** The packed rows of `entity` whose `field` is one of `values` (a parent's children). */
export async function packedWithAny(
  pack: Table<PackRecord, PackKey>,
  entity: string,
  field: string,
  values: readonly string[],
): Promise<StoredRow[]> {
  if (values.length === 0) return [];
  const keys = await pack
    .where('ix')
    .anyOf(values.map((v) => [entity, field, v]))
    .primaryKeys();
  const unique = new Map(keys.map((k) => [packKeyString(k), k]));
  if (unique.size === 0) return [];
  const wanted = new Set(values);
  const out: StoredRow[] = [];
  for (const rec of await pack.bulkGet([...unique.values()])) {
    if (!rec || rec.e !== entity) continue;
    for (const r of rec.rows) {
      const v = r.d[field];
      if (typeof v === 'string' && wanted.has(v)) out.push({ e: entity, id: r.id, d: r.d });
    }
  }
  return out;
}

/**
 * Takes `keys` out of the packs that hold them (a row about to be written to the view, or
 * deleted) and returns those rows by `keyString`. A pack keeps its range when rows leave it (so
 * the packs stay disjoint) and is deleted when it is empty. Inside a read-write transaction
 * over `pack`.
 */
export async function unpackRows(
  pack: Table<PackRecord, PackKey>,
  keys: readonly RowKey[],
): Promise<Map<string, PackedRow>> {
  const taken = new Map<string, PackedRow>();
  if (keys.length === 0) return taken;
  const byEntity = new Map<string, string[]>();
  for (const [e, id] of keys) byEntity.set(e, [...(byEntity.get(e) ?? []), id]);
  for (const [entity, ids] of byEntity) {
    const packKeys = await packKeysOf(pack, entity);
    if (packKeys.length === 0) continue;
    const byPack = new Map<string, { key: PackKey; ids: Set<string> }>();
    for (const id of ids) {
      const key = owner(packKeys, id);
      if (!key) continue;
      const s = packKeyString(key);
      const entry = byPack.get(s) ?? { key, ids: new Set<string>() };
      entry.ids.add(id);
      byPack.set(s, entry);
    }
    if (byPack.size === 0) continue;
    const entries = [...byPack.values()];
    const recs = await pack.bulkGet(entries.map((x) => x.key));
    const puts: PackRecord[] = [];
    const dels: PackKey[] = [];
    recs.forEach((rec, i) => {
      const { key, ids: leaving } = entries[i]!;
      if (!rec) return;
      const kept: PackedRow[] = [];
      for (const r of rec.rows) {
        if (leaving.has(r.id)) taken.set(keyString(entity, r.id), r);
        else kept.push(r);
      }
      if (kept.length === rec.rows.length) return;
      if (kept.length === 0) dels.push(key);
      else puts.push(packRecord(entity, kept, rec.lo, rec.hi));
    });
    if (dels.length > 0) await pack.bulkDelete(dels);
    if (puts.length > 0) await pack.bulkPut(puts);
  }
  return taken;
}

/**
 * Writes pulled rows of one entity into packs. The view must not hold them (a key lives in one
 * place): view rows with these keys (sent earlier with the essentials, or by an older
 * generation) are deleted. Packs overlapping the new rows' range (a resumed snapshot sending a
 * chunk again, a re-hydration) are merged with them, the new rows winning, and split again, so
 * an entity's packs stay disjoint. Rows a pending mutation touched must not come here (they go
 * to their shadows). Inside a read-write transaction over `view` and `pack`.
 */
export async function putPacked(
  view: Table<ViewRecord, RowKey>,
  pack: Table<PackRecord, PackKey>,
  entity: string,
  rows: readonly PackedRow[],
  packRows = PACK_ROWS,
): Promise<void> {
  if (rows.length === 0) return;
  const fresh = new Map(rows.map((r) => [r.id, r]));
  const inView = await view
    .where('[e+id]')
    .anyOf([...fresh.keys()].map((id) => [entity, id]))
    .primaryKeys();
  if (inView.length > 0) await view.bulkDelete(inView);
  const sorted = [...fresh.values()].sort(byId);
  let lo = sorted[0]!.id;
  let hi = sorted.at(-1)!.id;
  const overlapping = (await packKeysOf(pack, entity)).filter(([, l, h]) => l <= hi && h >= lo);
  let all = sorted;
  if (overlapping.length > 0) {
    const merged = new Map<string, PackedRow>();
    for (const rec of await pack.bulkGet(overlapping)) {
      if (!rec) continue;
      lo = rec.lo < lo ? rec.lo : lo;
      hi = rec.hi > hi ? rec.hi : hi;
      for (const r of rec.rows) merged.set(r.id, r);
    }
    for (const r of sorted) merged.set(r.id, r);
    all = [...merged.values()].sort(byId);
    await pack.bulkDelete(overlapping);
  }
  const recs: PackRecord[] = [];
  for (let i = 0; i < all.length; i += packRows) {
    const part = all.slice(i, i + packRows);
    // The first pack owns from the old range's start, the last to its end: no id between two
    // packs' ranges can be held by a third.
    const from = i === 0 ? lo : part[0]!.id;
    const to = i + packRows >= all.length ? hi : part.at(-1)!.id;
    recs.push(packRecord(entity, part, from, to));
  }
  await pack.bulkPut(recs);
}

/**
 * The end of a re-hydration: packed rows of older generations are gone from the server. Reads
 * the packs holding any (a few at a time) and rewrites or deletes them. A row a pending mutation
 * touched is never in a pack. Inside a read-write transaction over `pack`.
 */
export async function sweepPacks(
  pack: Table<PackRecord, PackKey>,
  generation: number,
): Promise<void> {
  const keys = await pack.where('g').below(generation).primaryKeys();
  for (let i = 0; i < keys.length; i += 20) {
    const recs = await pack.bulkGet(keys.slice(i, i + 20));
    const puts: PackRecord[] = [];
    const dels: PackKey[] = [];
    for (const rec of recs) {
      if (!rec) continue;
      const kept = rec.rows.filter((r) => r.g >= generation);
      if (kept.length === 0) dels.push([rec.e, rec.lo, rec.hi]);
      else puts.push(packRecord(rec.e, kept, rec.lo, rec.hi));
    }
    if (dels.length > 0) await pack.bulkDelete(dels);
    if (puts.length > 0) await pack.bulkPut(puts);
  }
}

/**
 * Rewrites packs of `entity` without the rows `drop` chooses (retention): `keys` are the packs
 * to look at. Returns the rows removed. Inside a read-write transaction over `pack`.
 */
export async function dropPackedRows(
  pack: Table<PackRecord, PackKey>,
  keys: readonly PackKey[],
  drop: (row: PackedRow) => boolean,
): Promise<PackedRow[]> {
  const dropped: PackedRow[] = [];
  const puts: PackRecord[] = [];
  const dels: PackKey[] = [];
  for (const rec of await pack.bulkGet([...keys])) {
    if (!rec) continue;
    const kept: PackedRow[] = [];
    for (const r of rec.rows) (drop(r) ? dropped : kept).push(r);
    if (kept.length === rec.rows.length) continue;
    if (kept.length === 0) dels.push([rec.e, rec.lo, rec.hi]);
    else puts.push(packRecord(rec.e, kept, rec.lo, rec.hi));
  }
  if (dels.length > 0) await pack.bulkDelete(dels);
  if (puts.length > 0) await pack.bulkPut(puts);
  return dropped;
}
