import { registerDeviceRequestSchema } from '@mango/protocol';
import type { FastifyInstance } from 'fastify';
import { requireAuth, storeAccess } from '../auth/authenticate';
import type { TokenSigner } from '../auth/tokens';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { HttpError } from '../http/errors';
import { parseOrThrow } from '../http/validate';

/**
 * A POS device registers to one store, signed in once by a manager or owner. Its id is bound to
 * that store for good: registering it again to the same store is idempotent, to another refused.
 */
export function registerDeviceRoutes(
  app: FastifyInstance,
  deps: { db: Db; signer: TokenSigner; clock: Clock },
): void {
  app.post<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/devices',
    { preHandler: requireAuth(deps.signer, deps.clock) },
    async (request, reply) => {
      const access = storeAccess(request, request.params.storeId, ['owner', 'manager']);
      const body = parseOrThrow(registerDeviceRequestSchema, request.body);
      const inserted = await deps.db.transaction(access, async (sql) => {
        const res = await sql.query(
          `insert into devices (id, store_id, organization_id, name, registered_by)
           values ($1, $2, $3, $4, $5)
           on conflict (id) do nothing`,
          [body.deviceId, access.storeId, access.organizationId, body.name, access.userId],
        );
        if (res.rowCount === 1) return true;
        const mine = await sql.query('select 1 from devices where id = $1 and store_id = $2', [
          body.deviceId,
          access.storeId,
        ]);
        return mine.rowCount === 1 ? false : null;
      });
      if (inserted === null) {
        throw new HttpError(
          409,
          'DEVICE_ID_TAKEN',
          'This device id belongs to another store: clear the app data on this device and register again.',
        );
      }
      return reply.code(inserted ? 201 : 200).send({ deviceId: body.deviceId });
    },
  );
}
