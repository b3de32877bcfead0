import { defineConfig } from 'vitest/config';
import { scaleEnv } from './apps/server/src/scale/test-support/scale-env';

// `npm run test:scale`: the scale-out suite on the real services (PostgreSQL, Redis, PgBouncer,
// throwaway clusters for replicas and shards), plus the server's integration suites with every
// connection through a real PgBouncer in transaction mode. Defaults to the local services.
const env = scaleEnv();

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'scale',
          root: 'apps/server',
          include: ['src/**/*.scale.test.ts'],
          env,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'server-via-pgbouncer',
          root: 'apps/server',
          include: ['src/**/*.pg.test.ts'],
          globalSetup: ['src/scale/test-support/pgbouncer-global-setup.ts'],
          env,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
