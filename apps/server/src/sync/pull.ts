import type { PullResponse } from '@mango/protocol';
import type { Db } from '../db/db';
import { readChangesSince, ResyncRequiredError } from '../db/entity-store';
import { HttpError } from '../http/errors';

export interface PullCommand {
  storeId: string;
  organizationId: string;
  userId: string;
  deviceId: string;
  cursor: number;
  limit: number;
}

/**
 * Changes since the device's cursor, in version order, plus its lastMutationId and unacknowledged
 * rejections. lastMutationId is read before the changes: whatever it acknowledges has committed
 * before the changes are read, so the device never drops a pending mutation whose effect it has
 * not received.
 */
export async function pullChanges(db: Db, cmd: PullCommand): Promise<PullResponse> {
  return db.transaction(
    {
      storeId: cmd.storeId,
      organizationId: cmd.organizationId,
      userId: cmd.userId,
      deviceId: cmd.deviceId,
    },
    async (sql) => {
      const device = await sql.query<{ last_mutation_id: number }>(
        'select last_mutation_id from devices where id = $1 and store_id = $2',
        [cmd.deviceId, cmd.storeId],
      );
      const lastMutationId = device.rows[0]?.last_mutation_id ?? 0;
      let page;
      try {
        page = await readChangesSince(sql, cmd.storeId, cmd.cursor, cmd.limit);
      } catch (e) {
        if (e instanceof ResyncRequiredError) {
          throw new HttpError(
            409,
            'RESYNC_REQUIRED',
            'This device has been away longer than the server keeps deletions: push pending changes, then sync again from the start.',
            { minKeptVersion: e.minKeptVersion },
          );
        }
        throw e;
      }
      const rejections = await sql.query<{ mutation_id: number; code: string; message: string }>(
        `select mutation_id, code, message from rejected_mutations
          where store_id = $1 and device_id = $2 and acknowledged_at is null
          order by mutation_id limit 200`,
        [cmd.storeId, cmd.deviceId],
      );
      await sql.query(
        'update devices set last_pulled_version = greatest(last_pulled_version, $2), last_seen_at = now() where id = $1',
        [cmd.deviceId, cmd.cursor],
      );
      return {
        cursor: page.cursor,
        hasMore: page.hasMore,
        lastMutationId,
        changes: page.changes,
        rejections: rejections.rows.map((r) => ({
          id: r.mutation_id,
          code: r.code,
          message: r.message,
        })),
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
