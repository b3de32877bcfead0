import { Dexie, type Table } from 'dexie';
import {
  encodeIndexValue,
  indexedFields,
  keyString,
  packIndexKeys,
  packKeysMonth,
  packKeyValue,
  postedFields,
  postingPages,
  postingsOf,
  type PostingKey,
  type PostingRecord,
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
 * field, else by its first indexed equality, else not at all (every row of the entity). On the
 * packs' side a PACK_MONTH_FIELDS field is keyed by its month: the plan takes the months the
 * query covers (a superset; the rows are filtered exactly after).
 */
export type IndexPlan =
  | { kind: 'range'; lower: unknown[]; upper: unknown[]; upperOpen: boolean }
  | { kind: 'equals'; key: IndexKey }
  /** Packs only: a PACK_POSTED_FIELDS field equal to a string, found through the postings. */
  | { kind: 'posted'; field: string; value: string }
  | { kind: 'all' };

export function indexPlan(entity: string, q: QuerySpec, side: 'view' | 'pack' = 'view'): IndexPlan {
  const fields = indexedFields(entity);
  const range = q.range;
  if (range && fields.includes(range.field)) {
    const { field, gte, lt } = range;
    const month = side === 'pack' && packKeysMonth(entity, field);
    // A cut upper bound is inclusive: values below lt may share its month.
    const cutUpper = month && typeof lt === 'string';
    return {
      kind: 'range',
      lower: [
        entity,
        field,
        month && typeof gte === 'string' ? packKeyValue(entity, field, gte) : (gte ?? -Infinity),
      ],
      upper: [entity, field, cutUpper ? packKeyValue(entity, field, lt) : (lt ?? [])],
      upperOpen: !cutUpper,
    };
  }
  const posted = side === 'pack' ? postedFields(entity) : [];
  const eq = Object.entries(q.where ?? {}).find(
    ([f, v]) =>
      fields.includes(f) &&
      v !== undefined &&
      encodeIndexValue(v) !== undefined &&
      // A posted field has postings for its string values only (and no index key at all).
      (!posted.includes(f) || typeof v === 'string'),
  );
  if (eq) {
    const [field, value] = eq;
    if (posted.includes(field)) return { kind: 'posted', field, value: value as string };
    const enc = encodeIndexValue(value) as string | number | never[];
    return {
      kind: 'equals',
      key: [entity, field, side === 'pack' ? packKeyValue(entity, field, enc) : enc],
    };
  }
  return { kind: 'all' };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

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

/**
 * The keys of the packs of `entity` that may hold rows answering `q` (each once), by the pack
 * index or the postings; 'all' when the query narrows by no indexed field. Not an async
 * function: every promise it returns is Dexie's, and 'all' comes back at once. Inside a Dexie
 * transaction, awaiting an async function that made no IndexedDB request loses the transaction
 * (PrematureCommitError; in Chromium the search worker's live list of clients failed so).
 */
export function packsFor(
  pack: Table<PackRecord, PackKey>,
  entity: string,
  q: QuerySpec,
): Promise<PackKey[]> | 'all' {
  const plan = indexPlan(entity, q, 'pack');
  if (plan.kind === 'all') return 'all';
  if (plan.kind === 'posted') return postedPacks(pack, entity, plan.field, [plan.value]);
  const where = pack.where('ix');
  const hits =
    plan.kind === 'range'
      ? where.between(plan.lower, plan.upper, true, !plan.upperOpen)
      : where.equals(plan.key);
  // A pack is listed once per matching key of its rows: each once.
  return hits
    .primaryKeys()
    .then((keys) => [...new Map(keys.map((k) => [packKeyString(k), k])).values()]);
}

/** Packed rows of `entity` that answer `q` (unsorted). */
export async function queryPacked(
  pack: Table<PackRecord, PackKey>,
  entity: string,
  q: QuerySpec,
): Promise<StoredRow[]> {
  const found = packsFor(pack, entity, q);
  let recs: (PackRecord | undefined)[];
  if (found === 'all') {
    recs = await pack
      .where('[e+lo+hi]')
      .between([entity, Dexie.minKey, Dexie.minKey], [entity, Dexie.maxKey, Dexie.maxKey])
      .toArray();
  } else {
    const keys = await found;
    if (keys.length === 0) return [];
    recs = await pack.bulkGet(keys);
  }
  const out: StoredRow[] = [];
  for (const rec of recs) {
    if (!rec || rec.e !== entity) continue;
    for (const r of rec.rows) if (matchesQuery(r.d, q)) out.push({ e: entity, id: r.id, d: r.d });
  }
  return out;
}

/** The posting table beside `pack` (same database; in the caller's transaction). */
const postingOf = (pack: Table<PackRecord, PackKey>) =>
  pack.db.table<PostingRecord, PostingKey>('posting');

/**
 * The keys of the packs that may hold rows whose posted `field` is one of `values` (each once):
 * the ids in every batch record of the field and, for each value, in the one page that may hold
 * it (the greatest key ≤ `p` + value), or in every page for many values; then the packs owning
 * those ids (keys only). A superset: a pair may outlive its row. One chain of Dexie promises, no
 * async function: inside a transaction, a few native awaits in a row after the last IndexedDB
 * request lose the transaction (PrematureCommitError, seen in the retention tests).
 */
export function postedPacks(
  pack: Table<PackRecord, PackKey>,
  entity: string,
  field: string,
  values: readonly string[],
): Promise<PackKey[]> {
  const posting = postingOf(pack);
  const wanted = new Set(values);
  const between = (lo: string, hi: string, hiOpen = true) =>
    posting.where('[e+f+k]').between([entity, field, lo], [entity, field, hi], true, !hiOpen);
  const pages: Promise<(PostingRecord | undefined)[]> =
    wanted.size > 64
      ? between('p', 'q').toArray()
      : Dexie.Promise.all(
          [...wanted].map((v) => between('p', `p${v}`, false).reverse().limit(1).primaryKeys()),
        ).then((found) => {
          const keys = new Map<string, PostingKey>();
          for (const [key] of found) if (key) keys.set(key[2], key);
          return posting.bulkGet([...keys.values()]);
        });
  return Dexie.Promise.all([between('d', 'e').toArray(), pages, packKeysOf(pack, entity)]).then(
    ([batches, pageRecs, all]) => {
      const owners = new Map<string, PackKey>();
      for (const rec of [...batches, ...pageRecs]) {
        if (!rec) continue;
        const { pairs } = rec;
        for (let i = 0; i < pairs.length; i += 2) {
          if (!wanted.has(pairs[i]!)) continue;
          const key = owner(all, pairs[i + 1]!);
          if (key) owners.set(packKeyString(key), key);
        }
      }
      return [...owners.values()];
    },
  );
}

/**
 * Merges the batch records of every posted field into its pages (sorted, a value on one page):
 * a lookup then reads one page instead of every batch. At the end of a snapshot; inside a
 * read-write transaction over `posting`.
 */
export async function compactPostings(posting: Table<PostingRecord, PostingKey>): Promise<void> {
  const keys = await posting.toCollection().primaryKeys();
  const fields = new Map<string, [string, string]>();
  for (const [e, f, k] of keys) if (k.startsWith('d')) fields.set(`${e}\u0000${f}`, [e, f]);
  for (const [e, f] of fields.values()) {
    const old = await posting
      .where('[e+f+k]')
      .between([e, f, Dexie.minKey], [e, f, Dexie.maxKey])
      .toArray();
    await posting.bulkDelete(old.map((r): PostingKey => [r.e, r.f, r.k]));
    await posting.bulkPut(postingPages(old));
  }
}

/** The packed rows of `entity` whose `field` is one of `values` (a parent's children). */
export async function packedWithAny(
  pack: Table<PackRecord, PackKey>,
  entity: string,
  field: string,
  values: readonly string[],
): Promise<StoredRow[]> {
  if (values.length === 0) return [];
  const unique = new Map<string, PackKey>();
  if (postedFields(entity).includes(field)) {
    for (const k of await postedPacks(pack, entity, field, values)) unique.set(packKeyString(k), k);
  } else {
    const keys = await pack
      .where('ix')
      .anyOf(values.map((v) => [entity, field, v]))
      .primaryKeys();
    for (const k of keys) unique.set(packKeyString(k), k);
  }
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
  const sorted = [...fresh.values()].sort(byId);
  let lo = sorted[0]!.id;
  let hi = sorted.at(-1)!.id;
  // The view's keys of this entity in the batch's range, in one request (getAllKeys): `anyOf`
  // over a batch's ids walks a cursor, one request per id (a thousand a batch).
  const inView = (
    await view.where('[e+id]').between([entity, lo], [entity, hi], true, true).primaryKeys()
  ).filter(([, id]) => fresh.has(id));
  if (inView.length > 0) await view.bulkDelete(inView);
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
  // Their postings: one record per posted field, no index entries (the merged rows of older
  // packs have theirs already). Awaited here, not in a helper: see `packsFor`.
  const postings = postingsOf(entity, sorted);
  if (postings.length > 0) await postingOf(pack).bulkPut(postings);
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
