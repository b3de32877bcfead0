import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPgCluster,
  postgresBinariesPresent,
  type PgCluster,
} from '../../../../test-support/pg-cluster';
import { startServer, type ServerProcess } from '../../../../test-support/server-process';

/**
 * Readiness follows the database: a real server process on our own throwaway cluster (never the
 * shared one) answers 503 while PostgreSQL is stopped and 200 again once it is back, with no
 * restart of the server in between.
 */
describe.skipIf(!postgresBinariesPresent())('/readyz follows PostgreSQL', () => {
  let cluster: PgCluster;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    cluster = await createPgCluster({ prefix: 'mango-readyz-' });
    cluster.start();
    server = await startServer({
      DATABASE_URL: cluster.url().replace('postgres@', 'mango_app@'),
      DATABASE_OWNER_URL: cluster.url(),
      DEMO_SEED: 'false',
      DB_CONNECTION_TIMEOUT_MS: '1000',
    });
  });
  afterAll(async () => {
    await server?.stop();
    cluster?.destroy();
  });

  const readyz = async () => {
    const res = await fetch(`${server!.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
  };
  /** Polls until /readyz answers `status`; the answers seen on the way are returned. */
  const pollUntil = async (status: number, tries = 100) => {
    const seen: number[] = [];
    for (let i = 0; i < tries; i++) {
      const res = await readyz();
      seen.push(res.status);
      if (res.status === status) return res;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`/readyz never answered ${status}; saw ${seen.join(',')}\n${server!.output()}`);
  };

  it('is ready with the database up', async () => {
    const res = await readyz();
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ database: 'ok', migrations: 'ok' });
  });

  it('answers 503 while PostgreSQL is stopped, 200 once it is back, same process', async () => {
    const healthBefore = await fetch(`${server!.url}/healthz`);
    expect(healthBefore.status).toBe(200);

    cluster.stop('fast');
    const down = await pollUntil(503);
    expect(down.body.checks.database).toMatch(/^down: /);
    // The process itself stays up: restarts are not the answer to a database outage.
    expect((await fetch(`${server!.url}/healthz`)).status).toBe(200);

    cluster.start();
    const up = await pollUntil(200);
    expect(up.body.checks).toEqual({ database: 'ok', migrations: 'ok' });
  });
});
