import type { Redis } from 'ioredis';
import { redisScript } from '../cache/redis-script';
import type { DeviceHead, HeadsStats, StoreHead, SyncHeads } from './heads';

// A store's heads are one hash: `s` = "version|epoch", `d:<deviceId>` = "lastMutationId|0 or 1"
// (1: open rejections), and the floors an advance leaves where it found no head: `fs` (a store
// version) and `fd:<deviceId>` (a lastMutationId) — a fill below a floor read the database before
// a push committed, and must not create a head older than that push. The whole hash expires
// `ttl` seconds after the fill (or advance) that created it; later ones do not extend it, so a
// push whose advance Redis lost (and could not forget) is read from the database within the ttl.
// Numbers are compared in Lua but written back as the strings they came as (Lua's number
// formatting would turn large ones into exponents).
const FILL_LUA = `
local existed = redis.call('EXISTS', KEYS[1])
local s = redis.call('HGET', KEYS[1], 's')
local write = true
local fs = redis.call('HGET', KEYS[1], 'fs')
if fs and tonumber(ARGV[2]) < tonumber(fs) then write = false end
if s and write then
  local sep = string.find(s, '|', 1, true)
  if string.sub(s, sep + 1) == ARGV[3] and tonumber(ARGV[2]) <= tonumber(string.sub(s, 1, sep - 1)) then
    write = false
  end
end
if write then redis.call('HSET', KEYS[1], 's', ARGV[2] .. '|' .. ARGV[3]) end
local d = redis.call('HGET', KEYS[1], ARGV[4])
local fd = redis.call('HGET', KEYS[1], 'f' .. ARGV[4])
local below = fd and tonumber(ARGV[5]) < tonumber(fd)
if (not below) and ((not d) or tonumber(ARGV[5]) >= tonumber(string.sub(d, 1, string.find(d, '|', 1, true) - 1))) then
  redis.call('HSET', KEYS[1], ARGV[4], ARGV[5] .. '|' .. ARGV[6])
end
if existed == 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
`;

const ADVANCE_LUA = `
local existed = redis.call('EXISTS', KEYS[1])
local function raise(field, value)
  local known = redis.call('HGET', KEYS[1], field)
  if (not known) or tonumber(value) > tonumber(known) then redis.call('HSET', KEYS[1], field, value) end
end
if ARGV[1] ~= '' then
  local s = redis.call('HGET', KEYS[1], 's')
  if s then
    local sep = string.find(s, '|', 1, true)
    if tonumber(ARGV[1]) > tonumber(string.sub(s, 1, sep - 1)) then
      redis.call('HSET', KEYS[1], 's', ARGV[1] .. string.sub(s, sep))
    end
  else
    raise('fs', ARGV[1])
  end
end
local d = redis.call('HGET', KEYS[1], ARGV[2])
local known = nil
if d then known = string.sub(d, 1, string.find(d, '|', 1, true) - 1) end
local newer = (not known) or tonumber(ARGV[3]) > tonumber(known)
if ARGV[4] == '1' then
  if newer then known = ARGV[3] end
  redis.call('HSET', KEYS[1], ARGV[2], known .. '|1')
elseif d and newer then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3] .. string.sub(d, string.find(d, '|', 1, true)))
elseif not d then
  raise('f' .. ARGV[2], ARGV[3])
end
if existed == 0 then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
return 1
`;

/**
 * When a push's advance failed, its store's heads are forgotten at once and, while Redis does not
 * answer, after each of these delays; past them the ttl bounds how stale they can be.
 */
const FORGET_RETRY_MS = [1_000, 5_000, 15_000, 60_000];

const fillScript = redisScript(FILL_LUA);
const advanceScript = redisScript(ADVANCE_LUA);

function parseStore(s: string | null): StoreHead | null {
  if (!s) return null;
  const sep = s.indexOf('|');
  const version = Number(s.slice(0, sep));
  return sep > 0 && Number.isSafeInteger(version) ? { version, epoch: s.slice(sep + 1) } : null;
}

function parseDevice(d: string | null): DeviceHead | null {
  if (!d) return null;
  const [id, open] = d.split('|');
  const lastMutationId = Number(id);
  return Number.isSafeInteger(lastMutationId)
    ? { lastMutationId, openRejections: open === '1' }
    : null;
}

/**
 * The heads shared by all instances. The key carries the store in a hash tag, so a store's heads
 * sit on one Redis Cluster slot. A Redis error never fails a request: the pull goes to the
 * database (counted in `errors`).
 */
export function createRedisHeads(
  redis: Redis,
  opts: { ttlSec: number; prefix?: string },
): SyncHeads {
  const prefix = opts.prefix ?? 'mango:head';
  const key = (storeId: string) => `${prefix}:{${storeId}}`;
  const counts: HeadsStats = { hits: 0, misses: 0, errors: 0 };
  const quietly = async (op: () => Promise<unknown>) => {
    try {
      await op();
    } catch {
      counts.errors++;
    }
  };
  const forgetUntilDone = (storeId: string, attempt = 0): void => {
    redis.del(key(storeId)).catch(() => {
      counts.errors++;
      const delay = FORGET_RETRY_MS[attempt];
      if (delay !== undefined)
        setTimeout(() => forgetUntilDone(storeId, attempt + 1), delay).unref();
    });
  };
  return {
    async read(storeId, deviceId) {
      try {
        const [s, d] = await redis.hmget(key(storeId), 's', `d:${deviceId}`);
        const heads = { store: parseStore(s ?? null), device: parseDevice(d ?? null) };
        if (heads.store && heads.device) counts.hits++;
        else counts.misses++;
        return heads;
      } catch {
        counts.errors++;
        return { store: null, device: null };
      }
    },
    fill: (storeId, deviceId, store, device) =>
      quietly(() =>
        fillScript(
          redis,
          1,
          key(storeId),
          String(opts.ttlSec),
          String(store.version),
          store.epoch,
          `d:${deviceId}`,
          String(device.lastMutationId),
          device.openRejections ? '1' : '0',
        ),
      ),
    async advance(storeId, storeVersion, deviceId, device) {
      try {
        await advanceScript(
          redis,
          1,
          key(storeId),
          storeVersion === null ? '' : String(storeVersion),
          `d:${deviceId}`,
          String(device.lastMutationId),
          device.rejected ? '1' : '0',
          String(opts.ttlSec),
        );
      } catch {
        counts.errors++;
        // The push committed but its heads did not move: its store's devices at the old version
        // would be answered "nothing new" until the ttl. Forgetting the store's heads is always
        // right (the next pulls read the database and fill them again): now, and again a few
        // times while Redis does not answer.
        forgetUntilDone(storeId);
      }
    },
    forget: (storeId, deviceId) =>
      quietly(() =>
        deviceId === undefined
          ? redis.del(key(storeId))
          : redis.hdel(key(storeId), `d:${deviceId}`),
      ),
    async forgetAll() {
      // Rare (after a restore): a scan of the prefix, deleted a page at a time.
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    },
    stats: () => ({ ...counts }),
  };
}
