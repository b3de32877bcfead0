/**
 * The server-side cache of read-mostly store data (seed plan 1.3). Entries are namespaced by store
 * and depend on entity kinds ('staff', 'service', …): a committed write bumps the store's
 * generation of each kind it wrote, and an entry is stored under the generations it was loaded at,
 * so after the bump no instance can find the old entry again (it just expires). A generation is
 * read before the database, so a load racing a write is filed under the old generation: a read
 * after a committed (and invalidated) write never sees the data from before it.
 */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Cache operations that failed (Redis down): the read went to the database instead. */
  errors: number;
  /** Kinds invalidated by committed writes. */
  invalidations: number;
}

export interface Cache {
  /**
   * The entry `key` of the store, valid while none of `kinds` changed in it, or what `load`
   * returns (stored for the shortest TTL of `kinds`). Values must be JSON.
   */
  getOrLoad<T>(
    storeId: string,
    kinds: readonly string[],
    key: string,
    load: () => Promise<T>,
  ): Promise<T>;
  /** After a commit that wrote these entity kinds in the store: on every instance. */
  invalidate(storeId: string, kinds: readonly string[]): Promise<void>;
  stats(): CacheStats;
  close(): Promise<void>;
}

/**
 * Seconds an entry lives at most, by entity kind: the seed plan's table (staff 5 min, services
 * 10 min, store settings 15 min, today's appointments 30 s, clients 5 min). Invalidation makes
 * them safe; the TTL only bounds memory and the damage of a lost invalidation.
 */
export const CACHE_TTL_SEC: Readonly<Record<string, number>> = {
  /** An account's memberships and roles (the access gate); bumped by every change to them. */
  account: 300,
  staff: 300,
  service: 600,
  product: 600,
  store: 900,
  appointment: 30,
  client: 300,
};

/** Kinds without a row in the table (tickets and their parts: history) live a minute. */
export const DEFAULT_TTL_SEC = 60;

export function ttlOf(kinds: readonly string[]): number {
  return Math.min(...kinds.map((k) => CACHE_TTL_SEC[k] ?? DEFAULT_TTL_SEC));
}

/** Counters shared by the implementations. */
export function newStats(): CacheStats {
  return { hits: 0, misses: 0, errors: 0, invalidations: 0 };
}

/** READ_CACHE=false: every read goes to the database (to measure what the cache saves). */
export function createPassThroughCache(): Cache {
  const counts = newStats();
  return {
    async getOrLoad(_storeId, _kinds, _key, load) {
      counts.misses++;
      return load();
    },
    async invalidate() {},
    stats: () => ({ ...counts }),
    async close() {},
  };
}
