import type { PullResponse } from '@mango/protocol';
import type { Db, Sql } from '../db/db';
import { readChangesSince, ResyncRequiredError } from '../db/entity-store';
import { deviceRefusal } from '../auth/authenticate';
import { HttpError } from '../http/errors';
import type { DeviceHead, StoreHead } from './heads';

export interface PullCommand {
  storeId: string;
  organizationId: string;
  userId: string;
  deviceId: string;
  cursor: number;
  limit: number;
  /** The epoch the device's cursor came with (absent from devices that predate epochs). */
  epoch?: string | undefined;
}

/** A pull's answer, and the heads it read (to answer the device's next quiet pulls). */
export interface PulledPage {
  response: PullResponse;
  store: StoreHead;
  device: DeviceHead;
}

/**
 * The device check and its lastMutationId in one read (a pull is the most frequent request):
 * 403 when the device is not registered to the store or was revoked.
 */
export async function syncingDeviceLastMutationId(
  sql: Sql,
  storeId: string,
  deviceId: string,
): Promise<number> {
  const device = await sql.query<{ last_mutation_id: number; revoked: boolean }>(
    `select last_mutation_id, revoked_at is not null as revoked from devices
      where id = $1 and store_id = $2`,
    [deviceId, storeId],
  );
  const refused = deviceRefusal(device.rows[0]);
  if (refused) throw refused;
  return Number(device.rows[0]?.last_mutation_id ?? 0);
}

/** The 409 RESYNC_REQUIRED answer for a cursor that cannot be continued (pull and snapshot). */
export function resyncHttpError(e: ResyncRequiredError): HttpError {
  return new HttpError(
    409,
    'RESYNC_REQUIRED',
    e.reason === 'TOMBSTONES_PURGED'
      ? 'This device has been away longer than the server keeps its record of changes and deletions: push pending changes, then sync again from the start.'
      : "The store's data was restored from a backup since this device last synced: push pending changes, then sync again from the start.",
    { reason: e.reason, minKeptVersion: e.minKeptVersion },
  );
}

/**
 * Changes since the device's cursor, in version order, plus its lastMutationId and unacknowledged
 * rejections; 403 when the device is not registered to the store or was revoked. lastMutationId is read before the changes: whatever it acknowledges has committed
 * before the changes are read, so the device never drops a pending mutation whose effect it has
 * not received.
 */
export async function pullChanges(db: Db, cmd: PullCommand): Promise<PulledPage> {
  return db.transaction(
    {
      storeId: cmd.storeId,
      organizationId: cmd.organizationId,
      userId: cmd.userId,
      deviceId: cmd.deviceId,
    },
    async (sql) => {
      const lastMutationId = await syncingDeviceLastMutationId(sql, cmd.storeId, cmd.deviceId);
      let page;
      try {
        page = await readChangesSince(sql, cmd.storeId, cmd.cursor, cmd.limit, cmd.epoch);
      } catch (e) {
        if (e instanceof ResyncRequiredError) throw resyncHttpError(e);
        throw e;
      }
      const rejections = await sql.query<{ mutation_id: number; code: string; message: string }>(
        `select mutation_id, code, message from rejected_mutations
          where store_id = $1 and device_id = $2 and acknowledged_at is null
          order by mutation_id limit 200`,
        [cmd.storeId, cmd.deviceId],
      );
      // Written only when it tells something new: most pulls of a quiet store change nothing,
      // and a write per pull was most of a pull's cost (a minute is precise enough for
      // "last seen" and for the tombstone window measured in days).
      await sql.query(
        `update devices set last_pulled_version = greatest(last_pulled_version, $2), last_seen_at = now()
          where id = $1 and (last_pulled_version < $2 or last_seen_at < now() - interval '1 minute')`,
        [cmd.deviceId, cmd.cursor],
      );
      return {
        response: {
          cursor: page.cursor,
          epoch: page.epoch,
          hasMore: page.hasMore,
          lastMutationId,
          changes: page.changes,
          rejections: rejections.rows.map((r) => ({
            id: r.mutation_id,
            code: r.code,
            message: r.message,
          })),
        },
        store: { version: page.storeVersion, epoch: page.epoch },
        device: { lastMutationId, openRejections: rejections.rows.length > 0 },
      };
    },
  );
}

export async function acknowledgeRejections(
  db: Db,
  cmd: { storeId: string; organizationId: string; deviceId: string; ids: number[] },
): Promise<number> {
  return db.transaction(
    { storeId: cmd.storeId, organizationId: cmd.organizationId, deviceId: cmd.deviceId },
    async (sql) => {
      const res = await sql.query(
        `update rejected_mutations set acknowledged_at = now()
        where store_id = $1 and device_id = $2 and mutation_id = any($3::bigint[]) and acknowledged_at is null`,
        [cmd.storeId, cmd.deviceId, cmd.ids],
      );
      return res.rowCount;
    },
  );
}
