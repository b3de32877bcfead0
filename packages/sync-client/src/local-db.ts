import { Dexie, RangeSet, type DBCore, type Middleware, type Table, type Transaction } from 'dexie';
import {
  DEVICE_UNINDEXED_FIELDS,
  INDEXED_FIELDS,
  PACK_MONTH_FIELDS,
  PACK_MONTH_LENGTH,
  PACK_POSTED_FIELDS,
} from '@mango/domain/tx';
import type { Actor } from '@mango/domain/tx';
import type { Approval } from '@mango/protocol';

/**
 * The device's IndexedDB layout (one database per store, see `databaseName`).
 *
 * - `view`     the one full copy of the store, the one the UI reads: server state + pending
 *              mutations re-applied. `ix` holds one `[entity, field, value]` key per
 *              INDEXED_FIELDS entry but DEVICE_UNINDEXED_FIELDS (multiEntry index), so `list`
 *              with where/range is index-driven. A row as pulled carries its store version `v`
 *              and the hydration generation `g` that last wrote it (indexed: a re-hydration
 *              sweeps rows of older generations); a row a pending mutation wrote has neither
 *              (its server state is in `shadow`), nor has a row kept from v3 (meta
 *              `unstampedRows`).
 * - `shadow`   the server state of exactly the rows pending mutations touched (the row as pulled,
 *              or `d: null`: absent on the server), saved when a local mutation first writes the
 *              row. Pulled changes to such a row go here (the rebase then recomputes its view
 *              row); every other pulled change goes straight to `view`. A rebase resets the
 *              shadowed rows and re-runs the outbox, then drops the shadows no pending mutation
 *              touches any more. So server state = `shadow` where there is one, else `view`, and
 *              a first sync writes each row once (v3 kept a second full copy, `server`: every
 *              row was written twice; docs/PERFORMANCE.md, session 9).
 * - `pack`     rows as pulled, many to a record (schema v5): the snapshot's history parts (the
 *              server marks them `packed`) land here instead of one view record each, because a
 *              first sync's cost is IndexedDB records, not bytes (docs/PERFORMANCE.md, session
 *              10). A pack holds the rows of one entity whose ids lie in [lo, hi], sorted by id;
 *              the packs of an entity never overlap, so the one that may hold an id is found by
 *              key. `ix` holds the distinct `[entity, field, value]` keys of its rows (the
 *              view's keys, but a date/time field of PACK_MONTH_FIELDS keyed by its month, schema
 *              v6) but the fields of PACK_POSTED_FIELDS, so a where/range query reads only the
 *              packs that may match. A
 *              key is in the view OR in a pack, never both: a row a pull or a local mutation
 *              writes is taken out of its pack first (packs.ts).
 * - `posting`  (schema v6) for each PACK_POSTED_FIELDS field, (value, row id) pairs of packed
 *              rows, sorted by value, many to a record and with no index entries: the packed
 *              rows with a given client or ticket are found through them (packs.ts). Written with
 *              each snapshot batch's packs, merged into pages at the end of the snapshot. A pair
 *              may outlive its row (the rows are read and filtered), never the reverse.
 * - `outbox`   pending mutations by id, with the keys each one wrote (`touched`) so a rebase
 *              resets only those rows.
 * - `meta`     key/value: mutation id counter, cursor, acknowledged ids, hydration state, …
 * - `attention` rejected mutations a person must see (never silently dropped).
 * - `acked`    mutations the server has handled, kept for a while after they leave the outbox: if
 *              the server is restored to before them (its lastMutationId for this device goes
 *              back), they go back to the outbox with the same ids and are pushed again.
 * - `lease`    the leader lease when Web Locks are not available.
 */

export type RowKey = [entity: string, id: string];
export type RowData = Record<string, unknown>;
export type IndexKey = [entity: string, field: string, value: string | number | never[]];

/** A row of the v1–v3 `server` table (read only by the v4 upgrade). */
export interface ServerRecord {
  e: string;
  id: string;
  /** Store version of the row's last change. */
  v: number;
  /** Hydration generation that last wrote it. */
  g: number;
  d: RowData;
}

export interface ViewRecord {
  e: string;
  id: string;
  d: RowData;
  ix: IndexKey[];
  /** Store version of the row's last change: set on rows as pulled, absent on local writes. */
  v?: number;
  /** Hydration generation that last wrote it: as `v` (a local write is never swept). */
  g?: number;
}

/** Key of a pack: its entity and the id range it owns. */
export type PackKey = [entity: string, lo: string, hi: string];

/** A row inside a pack: as pulled, with its store version and generation. */
export interface PackedRow {
  id: string;
  v: number;
  g: number;
  d: RowData;
}

/** Many rows of one entity in one record (see `pack` above). */
export interface PackRecord {
  e: string;
  /** The id range this pack owns (its rows' ids lie in it; packs of an entity never overlap). */
  lo: string;
  hi: string;
  /** The lowest generation among its rows (indexed: the sweep of a re-hydration). */
  g: number;
  /** The distinct pack index keys of its rows (`packIndexKey`: months for PACK_MONTH_FIELDS). */
  ix: IndexKey[];
  /** Sorted by id. */
  rows: PackedRow[];
}

/** Key of a posting record: entity, field, and `d…` (a batch's) or `p` + first value (a page). */
export type PostingKey = [entity: string, field: string, k: string];

/** (value, row id) pairs of packed rows for one PACK_POSTED_FIELDS field (see `posting` above). */
export interface PostingRecord {
  e: string;
  f: string;
  k: string;
  /** value, id, value, id, …; a page's sorted by value, then id. */
  pairs: string[];
}

/** The server state of a row a pending mutation touched (see `shadow` above). */
export interface ShadowRecord {
  e: string;
  id: string;
  v: number;
  g: number;
  /** The row as pulled, or null: the row is absent on the server. */
  d: RowData | null;
}

export interface OutboxRecord {
  id: number;
  name: string;
  args: Record<string, unknown>;
  clientTime: string;
  /**
   * Who made it; re-used when the mutation is re-run by a rebase. Its `staffId` is sent as
   * `actorStaffId` (the server decides the role from it and the token's ceiling).
   */
  actor: Actor;
  /** A manager's approval of this mutation, sent as is for the server to verify. */
  approval?: Approval | undefined;
  /** Rows the last (optimistic or rebased) run wrote. */
  touched: RowKey[];
  /** Set when the server rejected it; a rebase skips it until the pull drops it. */
  serverRejected?: { code: string; message: string } | undefined;
  /** Set when the last rebase run was refused locally; it stays pending, the server decides. */
  localError?: { code: string; message: string } | undefined;
  /** Amount (+ tip) of a card payment taken while offline, for the per-device running total. */
  offlineCardCents?: number | undefined;
}

/** An outbox mutation after the server handled it (see `acked` above). */
export interface AckedRecord extends Omit<OutboxRecord, 'touched' | 'localError'> {
  /** When it left the outbox (ms since epoch): retention is counted from here. */
  ackedAt: number;
}

export interface MetaRecord {
  key: string;
  value: unknown;
}

export interface AttentionRecord {
  mutationId: number;
  name: string | null;
  args: Record<string, unknown> | null;
  code: string;
  message: string;
  at: string;
  acknowledgedAt: string | null;
}

export interface LeaseRecord {
  key: string;
  holder: string;
  expiresAt: number;
}

/** Schema history. Never edit a released version: add one, with an upgrade if data must move. */
export const SCHEMA_V1 = {
  server: '[e+id]',
  view: '[e+id], *ix',
  outbox: 'id',
  meta: 'key',
} as const;

export const SCHEMA_V2 = {
  server: '[e+id], g',
  view: '[e+id], *ix',
  outbox: 'id',
  meta: 'key',
  attention: 'mutationId, acknowledgedAt',
  lease: 'key',
} as const;

export const SCHEMA_V3 = { ...SCHEMA_V2, acked: 'id, ackedAt' } as const;

/** v4: one full copy (`view`, with `g`), the server state kept only as `shadow` rows. */
export const SCHEMA_V4 = {
  ...SCHEMA_V3,
  server: null,
  view: '[e+id], *ix, g',
  shadow: '[e+id]',
} as const;

/** v5: history rows packed many to a record (`pack`); nothing to move, the table starts empty. */
export const SCHEMA_V5 = { ...SCHEMA_V4, pack: '[e+lo+hi], *ix, g' } as const;

/**
 * v6: a pack's `ix` keys a date/time field of PACK_MONTH_FIELDS by its month and leaves out the
 * PACK_POSTED_FIELDS, whose packed rows are found through `posting` (docs/PERFORMANCE.md,
 * session 11). The upgrade recomputes every stored pack's `ix` and writes the postings of its
 * rows: a query looks for month keys and postings, and a pack without them would be missed.
 */
export const SCHEMA_V6 = { ...SCHEMA_V5, posting: '[e+f+k]' } as const;

export const CURRENT_SCHEMA_VERSION = 6;

export interface IndexedDbDeps {
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
}

export function databaseName(storeId: string): string {
  return `mango-pos-${storeId}`;
}

export class LocalDb extends Dexie {
  view!: Table<ViewRecord, RowKey>;
  shadow!: Table<ShadowRecord, RowKey>;
  pack!: Table<PackRecord, PackKey>;
  posting!: Table<PostingRecord, PostingKey>;
  outbox!: Table<OutboxRecord, number>;
  meta!: Table<MetaRecord, string>;
  attention!: Table<AttentionRecord, number>;
  lease!: Table<LeaseRecord, string>;
  acked!: Table<AckedRecord, number>;

  constructor(name: string, deps: IndexedDbDeps = {}) {
    super(name, dexieOptions(deps));
    this.version(1).stores(SCHEMA_V1);
    // v2: attention list, leader lease, hydration generations. v1 outbox rows did not record the
    // rows they touched, so the first rebase after the upgrade rebuilds the whole view.
    this.version(2)
      .stores(SCHEMA_V2)
      .upgrade(async (tx) => {
        await tx
          .table('outbox')
          .toCollection()
          .modify((row: Partial<OutboxRecord>) => {
            if (!Array.isArray(row.touched)) row.touched = [];
          });
        await tx
          .table('server')
          .toCollection()
          .modify((row: Partial<ServerRecord>) => {
            if (typeof row.g !== 'number') row.g = 0;
          });
        await tx.table('meta').put({ key: 'fullRebaseNeeded', value: true });
      });
    // v3: handled mutations are kept for a while, to push again after a server restore.
    this.version(3).stores(SCHEMA_V3);
    this.version(4).stores(SCHEMA_V4).upgrade(upgradeToOneCopy);
    // v5: a new, empty table; the view, shadows and outbox stay as they are.
    this.version(5).stores(SCHEMA_V5);
    this.version(6).stores(SCHEMA_V6).upgrade(recomputePackKeys);
    this.use(packWritesTouchTheirEntities);
  }
}

/**
 * Dexie tells the live queries of every tab and worker which keys a write touched; for a write of
 * fewer than 50 records, every index key of every record. A pack carries hundreds of index keys,
 * so each batch of a first sync sent thousands of keys to the page, and merging them held the
 * main thread for seconds at a time (docs/PERFORMANCE.md, session 10). A write to `pack` is
 * announced instead as touching every key of the entities it wrote (the primary keys and `ix`
 * keys start with the entity), the `g` index whole: the live queries that read those entities'
 * packs re-run, the others do not.
 */
const packWritesTouchTheirEntities: Middleware<DBCore> = {
  stack: 'dbcore',
  name: 'packWritesTouchTheirEntities',
  create(down) {
    return {
      ...down,
      table(name) {
        const table = down.table(name);
        if (name !== 'pack') return table;
        const prefix = `idb://${down.schema.name}/${name}/`;
        const others = table.schema.indexes
          .map((i) => i.name)
          .filter((n): n is string => n !== null && n !== 'ix');
        return {
          ...table,
          mutate(req) {
            const mutated = (req.mutatedParts ??= {});
            const part = (p: string) => (mutated[prefix + p] ??= new RangeSet()) as RangeSet;
            const entities = new Set<string>();
            if (req.type === 'put' || req.type === 'add') {
              for (const v of req.values as PackRecord[]) entities.add(v.e);
            } else if (req.type === 'delete') {
              for (const k of req.keys as PackKey[]) entities.add(k[0]);
            }
            const whole = { from: down.MIN_KEY, to: down.MAX_KEY };
            for (const p of others) part(p).add(whole);
            for (const e of entities) {
              // Arrays sort after strings: [e] … [e, []] holds every key that starts with e.
              const range = { from: [e], to: [e, []] };
              for (const p of ['', ':dels', 'ix']) part(p).add(range);
            }
            if (req.type === 'deleteRange') {
              for (const p of ['', ':dels', 'ix']) part(p).add(whole);
            }
            return table.mutate(req);
          },
        };
      },
    };
  },
};

/** Meta key: the view holds rows without `g` (kept from v3) that a sweep must consider. */
export const UNSTAMPED_ROWS_KEY = 'unstampedRows';

/**
 * v3 → v4 for devices in the field: they hold a full `server` table, the view and maybe pending
 * mutations. Each row touched by a pending mutation keeps its server state as a shadow (absent
 * on the server: `d: null`), then `server` is deleted: no pending mutation and no row is lost.
 * The view rows are not rewritten (that would cost as much as a first sync): they stay without
 * `g`, and meta `unstampedRows` makes the next re-hydration's sweep find them by key — unless a
 * hydration is under way: then each row gets the `v` and `g` of its server row, so the rows it
 * has written survive its sweep. A v1
 * database (its outbox did not record touched rows, `fullRebaseNeeded`) gets a view rebuilt from
 * `server`: the next pull's rebase re-runs its whole outbox on it.
 */
async function upgradeToOneCopy(tx: Transaction): Promise<void> {
  const server = tx.table<ServerRecord, RowKey>('server');
  const view = tx.table<ViewRecord, RowKey>('view');
  const meta = tx.table<MetaRecord, string>('meta');
  if ((await meta.get('fullRebaseNeeded'))?.value === true) {
    await view.clear();
    const all = await server.toArray();
    await view.bulkPut(all.map((r) => toViewRecord(r.e, r.id, r.d, r)));
    await meta.delete('fullRebaseNeeded');
    return;
  }
  const touched = new Map<string, RowKey>();
  await tx
    .table<OutboxRecord, number>('outbox')
    .each((m) => m.touched.forEach(([e, id]) => touched.set(keyString(e, id), [e, id])));
  const keys = [...touched.values()];
  const serverRows = await server.bulkGet(keys);
  await tx.table<ShadowRecord, RowKey>('shadow').bulkPut(
    keys.map(([e, id], i) => {
      const r = serverRows[i];
      return r ? { e, id, v: r.v, g: r.g, d: r.d } : { e, id, v: 0, g: 0, d: null };
    }),
  );
  if ((await meta.get('hydrating'))?.value === true) {
    // Rows the hydration under way has written must survive its sweep: their exact generation.
    const stamps = new Map<string, { v: number; g: number }>();
    await server.each((r) => stamps.set(keyString(r.e, r.id), { v: r.v, g: r.g }));
    await view.toCollection().modify((r) => {
      const key = keyString(r.e, r.id);
      const stamp = stamps.get(key);
      if (stamp && !touched.has(key)) Object.assign(r, stamp);
    });
  } else if ((await view.count()) > 0) {
    await meta.put({ key: UNSTAMPED_ROWS_KEY, value: true });
  }
}

/**
 * v5 → v6: every pack's `ix` again, with the v6 keys (months for PACK_MONTH_FIELDS, none for
 * PACK_POSTED_FIELDS and DEVICE_UNINDEXED_FIELDS), and the postings of every packed row. One
 * pass over the packs inside the upgrade's transaction: a year of history is ~1,000 packs, each
 * read and written once with fewer index entries than it had.
 */
async function recomputePackKeys(tx: Transaction): Promise<void> {
  const batches: PostingRecord[] = [];
  await tx
    .table<PackRecord, PackKey>('pack')
    .toCollection()
    .modify((rec) => {
      rec.ix = packIndexKeys(rec.e, rec.rows);
      batches.push(...postingsOf(rec.e, rec.rows));
    });
  await tx.table<PostingRecord, PostingKey>('posting').bulkPut(postingPages(batches));
}

export function dexieOptions(deps: IndexedDbDeps): {
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
} {
  const opts: { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange } = {};
  if (deps.indexedDB) opts.indexedDB = deps.indexedDB;
  if (deps.IDBKeyRange) opts.IDBKeyRange = deps.IDBKeyRange;
  return opts;
}

export function openLocalDb(storeId: string, deps: IndexedDbDeps = {}): LocalDb {
  return new LocalDb(databaseName(storeId), deps);
}

// ---------------------------------------------------------------------------------------------
// Index keys

/** Stands for null/absent in an index key (an empty array sorts after every string and number). */
const NULL_KEY: never[] = [];

const DEVICE_INDEXED: Record<string, readonly string[] | undefined> = Object.fromEntries(
  Object.entries(INDEXED_FIELDS).map(([entity, fields]) => {
    const left: readonly string[] =
      (DEVICE_UNINDEXED_FIELDS as Record<string, readonly string[] | undefined>)[entity] ?? [];
    return [entity, fields.filter((f) => !left.includes(f))];
  }),
);

/** The fields the device indexes for `entity`: INDEXED_FIELDS but DEVICE_UNINDEXED_FIELDS. */
export function indexedFields(entity: string): readonly string[] {
  return DEVICE_INDEXED[entity] ?? [];
}

export function encodeIndexValue(value: unknown): string | number | never[] | undefined {
  if (value === null || value === undefined) return NULL_KEY;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

export function indexKeys(entity: string, data: RowData): IndexKey[] {
  const keys: IndexKey[] = [];
  for (const field of indexedFields(entity)) {
    const enc = encodeIndexValue(data[field]);
    if (enc !== undefined) keys.push([entity, field, enc]);
  }
  return keys;
}

const PACK_MONTH: Record<string, readonly string[] | undefined> = PACK_MONTH_FIELDS;
const PACK_POSTED: Record<string, readonly string[] | undefined> = PACK_POSTED_FIELDS;

/** The fields of `entity` whose packed rows are found through postings (PACK_POSTED_FIELDS). */
export function postedFields(entity: string): readonly string[] {
  return PACK_POSTED[entity] ?? [];
}

/** Pairs a posting page holds, about (a value's pairs are never split over two pages). */
export const POSTING_PAGE_PAIRS = 1000;

/** One posting record per posted field of `entity` for `rows` (a batch's, key `d` + a uuid). */
export function postingsOf(
  entity: string,
  rows: readonly { id: string; d: RowData }[],
): PostingRecord[] {
  const out: PostingRecord[] = [];
  for (const f of postedFields(entity)) {
    const pairs: string[] = [];
    for (const r of rows) {
      const v = r.d[f];
      if (typeof v === 'string') pairs.push(v, r.id);
    }
    if (pairs.length > 0) out.push({ e: entity, f, k: `d${crypto.randomUUID()}`, pairs });
  }
  return out;
}

/**
 * The pages holding every pair of `records` (of any entities and fields): per entity and field,
 * the pairs sorted by value then id, without duplicates, cut into pages of about
 * POSTING_PAGE_PAIRS at a change of value, each keyed `p` + its first value. The one page that
 * may hold a value is then the one with the greatest key ≤ `p` + value.
 */
export function postingPages(records: readonly PostingRecord[]): PostingRecord[] {
  const byField = new Map<string, { e: string; f: string; pairs: [string, string][] }>();
  for (const r of records) {
    const key = `${r.e}\u0000${r.f}`;
    const entry = byField.get(key) ?? { e: r.e, f: r.f, pairs: [] };
    for (let i = 0; i < r.pairs.length; i += 2) entry.pairs.push([r.pairs[i]!, r.pairs[i + 1]!]);
    byField.set(key, entry);
  }
  const pages: PostingRecord[] = [];
  for (const { e, f, pairs } of byField.values()) {
    pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
    let page: string[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const [v, id] = pairs[i]!;
      const prev = pairs[i - 1];
      if (prev && prev[0] === v && prev[1] === id) continue;
      if (page.length >= 2 * POSTING_PAGE_PAIRS && prev && prev[0] !== v) {
        pages.push({ e, f, k: `p${page[0]!}`, pairs: page });
        page = [];
      }
      page.push(v, id);
    }
    if (page.length > 0) pages.push({ e, f, k: `p${page[0]!}`, pairs: page });
  }
  return pages;
}

/** Whether a pack keys `field` of `entity` by its month (PACK_MONTH_FIELDS). */
export function packKeysMonth(entity: string, field: string): boolean {
  return PACK_MONTH[entity]?.includes(field) ?? false;
}

/**
 * The key a pack's `ix` holds for an encoded value: the view's, but a string of a
 * PACK_MONTH_FIELDS field cut to its month. Cutting a string to a prefix keeps its order
 * (a ≤ b ⇒ cut(a) ≤ cut(b)), so a range of values maps to the range of their cut keys.
 */
export function packKeyValue(
  entity: string,
  field: string,
  enc: string | number | never[],
): string | number | never[] {
  return typeof enc === 'string' && packKeysMonth(entity, field)
    ? enc.slice(0, PACK_MONTH_LENGTH)
    : enc;
}

/**
 * The distinct pack index keys of some rows of one entity (IndexedDB would drop duplicates too):
 * the view's, months for PACK_MONTH_FIELDS, none for PACK_POSTED_FIELDS.
 */
export function packIndexKeys(entity: string, rows: readonly { d: RowData }[]): IndexKey[] {
  const seen = new Map<string, IndexKey>();
  const posted = postedFields(entity);
  for (const r of rows) {
    for (const [e, field, enc] of indexKeys(entity, r.d)) {
      if (posted.includes(field)) continue;
      const value = packKeyValue(e, field, enc);
      seen.set(`${field}\u0000${typeof value}\u0000${String(value)}`, [e, field, value]);
    }
  }
  return [...seen.values()];
}

/** A view row; `stamp` (its server version and generation) only for a row as pulled. */
export function toViewRecord(
  entity: string,
  id: string,
  data: RowData,
  stamp?: { v: number; g: number },
): ViewRecord {
  const rec: ViewRecord = { e: entity, id, d: data, ix: indexKeys(entity, data) };
  if (stamp) {
    rec.v = stamp.v;
    rec.g = stamp.g;
  }
  return rec;
}

export function keyString(entity: string, id: string): string {
  return `${entity}\u0000${id}`;
}

export function parseKeyString(key: string): RowKey {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}
