import type { EntityName } from '@mango/domain/entities';
import type { FastifyInstance } from 'fastify';
import { type AccessGate, requireAuth, storeAccess } from '../auth/authenticate';
import type { Cache } from '../cache/cache';
import type { Db, Sql } from '../db/db';
import { createSqlMutatorTx } from '../db/entity-store';

/** Rows as the mutators see them; this transaction never writes (the version is never used). */
const readOnly = (sql: Sql, storeId: string) => createSqlMutatorTx(sql, { storeId, version: 1 });

/**
 * The store's settings, staff, services and products in one read: what a new device, the
 * booking site or an integration asks for again and again. Each part is cached by itself, so a
 * new service does not evict the staff list.
 */
export function registerCatalogRoutes(
  app: FastifyInstance,
  deps: { db: Db; gate: AccessGate; cache: Cache },
): void {
  app.get<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/catalog',
    { preHandler: requireAuth(deps.gate) },
    async (request) => {
      const access = storeAccess(request, request.params.storeId);
      const read = <E extends EntityName>(entity: E) =>
        deps.cache.getOrLoad(access.storeId, [entity], entity, () =>
          deps.db.transaction(access, (sql) => readOnly(sql, access.storeId).list(entity)),
        );
      const store = await deps.cache.getOrLoad(access.storeId, ['store'], 'store', () =>
        deps.db.transaction(access, async (sql) => {
          const row = await readOnly(sql, access.storeId).get('store', access.storeId);
          return row ?? null;
        }),
      );
      const [staff, services, products] = [
        await read('staff'),
        await read('service'),
        await read('product'),
      ];
      return { store, staff, services, products };
    },
  );
}
