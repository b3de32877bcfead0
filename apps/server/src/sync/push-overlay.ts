import {
  matchesListQuery,
  type EntityName,
  type EntityRows,
  type ListQuery,
  type MutatorTx,
} from '@mango/domain';
import { isUuid } from '../db/db';

type Row = Record<string, unknown> & { id: string };

/** Ids are UUIDs, equal whatever their case (as PostgreSQL compares them). */
const keyOf = (entity: string, id: string) => `${entity}\u0000${id.toLowerCase()}`;

/**
 * A deep copy of a row. Rows are plain JSON (objects, arrays, primitives; `undefined` fields from
 * a mutator): copied by hand, which costs a tenth of `structuredClone` (a push copies every row
 * it reads and writes, and that clone was the push's largest CPU item). Anything else inside a
 * row, which rows do not hold, still goes through `structuredClone`.
 */
export function copy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = copy((value as Record<string, unknown>)[key]);
    // An own "__proto__" key (JSON.parse makes one) stays a key, never the copy's prototype.
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = v;
  }
  return out as T;
}

/** One row a mutation wrote, as the audit records it. */
export interface RowChange {
  entity: EntityName;
  id: string;
  /** The row before this mutation (null: it did not exist or was deleted). */
  before: Row | null;
  /** The row after it (null: deleted). */
  after: Row | null;
}

/** A row the push will write when it ends: its last image and the version that wrote it. */
export interface PendingRow {
  entity: EntityName;
  id: string;
  /** null: a tombstone. */
  row: Row | null;
  version: number;
  /** The row as the database has it (null: absent or already a tombstone). */
  stored: Row | null;
}

function keysOf(index: Map<EntityName, Set<string>>, entity: EntityName): Set<string> {
  let keys = index.get(entity);
  if (!keys) index.set(entity, (keys = new Set()));
  return keys;
}

/** Rows of one `where` over a range wider than any one list asks for (see `seedCover`). */
interface Cover {
  gte: string | number;
  lt: string | number;
  rows: Row[];
}

type Range = NonNullable<ListQuery<EntityName>['range']>;

/** A list's `where` as a key: UUIDs compared as PostgreSQL compares them, whatever their case. */
const whereKey = (entity: string, where: ListQuery<EntityName>['where'], field: string) =>
  `${entity}\u0000${field}\u0000${JSON.stringify(where ?? {}, (_, v: unknown) =>
    isUuid(v) ? v.toLowerCase() : v,
  )}`;

/** a ≤ b for range bounds: instants by time (ISO strings of any precision), else as given. */
function notAfter(a: string | number, b: string | number): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    const [x, y] = [Date.parse(a), Date.parse(b)];
    if (Number.isFinite(x) && Number.isFinite(y)) return x <= y;
  }
  return typeof a === typeof b && a <= b;
}

interface LayerRow {
  entity: EntityName;
  id: string;
  row: Row | null;
}

/**
 * The store as a batched push sees it: the database as it was when the push took the store's
 * lock (read once and kept: nothing writes to it until the push ends), under the rows the
 * push's accepted mutations wrote, under the rows of the mutation running now. A mutation that
 * is rejected is discarded here, in memory: no savepoint. At the end `pending()` is what to write,
 * each row once, however many mutations touched it.
 *
 * `tx` has the MutatorTx semantics of the SQL one (apps/server/src/db/entity-store.ts): copies
 * in and out, tombstones invisible, `list` ordered by id (or by the range field, then id).
 */
export class PushOverlay {
  readonly #base: MutatorTx;
  readonly #stored = new Map<string, Row | null>();
  readonly #lists = new Map<string, Row[]>();
  readonly #covers = new Map<string, Cover[]>();
  readonly #pending = new Map<string, PendingRow>();
  readonly #layer = new Map<string, LayerRow>();
  /** Keys of #pending and #layer by entity: a list looks at its entity's rows only. */
  readonly #pendingKeys = new Map<EntityName, Set<string>>();
  readonly #layerKeys = new Map<EntityName, Set<string>>();

  /** @param base reads the database (its writes are never used). */
  constructor(base: MutatorTx) {
    this.#base = base;
  }

  /** The row as the database has it when the push began (cached for the push). */
  async stored(entity: EntityName, id: string): Promise<Row | null> {
    const key = keyOf(entity, id);
    if (!this.#stored.has(key)) {
      const row = (await this.#base.get(entity, id)) as Row | undefined;
      this.#stored.set(key, row ?? null);
    }
    return this.#stored.get(key) ?? null;
  }

  /** What the database holds for a row, read ahead of the mutations (see prefetch.ts). */
  seed(entity: EntityName, id: string, row: Record<string, unknown> | null): void {
    const key = keyOf(entity, id);
    if (!this.#stored.has(key)) this.#stored.set(key, (row as Row | null) ?? null);
  }

  /** What the database answers to a list query, read ahead of the mutations. */
  seedList(
    entity: EntityName,
    query: ListQuery<EntityName>,
    rows: readonly Record<string, unknown>[],
  ): void {
    const key = `${entity}\u0000${JSON.stringify(query)}`;
    if (!this.#lists.has(key)) this.#lists.set(key, rows as Row[]);
  }

  /**
   * What the database holds of `entity` for `where` with `range.field` in [gte, lt), read ahead
   * of the mutations: a later list with the same `where` and a range inside it is answered from
   * these rows (an appointment's overlap check, read ahead from the booking's staff member and
   * start: prefetch.ts) instead of a statement. `rows` are all of them, ordered by the range
   * field, then id.
   */
  seedCover(
    entity: EntityName,
    where: ListQuery<EntityName>['where'],
    range: { field: string; gte: string | number; lt: string | number },
    rows: readonly Record<string, unknown>[],
  ): void {
    const key = whereKey(entity, where, range.field);
    const covers = this.#covers.get(key) ?? [];
    covers.push({ gte: range.gte, lt: range.lt, rows: rows as Row[] });
    this.#covers.set(key, covers);
    this.#remember(entity, rows as Row[]);
  }

  /** Rows a list read from the database: a later `get` of one of them costs no statement. */
  #remember(entity: EntityName, rows: readonly Row[]): void {
    for (const row of rows) {
      const rowKey = keyOf(entity, row.id);
      if (!this.#stored.has(rowKey)) this.#stored.set(rowKey, row);
    }
  }

  /** A list answered from a read-ahead cover of its range, or undefined. */
  #fromCover(entity: EntityName, query: ListQuery<EntityName> | undefined): Row[] | undefined {
    const range: Range | undefined = query?.range;
    if (!query || !range || range.gte === undefined || range.lt === undefined) return undefined;
    const { gte, lt } = range;
    const covers = this.#covers.get(whereKey(entity, query.where, range.field));
    const cover = covers?.find((c) => notAfter(c.gte, gte) && notAfter(lt, c.lt));
    // Its rows are the `where`'s (the database chose them); the range is the list's own,
    // compared as the database compares it (instants by time, whatever their precision).
    return cover?.rows.filter((row) => {
      const value = row[range.field] as string | number | null | undefined;
      return value !== undefined && value !== null && notAfter(gte, value) && !notAfter(lt, value);
    });
  }

  async #visible(entity: EntityName, id: string): Promise<Row | null> {
    const key = keyOf(entity, id);
    const layer = this.#layer.get(key);
    if (layer) return layer.row;
    const pending = this.#pending.get(key);
    if (pending) return pending.row;
    return this.stored(entity, id);
  }

  async #storedList(entity: EntityName, query: ListQuery<EntityName> | undefined): Promise<Row[]> {
    const key = `${entity}\u0000${JSON.stringify(query ?? {})}`;
    let rows = this.#lists.get(key);
    if (!rows) {
      rows =
        this.#fromCover(entity, query) ??
        ((await this.#base.list(entity, query)) as unknown as Row[]);
      this.#lists.set(key, rows);
      this.#remember(entity, rows);
    }
    return rows;
  }

  /** Rows of `entity` this push has written so far (accepted and current), by id. */
  #overlaid(entity: EntityName): Map<string, Row | null> {
    const out = new Map<string, Row | null>();
    for (const key of this.#pendingKeys.get(entity) ?? []) {
      const p = this.#pending.get(key)!;
      out.set(p.id.toLowerCase(), p.row);
    }
    for (const key of this.#layerKeys.get(entity) ?? []) {
      const l = this.#layer.get(key)!;
      out.set(l.id.toLowerCase(), l.row);
    }
    return out;
  }

  #setLayer(entity: EntityName, id: string, row: Row | null): void {
    const key = keyOf(entity, id);
    this.#layer.set(key, { entity, id, row });
    keysOf(this.#layerKeys, entity).add(key);
  }

  readonly tx: MutatorTx = {
    get: async <E extends EntityName>(entity: E, id: string) => {
      const row = await this.#visible(entity, id);
      return row ? (copy(row) as unknown as EntityRows[E]) : undefined;
    },
    list: async <E extends EntityName>(entity: E, query?: ListQuery<E>) => {
      const stored = await this.#storedList(entity, query as ListQuery<EntityName> | undefined);
      const overlaid = this.#overlaid(entity);
      if (overlaid.size === 0) return stored.map((r) => copy(r) as unknown as EntityRows[E]);
      const rows = stored.filter((r) => !overlaid.has(r.id.toLowerCase()));
      for (const row of overlaid.values()) {
        if (row && matchesListQuery(row, query as Parameters<typeof matchesListQuery>[1])) {
          rows.push(row);
        }
      }
      const field = query?.range?.field;
      rows.sort((a, b) => {
        if (field) {
          const x = a[field] as string | number;
          const y = b[field] as string | number;
          if (x !== y) return x < y ? -1 : 1;
        }
        return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      });
      return rows.map((r) => copy(r) as unknown as EntityRows[E]);
    },
    put: async <E extends EntityName>(entity: E, row: EntityRows[E]) => {
      const id = (row as { id: string }).id;
      await this.stored(entity, id); // the audit's "before"
      this.#setLayer(entity, id, copy(row) as unknown as Row);
    },
    delete: async (entity: EntityName, id: string) => {
      if (entity === 'store') throw new Error(`delete('store'): a store cannot be deleted by sync`);
      if ((await this.#visible(entity, id)) === null) return;
      this.#setLayer(entity, id, null);
    },
  };

  /**
   * The current mutation succeeded: its rows join the push's, stamped with `version`. Returns
   * what it changed, each row's image before and after it.
   */
  accept(version: number): RowChange[] {
    const changes: RowChange[] = [];
    for (const [key, l] of this.#layer) {
      const earlier = this.#pending.get(key);
      const stored = earlier ? earlier.stored : (this.#stored.get(key) ?? null);
      changes.push({
        entity: l.entity,
        id: l.id,
        before: earlier ? earlier.row : stored,
        after: l.row,
      });
      this.#pending.set(key, { entity: l.entity, id: l.id, row: l.row, version, stored });
      keysOf(this.#pendingKeys, l.entity).add(key);
    }
    this.discard();
    return changes;
  }

  /** The current mutation was rejected: forget what it wrote. */
  discard(): void {
    this.#layer.clear();
    this.#layerKeys.clear();
  }

  /** What the push writes at its end: each row once, in its last image. */
  pending(): PendingRow[] {
    return [...this.#pending.values()];
  }

  /**
   * Rows of `entity` written by this push (the current mutation included) that the database
   * does not have yet: counted by quotas and the offline-payment review beside SQL over the
   * database.
   */
  unwritten(entity: EntityName): { row: Row | null; stored: Row | null }[] {
    const out = new Map<string, { row: Row | null; stored: Row | null }>();
    for (const key of this.#pendingKeys.get(entity) ?? []) {
      const p = this.#pending.get(key)!;
      out.set(key, { row: p.row, stored: p.stored });
    }
    for (const key of this.#layerKeys.get(entity) ?? []) {
      const l = this.#layer.get(key)!;
      const stored = this.#pending.get(key)?.stored ?? this.#stored.get(key) ?? null;
      out.set(key, { row: l.row, stored });
    }
    return [...out.values()];
  }
}
