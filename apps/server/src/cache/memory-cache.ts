import { newStats, ttlOf, type Cache } from './cache';

/**
 * The cache of one instance (embedded default, no REDIS_URL): the same generations as the Redis
 * one, in this process. Bounded: the oldest entries go first beyond `maxEntries`.
 */
export function createMemoryCache(opts: { maxEntries?: number; now?: () => number } = {}): Cache {
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const generations = new Map<string, number>();
  const entries = new Map<string, { json: string; expiresAt: number }>();
  const counts = newStats();
  const genKey = (storeId: string, kind: string) => `${storeId}:${kind}`;

  return {
    async getOrLoad<T>(
      storeId: string,
      kinds: readonly string[],
      key: string,
      load: () => Promise<T>,
    ) {
      const gens = kinds.map((k) => generations.get(genKey(storeId, k)) ?? 0).join('.');
      const entryKey = `${storeId}:${key}:${gens}`;
      const hit = entries.get(entryKey);
      if (hit && hit.expiresAt > now()) {
        counts.hits++;
        return JSON.parse(hit.json) as T;
      }
      counts.misses++;
      const value = await load();
      entries.delete(entryKey);
      entries.set(entryKey, {
        json: JSON.stringify(value),
        expiresAt: now() + ttlOf(kinds) * 1000,
      });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return value;
    },
    async invalidate(storeId, kinds) {
      for (const kind of kinds) {
        const k = genKey(storeId, kind);
        generations.set(k, (generations.get(k) ?? 0) + 1);
        counts.invalidations++;
      }
    },
    stats: () => ({ ...counts }),
    async close() {
      entries.clear();
    },
  };
}
