import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/db';
import { pendingMigrations } from '../db/migrate';

export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

/**
 * `/healthz`: the process is up (for restarts). `/readyz`: it can serve (for load balancers):
 * database reachable, migrations current, and every extra probe (Redis) answering.
 */
export function registerHealthRoutes(app: FastifyInstance, db: Db, probes: ReadinessProbe[]): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {};
    let ready = true;
    try {
      const pending = await pendingMigrations(db);
      checks.database = 'ok';
      checks.migrations = pending.length === 0 ? 'ok' : `${pending.length} pending`;
      if (pending.length > 0) ready = false;
    } catch (e) {
      checks.database = `down: ${(e as Error).message}`;
      ready = false;
    }
    for (const probe of probes) {
      try {
        await probe.check();
        checks[probe.name] = 'ok';
      } catch (e) {
        checks[probe.name] = `down: ${(e as Error).message}`;
        ready = false;
      }
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
