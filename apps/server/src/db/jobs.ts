/**
 * Maintenance jobs, run as the owner (a scheduler calls them; each is one transaction and
 * safe to repeat). The work is done by SQL functions from the migrations; these wrap them.
 */
import type { Db } from './db';

/** Range-partitioned tables kept in monthly partitions. */
export const MONTHLY_PARTITIONED = ['audit_log', 'push_audit'] as const;

/**
 * Creates the monthly partitions of the audit logs for the month of `from`
 * (default now, UTC months) and the `monthsAhead` next ones, moving any rows that had landed in
 * the default partition for those months. Returns the partitions created.
 */
export async function ensureMonthlyPartitions(
  db: Db,
  opts: { monthsAhead: number; from?: string },
): Promise<string[]> {
  if (!Number.isInteger(opts.monthsAhead) || opts.monthsAhead < 0) {
    throw new TypeError(`monthsAhead must be a non-negative integer, got ${opts.monthsAhead}`);
  }
  return db.ownerTransaction(async (sql) => {
    const created: string[] = [];
    for (const table of MONTHLY_PARTITIONED) {
      const res = await sql.query<{ name: string }>(
        'select ensure_monthly_partitions($1::regclass, $2::int, coalesce($3::timestamptz, now())) as name',
        [table, opts.monthsAhead, opts.from ?? null],
      );
      created.push(...res.rows.map((r) => r.name));
    }
    return created;
  });
}

/** Refreshes the report materialized views without blocking their readers. */
export async function refreshReportViews(db: Db): Promise<void> {
  await db.ownerTransaction(async (sql) => {
    await sql.query('refresh materialized view concurrently mv_daily_revenue');
    await sql.query('refresh materialized view concurrently mv_staff_daily_sales');
  });
}

/**
 * Drops audit_log partitions whose month ended more than `retentionMonths` months before the
 * current month (and such rows in the default partition). Returns the partitions dropped.
 */
export async function dropOldAuditPartitions(
  db: Db,
  opts: { retentionMonths: number; now?: string },
): Promise<string[]> {
  if (!Number.isInteger(opts.retentionMonths) || opts.retentionMonths < 1) {
    throw new TypeError(`retentionMonths must be a positive integer, got ${opts.retentionMonths}`);
  }
  return db.ownerTransaction(async (sql) => {
    const res = await sql.query<{ name: string }>(
      'select drop_old_audit_partitions($1::int, coalesce($2::timestamptz, now())) as name',
      [opts.retentionMonths, opts.now ?? null],
    );
    return res.rows.map((r) => r.name);
  });
}

/**
 * Deletes tombstones every active device of their store has pulled past, and raises
 * stores.min_kept_version accordingly (older cursors then get RESYNC_REQUIRED). Devices not
 * seen for `inactiveDeviceDays` (default 30) do not hold tombstones back.
 */
export async function purgeTombstones(
  db: Db,
  opts: { inactiveDeviceDays?: number } = {},
): Promise<{ purged: number; byTable: Record<string, number> }> {
  const days = opts.inactiveDeviceDays ?? 30;
  return db.ownerTransaction(async (sql) => {
    const res = await sql.query<{ table_name: string; purged: number }>(
      'select table_name, purged from purge_tombstones(make_interval(days => $1::int))',
      [days],
    );
    const byTable: Record<string, number> = {};
    let purged = 0;
    for (const row of res.rows) {
      byTable[row.table_name] = row.purged;
      purged += row.purged;
    }
    return { purged, byTable };
  });
}

/**
 * Deletes the record of which rows each push changed (`sync_changes`, migrations 0022 and 0027)
 * older than `keepDays`, and raises each store's min_kept_version past it: pulls from cursors
 * that old get RESYNC_REQUIRED (the pulls read rows by the log's keys). Returns the rows deleted.
 */
export async function purgeSyncChanges(db: Db, opts: { keepDays: number }): Promise<number> {
  if (!Number.isInteger(opts.keepDays) || opts.keepDays < 1) {
    throw new TypeError(`keepDays must be a positive integer, got ${opts.keepDays}`);
  }
  return db.ownerTransaction(async (sql) => {
    const res = await sql.query<{ n: number | string }>(
      'select purge_sync_changes(make_interval(days => $1::int)) as n',
      [opts.keepDays],
    );
    return Number(res.rows[0]?.n ?? 0);
  });
}
