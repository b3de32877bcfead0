import type { Redis } from 'ioredis';
import { redisScript } from '../cache/redis-script';
import { WRITE_POSITION_TTL_MS, type WritePositions } from './replica';

// Keep the highest position: two instances noting writes of one store may finish out of order.
const RAISE_LUA = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
`;

const raiseScript = redisScript(RAISE_LUA);

/** The stores' last write positions shared by all instances, so read-your-writes holds on any. */
export function createRedisWritePositions(redis: Redis): WritePositions {
  const keyOf = (storeId: string) => `mango:wal:{${storeId}}`;
  return {
    async get(storeId) {
      const value = await redis.get(keyOf(storeId));
      return value === null ? undefined : Number(value);
    },
    async raise(storeId, position) {
      await raiseScript(redis, 1, keyOf(storeId), position, WRITE_POSITION_TTL_MS);
    },
  };
}
