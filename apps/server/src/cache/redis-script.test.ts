import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisScript } from './redis-script';

const redisUrl = process.env.TEST_REDIS_URL;

describe.runIf(redisUrl)('redisScript (Redis)', () => {
  const redis = new Redis(redisUrl!, { maxRetriesPerRequest: 1 });
  afterAll(() => redis.quit());

  it('loads a script Redis does not know (NOSCRIPT → EVAL), then runs it by its SHA', async () => {
    // A script of its own (a unique comment): Redis cannot have it cached yet.
    const lua = `-- ${randomUUID()}\nreturn {KEYS[1], ARGV[1]}`;
    const sha = createHash('sha1').update(lua).digest('hex');
    const known = async () => ((await redis.script('EXISTS', sha)) as number[])[0];
    const run = redisScript(lua);
    expect(await known()).toBe(0);
    expect(await run(redis, 1, 'k', 'v')).toEqual(['k', 'v']);
    expect(await known()).toBe(1);
    expect(await run(redis, 1, 'k2', 7)).toEqual(['k2', '7']);
  });

  it('passes a script error through', async () => {
    const run = redisScript(`-- ${randomUUID()}\nreturn redis.error_reply('BOOM nope')`);
    await expect(run(redis, 0)).rejects.toThrow('BOOM nope');
  });
});
