import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The arguments of a script after its key count: keys, then ARGV. */
export type ScriptArgs = (string | number)[];

/**
 * A Lua script run by its SHA1 (EVALSHA). EVAL sends the script's text with every call (the
 * heads' advance is 1 KiB, once per push) and Redis hashes it each time; by SHA only the
 * arguments cross. Redis forgets scripts on a restart or SCRIPT FLUSH: then the first call answers
 * NOSCRIPT and is sent again as EVAL, which loads the script for the calls after it.
 */
export function redisScript(
  lua: string,
): (redis: Redis, numKeys: number, ...args: ScriptArgs) => Promise<unknown> {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (redis, numKeys, ...args) => {
    try {
      return await redis.evalsha(sha, numKeys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return redis.eval(lua, numKeys, ...args);
      }
      throw err;
    }
  };
}
