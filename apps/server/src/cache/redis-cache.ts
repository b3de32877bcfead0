import type { Redis } from 'ioredis';
import { newStats, ttlOf, type Cache } from './cache';
import { redisScript } from './redis-script';

/** Generations outlive every entry (≤ 15 min) so a generation never restarts under a live one. */
const GENERATION_TTL_SEC = 86_400;

// One round trip: the generations of the kinds, then the entry filed under them.
const READ_LUA = `
local gens = {}
for i = 1, #KEYS do
  gens[i] = redis.call('GET', KEYS[i]) or '0'
end
local entryKey = ARGV[1] .. ':' .. table.concat(gens, '.')
return { entryKey, redis.call('GET', entryKey) }
`;

const readScript = redisScript(READ_LUA);

/**
 * The cache shared by all instances. Keys carry the store in a hash tag (`{storeId}`), so one
 * store's keys sit on one Redis Cluster slot and the read script works there too. Redis errors
 * never fail a request: the read goes to the database (counted in `errors`).
 */
export function createRedisCache(redis: Redis, opts: { prefix?: string } = {}): Cache {
  const prefix = opts.prefix ?? 'mango:cache';
  const counts = newStats();
  const genKey = (storeId: string, kind: string) => `${prefix}:{${storeId}}:gen:${kind}`;

  return {
    async getOrLoad<T>(
      storeId: string,
      kinds: readonly string[],
      key: string,
      load: () => Promise<T>,
    ) {
      let entryKey: string | undefined;
      try {
        const [filedUnder, json] = (await readScript(
          redis,
          kinds.length,
          ...kinds.map((k) => genKey(storeId, k)),
          `${prefix}:{${storeId}}:v:${key}`,
        )) as [string, string | null];
        entryKey = filedUnder;
        if (json !== null) {
          counts.hits++;
          return JSON.parse(json) as T;
        }
      } catch {
        counts.errors++;
        return load();
      }
      counts.misses++;
      const value = await load();
      try {
        await redis.set(entryKey, JSON.stringify(value), 'EX', ttlOf(kinds));
      } catch {
        counts.errors++;
      }
      return value;
    },
    async invalidate(storeId, kinds) {
      if (kinds.length === 0) return;
      const multi = redis.multi();
      for (const kind of kinds) {
        multi.incr(genKey(storeId, kind));
        multi.expire(genKey(storeId, kind), GENERATION_TTL_SEC);
      }
      try {
        await multi.exec();
        counts.invalidations += kinds.length;
      } catch {
        counts.errors++;
      }
    },
    stats: () => ({ ...counts }),
    async close() {},
  };
}
