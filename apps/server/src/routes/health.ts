import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/db';
import { pendingMigrations } from '../db/migrate';

export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

/** A check that hangs (a black-holed database host) must not hang the load balancer's probe. */
const CHECK_TIMEOUT_MS = 2000;

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is up (for restarts). `/readyz`: it can serve (for load balancers):
 * database reachable through the pool requests use, migrations current, and every extra probe
 * (Redis) answering. Both pools reconnect by themselves, so readiness comes back without a
 * restart once the database does.
 */
export function registerHealthRoutes(app: FastifyInstance, db: Db, probes: ReadinessProbe[]): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {};
    let ready = true;
    try {
      await within(
        CHECK_TIMEOUT_MS,
        db.transaction(null, (sql) => sql.query('select 1')),
      );
      const pending = await within(CHECK_TIMEOUT_MS, pendingMigrations(db));
      checks.database = 'ok';
      checks.migrations = pending.length === 0 ? 'ok' : `${pending.length} pending`;
      if (pending.length > 0) ready = false;
    } catch (e) {
      checks.database = `down: ${(e as Error).message}`;
      ready = false;
    }
    for (const probe of probes) {
      try {
        await within(CHECK_TIMEOUT_MS, probe.check());
        checks[probe.name] = 'ok';
      } catch (e) {
        checks[probe.name] = `down: ${(e as Error).message}`;
        ready = false;
      }
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}
