import { Dexie, type Table } from 'dexie';
import type { EntityName, EntityRows } from '@mango/domain/entities';
import type { ListQuery, MutatorTx } from '@mango/domain/tx';
import {
  keyString,
  toViewRecord,
  type PackKey,
  type PackRecord,
  type PackedRow,
  type RowData,
  type RowKey,
  type ShadowRecord,
  type ViewRecord,
} from './local-db';
import {
  getPacked,
  indexPlan,
  matchesQuery,
  queryPacked,
  unpackRows,
  type QuerySpec,
  type StoredRow,
} from './packs';

export { matchesQuery, type QuerySpec } from './packs';

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Rows of one entity in the view matching the query, ordered by id. Uses the `ix` multiEntry
 * index for the range field or the first indexed equality, else the entity's primary-key range.
 */
export async function queryView(
  table: Table<ViewRecord, RowKey>,
  entity: string,
  q: QuerySpec = {},
): Promise<ViewRecord[]> {
  const plan = indexPlan(entity, q);
  let candidates: ViewRecord[];
  if (plan.kind === 'range') {
    candidates = await table
      .where('ix')
      .between(plan.lower, plan.upper, true, !plan.upperOpen)
      .toArray();
  } else if (plan.kind === 'equals') {
    candidates = await table.where('ix').equals(plan.key).toArray();
  } else {
    candidates = await table
      .where('[e+id]')
      .between([entity, Dexie.minKey], [entity, Dexie.maxKey], true, true)
      .toArray();
  }
  return candidates.filter((r) => r.e === entity && matchesQuery(r.d, q)).sort(byId);
}

/**
 * Rows of one entity matching the query, from the view and the packs (a key is in one of them,
 * local-db.ts), ordered by id. Inside a transaction over both, or each read is its own.
 */
export async function queryRows(
  view: Table<ViewRecord, RowKey>,
  pack: Table<PackRecord, PackKey>,
  entity: string,
  q: QuerySpec = {},
): Promise<StoredRow[]> {
  const [fromView, fromPacks] = await Promise.all([
    queryView(view, entity, q),
    queryPacked(pack, entity, q),
  ]);
  if (fromPacks.length === 0) return fromView;
  return [...fromView, ...fromPacks].sort(byId);
}

/** One row from the view, else from its pack. */
export async function getRow(
  view: Table<ViewRecord, RowKey>,
  pack: Table<PackRecord, PackKey>,
  entity: string,
  id: string,
): Promise<RowData | undefined> {
  const rec = await view.get([entity, id]);
  if (rec) return rec.d;
  return (await getPacked(pack, entity, id))?.d;
}

interface Write {
  e: string;
  id: string;
  d: RowData | null;
}

/**
 * A MutatorTx over the view table with a write overlay: a mutator's writes are buffered and reach
 * the table only on `flush()`, so a mutator that throws half-way leaves nothing behind (the
 * rebase relies on this to skip one refused mutation without rolling back the others). Reads see
 * the overlay first. `flush()` first saves the server state of each written row that has no
 * shadow yet (local-db.ts: a row without a shadow is in the view as pulled). Must be used inside
 * a Dexie transaction that includes the view and shadow tables.
 */
export class OverlayTx implements MutatorTx {
  readonly #view: Table<ViewRecord, RowKey>;
  readonly #shadow: Table<ShadowRecord, RowKey>;
  readonly #pack: Table<PackRecord, PackKey>;
  readonly #writes = new Map<string, Write>();

  constructor(
    view: Table<ViewRecord, RowKey>,
    shadow: Table<ShadowRecord, RowKey>,
    pack: Table<PackRecord, PackKey>,
  ) {
    this.#view = view;
    this.#shadow = shadow;
    this.#pack = pack;
  }

  async get<E extends EntityName>(entity: E, id: string): Promise<EntityRows[E] | undefined> {
    const w = this.#writes.get(keyString(entity, id));
    if (w) return w.d === null ? undefined : (structuredClone(w.d) as unknown as EntityRows[E]);
    return (await getRow(this.#view, this.#pack, entity, id)) as EntityRows[E] | undefined;
  }

  async list<E extends EntityName>(entity: E, query?: ListQuery<E>): Promise<EntityRows[E][]> {
    const q = (query ?? {}) as QuerySpec;
    const stored = await queryRows(this.#view, this.#pack, entity, q);
    const out = new Map<string, RowData>();
    for (const r of stored) if (!this.#writes.has(keyString(entity, r.id))) out.set(r.id, r.d);
    for (const w of this.#writes.values()) {
      if (w.e === entity && w.d !== null && matchesQuery(w.d, q))
        out.set(w.id, structuredClone(w.d));
    }
    return [...out.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, d]) => d as unknown as EntityRows[E]);
  }

  async put<E extends EntityName>(entity: E, row: EntityRows[E]): Promise<void> {
    const data = structuredClone(row) as unknown as RowData;
    const id = data['id'];
    if (typeof id !== 'string' || id === '') throw new Error(`put(${entity}) without a string id`);
    this.#writes.set(keyString(entity, id), { e: entity, id, d: data });
  }

  async delete(entity: EntityName, id: string): Promise<void> {
    this.#writes.set(keyString(entity, id), { e: entity, id, d: null });
  }

  /** The rows written so far. */
  touched(): RowKey[] {
    return [...this.#writes.values()].map((w) => [w.e, w.id]);
  }

  async flush(): Promise<void> {
    const touched = this.touched();
    // A packed row leaves its pack: from now on it lives in the view (local-db.ts).
    const unpacked = await unpackRows(this.#pack, touched);
    await saveShadows(this.#view, this.#shadow, touched, unpacked);
    const puts: ViewRecord[] = [];
    const dels: RowKey[] = [];
    for (const w of this.#writes.values()) {
      if (w.d === null) dels.push([w.e, w.id]);
      else puts.push(toViewRecord(w.e, w.id, w.d));
    }
    if (puts.length > 0) await this.#view.bulkPut(puts);
    if (dels.length > 0) await this.#view.bulkDelete(dels);
    this.#writes.clear();
  }
}

/**
 * Keeps the server state of `keys` before a local write: each row without a shadow gets one from
 * its view row (as pulled) or the packed row just taken out (`unpacked`), or `d: null` when
 * there is none (absent on the server).
 */
async function saveShadows(
  view: Table<ViewRecord, RowKey>,
  shadow: Table<ShadowRecord, RowKey>,
  keys: RowKey[],
  unpacked: Map<string, PackedRow>,
): Promise<void> {
  if (keys.length === 0) return;
  const existing = await shadow.bulkGet(keys);
  const missing = keys.filter((_, i) => existing[i] === undefined);
  if (missing.length === 0) return;
  const rows = await view.bulkGet(missing);
  await shadow.bulkPut(
    missing.map(([e, id], i) => {
      const r = rows[i] ?? unpacked.get(keyString(e, id));
      return r ? { e, id, v: r.v ?? 0, g: r.g ?? 0, d: r.d } : { e, id, v: 0, g: 0, d: null };
    }),
  );
}
