import type { FastifyInstance } from 'fastify';
import { type AccessGate, requireAuth, storeAccess } from '../auth/authenticate';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { readStoreUsage } from '../quotas/quotas';

/** The store's usage against its plan's limits: for the owner, who chooses the plan. */
export function registerUsageRoutes(
  app: FastifyInstance,
  deps: { db: Db; clock: Clock; gate: AccessGate },
): void {
  app.get<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/usage',
    { preHandler: requireAuth(deps.gate) },
    async (request) => {
      const access = storeAccess(request, request.params.storeId, 'plan.view');
      return deps.db.transaction(access, (sql) =>
        readStoreUsage(sql, access.storeId, deps.clock.now()),
      );
    },
  );
}
