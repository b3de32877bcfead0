import { registerDeviceRequestSchema, type RegisterDeviceResponse } from '@mango/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type AccessGate, requireAuth, storeAccess } from '../auth/authenticate';
import type { Db } from '../db/db';
import { HttpError, httpErrors } from '../http/errors';
import { parseOrThrow } from '../http/validate';
import type { SyncHeads } from '../sync/heads';

const deviceSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  /** Its code in the store, in front of its ticket numbers ("A" of "A-017"). */
  shortCode: z.string(),
  registeredAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime().nullable(),
  lastMutationId: z.number().int(),
  lastPulledVersion: z.number().int(),
  revokedAt: z.iso.datetime().nullable(),
});
export const deviceListSchema = z.object({ items: z.array(deviceSchema) });
export type DeviceSummary = z.infer<typeof deviceSchema>;
export const revokedDeviceSchema = z.object({ id: z.uuid(), revokedAt: z.iso.datetime() });

/** A store has a handful of tablets; the cap only bounds a pathological store's answer. */
const MAX_LISTED_DEVICES = 500;

const DEVICE_COLUMNS = `id, name, short_code as "shortCode", created_at as "registeredAt", last_seen_at as "lastSeenAt",
  last_mutation_id::int as "lastMutationId", last_pulled_version::int as "lastPulledVersion",
  revoked_at as "revokedAt"`;

type DeviceRow = Omit<DeviceSummary, 'registeredAt' | 'lastSeenAt' | 'revokedAt'> & {
  registeredAt: Date | string;
  lastSeenAt: Date | string | null;
  revokedAt: Date | string | null;
};

const iso = (t: Date | string) => new Date(t).toISOString();
const isoOrNull = (t: Date | string | null) => (t === null ? null : iso(t));

function toSummary(row: DeviceRow): DeviceSummary {
  return {
    ...row,
    registeredAt: iso(row.registeredAt),
    lastSeenAt: isoOrNull(row.lastSeenAt),
    revokedAt: isoOrNull(row.revokedAt),
  };
}

/**
 * A POS device registers to one store, signed in once by a manager or owner. Its id is bound to
 * that store for good: registering it again to the same store is idempotent, to another refused.
 * Owners and managers see the store's devices and revoke a lost one: it can then neither sync
 * nor register again under that id.
 */
export function registerDeviceRoutes(
  app: FastifyInstance,
  deps: { db: Db; gate: AccessGate; heads: SyncHeads },
): void {
  app.post<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/devices',
    { preHandler: requireAuth(deps.gate) },
    async (request, reply) => {
      const access = storeAccess(request, request.params.storeId, 'devices.manage');
      const body = parseOrThrow(registerDeviceRequestSchema, request.body);
      // The short code comes from the devices_short_code trigger (migration 0016).
      const inserted = await deps.db.transaction(access, async (sql) => {
        const res = await sql.query<{ short_code: string }>(
          `insert into devices (id, store_id, organization_id, name, registered_by)
           values ($1, $2, $3, $4, $5)
           on conflict (id) do nothing returning short_code`,
          [body.deviceId, access.storeId, access.organizationId, body.name, access.userId],
        );
        if (res.rows[0]) return { created: true, shortCode: res.rows[0].short_code };
        const mine = await sql.query<{ revoked: boolean; short_code: string }>(
          `select revoked_at is not null as revoked, short_code from devices
            where id = $1 and store_id = $2 and kind = 'desk'`,
          [body.deviceId, access.storeId],
        );
        const row = mine.rows[0];
        if (!row) return null;
        return row.revoked ? 'revoked' : { created: false, shortCode: row.short_code };
      });
      if (inserted === 'revoked') {
        throw new HttpError(
          409,
          'DEVICE_REVOKED',
          'This device was revoked: clear the app data on this device and register it again.',
        );
      }
      if (inserted === null) {
        throw new HttpError(
          409,
          'DEVICE_ID_TAKEN',
          'This device id belongs to another store: clear the app data on this device and register again.',
        );
      }
      const answer: RegisterDeviceResponse = {
        deviceId: body.deviceId,
        shortCode: inserted.shortCode,
      };
      return reply.code(inserted.created ? 201 : 200).send(answer);
    },
  );

  app.get<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/devices',
    { preHandler: requireAuth(deps.gate) },
    async (request) => {
      const access = storeAccess(request, request.params.storeId, 'devices.manage');
      const rows = await deps.db.transaction(access, async (sql) =>
        sql.query<DeviceRow>(
          // The booking page's own device (kind 'online') is the server's: not the desk's to list.
          `select ${DEVICE_COLUMNS} from devices where store_id = $1 and kind = 'desk'
            order by revoked_at is not null, created_at, id limit $2`,
          [access.storeId, MAX_LISTED_DEVICES],
        ),
      );
      return { items: rows.rows.map(toSummary) };
    },
  );

  app.delete<{ Params: { storeId: string; deviceId: string } }>(
    '/api/v1/stores/:storeId/devices/:deviceId',
    { preHandler: requireAuth(deps.gate) },
    async (request) => {
      const access = storeAccess(request, request.params.storeId, 'devices.manage');
      const deviceId = z.uuid().safeParse(request.params.deviceId);
      if (!deviceId.success) throw httpErrors.notFound('No such device in this store.');
      const revokedAt = await deps.db.transaction(access, async (sql) => {
        // Revoking twice keeps the first time and writes nothing: the answer is the same.
        const revoked = await sql.query<{ revoked_at: Date | string }>(
          `update devices set revoked_at = now(), revoked_by = $3
            where id = $1 and store_id = $2 and kind = 'desk' and revoked_at is null
            returning revoked_at`,
          [deviceId.data, access.storeId, access.userId],
        );
        if (revoked.rows[0]) return revoked.rows[0].revoked_at;
        const earlier = await sql.query<{ revoked_at: Date | string | null }>(
          `select revoked_at from devices where id = $1 and store_id = $2 and kind = 'desk'`,
          [deviceId.data, access.storeId],
        );
        return earlier.rows[0]?.revoked_at ?? null;
      });
      if (revokedAt === null) throw httpErrors.notFound('No such device in this store.');
      // Its quiet pulls were answered without the database: the next one reads it (and is refused).
      await deps.heads.forget(access.storeId, deviceId.data);
      return { id: deviceId.data, revokedAt: iso(revokedAt) };
    },
  );
}
