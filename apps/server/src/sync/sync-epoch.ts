import type { Db } from '../db/db';
import type { SyncHeads } from './heads';

/**
 * After a point-in-time restore or a failover that lost commits: gives the store (or every store
 * in this database) a new sync epoch, so each device's next pull gets 409 RESYNC_REQUIRED and the
 * device re-pushes the mutations it had acknowledged past the restore point, then hydrates again
 * (see migration 0009 and docs/OPERATIONS.md). Returns how many stores got a new epoch.
 */
export async function rotateSyncEpochs(
  db: Db,
  storeId?: string,
  /** The sync heads answering quiet pulls: forgotten, so the next pulls see the new epochs. */
  heads?: SyncHeads,
): Promise<number> {
  const rotated = await db.ownerTransaction(async (sql) => {
    const res =
      storeId === undefined
        ? await sql.query('update stores set sync_epoch = gen_random_uuid()')
        : await sql.query('update stores set sync_epoch = gen_random_uuid() where id = $1', [
            storeId,
          ]);
    return res.rowCount;
  });
  if (heads) await (storeId === undefined ? heads.forgetAll() : heads.forget(storeId));
  return rotated;
}
