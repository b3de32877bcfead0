import { startPgBouncer } from './pgbouncer';

/**
 * For the server's integration suites run by `npm run test:scale`: one PgBouncer in transaction
 * mode in front of TEST_DATABASE_URL's server. The suites' pools connect through it
 * (TEST_PGBOUNCER_URL, read by db/test-support/engines.ts).
 */
export default async function setup() {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error('TEST_DATABASE_URL is not set: the scale suite needs PostgreSQL');
  const upstream = new URL(admin);
  const bouncer = await startPgBouncer({
    upstreamHost: upstream.hostname,
    upstreamPort: Number(upstream.port || 5432),
    poolSize: 4,
  });
  process.env.TEST_PGBOUNCER_URL = `postgres://${bouncer.host}:${bouncer.port}`;
  return async () => {
    await bouncer.stop();
  };
}
