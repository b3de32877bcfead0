/**
 * The services the scale suite and bench run against: TEST_DATABASE_URL and TEST_REDIS_URL, or
 * this machine's (PostgreSQL with trust authentication, Redis) when they are not set.
 */
export function scaleEnv(): { TEST_DATABASE_URL: string; TEST_REDIS_URL: string } {
  const env = {
    TEST_DATABASE_URL:
      process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    TEST_REDIS_URL: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
  };
  // The global setup (PgBouncer) runs in this process and reads them from here.
  Object.assign(process.env, env);
  return env;
}
