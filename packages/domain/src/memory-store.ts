import type { EntityName, EntityRows } from './entities';
import { matchesListQuery, type MutatorTx } from './tx';

interface StoredRow {
  version: number;
  deleted: boolean;
  data: unknown;
}

export interface MemoryStoreOptions {
  /**
   * The order `list` returns rows in. Real storages differ (SQL without ORDER BY, IndexedDB by
   * key), so tests run the same mutations with both orders to prove results do not depend on it.
   */
  listOrder?: 'insertion' | 'reverse';
}

export type MemorySnapshot = Partial<
  Record<EntityName, Record<string, { version: number; deleted: boolean; data: unknown }>>
>;

export interface MemoryStore extends MutatorTx {
  /** Runs `fn`; if it throws, every write it made is discarded and the error rethrown. */
  transaction<T>(fn: (tx: MutatorTx) => Promise<T>): Promise<T>;
  /** Every row including tombstones, with its version: the state a pull from 0 would give. */
  snapshot(): MemorySnapshot;
  /** Live rows of one entity, ordered by id. */
  rows<E extends EntityName>(entity: E): EntityRows[E][];
  /** The store version: grows by one with every write. */
  readonly version: number;
}

/**
 * An in-memory MutatorTx with the semantics storage must have: copies in and out (a mutator
 * cannot change stored rows by keeping a reference), tombstones on delete, versions per write,
 * and all-or-nothing transactions.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  let tables = new Map<EntityName, Map<string, StoredRow>>();
  let version = 0;

  const table = (entity: EntityName) => {
    let rows = tables.get(entity);
    if (!rows) {
      rows = new Map();
      tables.set(entity, rows);
    }
    return rows;
  };

  const store: MemoryStore = {
    get version() {
      return version;
    },
    async get(entity, id) {
      const stored = table(entity).get(id);
      return stored && !stored.deleted ? structuredClone(stored.data as never) : undefined;
    },
    async list(entity, query) {
      const live = [...table(entity).values()]
        .filter(
          (s) =>
            !s.deleted &&
            matchesListQuery(
              s.data as Record<string, unknown>,
              query as Parameters<typeof matchesListQuery>[1],
            ),
        )
        .map((s) => structuredClone(s.data as never));
      return options.listOrder === 'reverse' ? live.reverse() : live;
    },
    async put(entity, row) {
      version += 1;
      table(entity).set(row.id, { version, deleted: false, data: structuredClone(row) });
    },
    async delete(entity, id) {
      const existing = table(entity).get(id);
      if (!existing || existing.deleted) return;
      version += 1;
      table(entity).set(id, { version, deleted: true, data: existing.data });
    },
    async transaction(fn) {
      const savedTables = new Map([...tables].map(([entity, rows]) => [entity, new Map(rows)]));
      const savedVersion = version;
      try {
        return await fn(store);
      } catch (error) {
        tables = savedTables;
        version = savedVersion;
        throw error;
      }
    },
    snapshot() {
      const result: MemorySnapshot = {};
      for (const [entity, rows] of [...tables].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const ids = [...rows.keys()].sort();
        if (ids.length === 0) continue;
        result[entity] = Object.fromEntries(
          ids.map((id) => {
            const s = rows.get(id) as StoredRow;
            return [
              id,
              {
                version: s.version,
                deleted: s.deleted,
                data: s.deleted ? null : structuredClone(s.data),
              },
            ];
          }),
        );
      }
      return result;
    },
    rows(entity) {
      return [...table(entity).entries()]
        .filter(([, s]) => !s.deleted)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, s]) => structuredClone(s.data as never));
    },
  };
  return store;
}
