import type { Redis } from 'ioredis';
import { redisScript } from '../cache/redis-script';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retryAfterSec: number;
  /** Seconds until the window has fully slid past the current requests. */
  resetSec: number;
}

/**
 * A sliding-window limiter: at most `limit` hits of `key` in any `windowMs`. The in-memory one is
 * for a single instance (embedded default); the Redis one is shared by all instances.
 */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
}

function decide(
  timestamps: number[],
  now: number,
  limit: number,
  windowMs: number,
): RateLimitDecision {
  const allowed = timestamps.length < limit;
  const oldest = timestamps[0] ?? now;
  const retryAfterMs = allowed ? 0 : oldest + windowMs - now;
  return {
    allowed,
    limit,
    remaining: Math.max(0, limit - timestamps.length - (allowed ? 1 : 0)),
    retryAfterSec: Math.max(allowed ? 0 : 1, Math.ceil(retryAfterMs / 1000)),
    resetSec: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)),
  };
}

export function createMemoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const hits = new Map<string, number[]>();
  let calls = 0;
  return {
    async hit(key, limit, windowMs) {
      const t = now();
      const kept = (hits.get(key) ?? []).filter((ts) => ts > t - windowMs);
      const decision = decide(kept, t, limit, windowMs);
      if (decision.allowed) kept.push(t);
      hits.set(key, kept);
      // Forget idle keys now and then so memory stays bounded.
      if (++calls % 1000 === 0) {
        for (const [k, v] of hits) if ((v.at(-1) ?? 0) <= t - windowMs) hits.delete(k);
      }
      return decision;
    },
  };
}

// Sorted set of hit timestamps per key; trim, count, add atomically in one script.
const SLIDING_WINDOW_LUA = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local member = ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, member)
  allowed = 1
end
redis.call('PEXPIRE', key, window)
local oldestScore = now
if oldest[2] then oldestScore = tonumber(oldest[2]) end
return { allowed, count, oldestScore }
`;

const slidingWindow = redisScript(SLIDING_WINDOW_LUA);

export function createRedisRateLimiter(redis: Redis, now: () => number = Date.now): RateLimiter {
  let seq = 0;
  return {
    async hit(key, limit, windowMs) {
      const t = now();
      const member = `${t}-${process.pid}-${seq++}`;
      const [allowed, count, oldest] = (await slidingWindow(
        redis,
        1,
        `mango:rl:${key}`,
        t,
        windowMs,
        limit,
        member,
      )) as [number, number, number];
      const ok = allowed === 1;
      const retryAfterMs = ok ? 0 : oldest + windowMs - t;
      return {
        allowed: ok,
        limit,
        remaining: Math.max(0, limit - count - (ok ? 1 : 0)),
        retryAfterSec: ok ? 0 : Math.max(1, Math.ceil(retryAfterMs / 1000)),
        resetSec: Math.max(1, Math.ceil((oldest + windowMs - t) / 1000)),
      };
    },
  };
}
