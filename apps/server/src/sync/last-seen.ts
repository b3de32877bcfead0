import type { Clock } from '../clock';
import type { Db } from '../db/db';

/**
 * "Last seen" of the devices whose pulls were answered from the heads (no database statement),
 * written in batches: one statement per flush for every device seen on this instance since the
 * last one. `last_pulled_version` holds tombstones back (jobs.ts purgeTombstones): a late or lost
 * batch only keeps them longer, it never lets one go early.
 */
export interface LastSeenRecorder {
  note(storeId: string, deviceId: string, cursor: number): void;
  /** Writes what was noted; returns the devices written. */
  flush(): Promise<number>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
  pending(): number;
}

interface Seen {
  storeId: string;
  cursor: number;
  at: Date;
}

/** Beyond this many devices a flush starts at once (bounded memory between flushes). */
const MAX_PENDING = 20_000;

export function createLastSeenRecorder(deps: {
  db: Db;
  clock: Clock;
  intervalMs: number;
  onError: (err: unknown) => void;
}): LastSeenRecorder {
  let seen = new Map<string, Seen>();
  let flushing: Promise<number> | null = null;

  async function write(batch: Map<string, Seen>): Promise<number> {
    if (batch.size === 0) return 0;
    const rows = [...batch.entries()];
    // As the tables' owner: the batch spans stores, and it writes only what the app could (its
    // own pulls' cursors), matched on both the device and its store.
    await deps.db.ownerTransaction((sql) =>
      sql.query(
        `update devices d
            set last_pulled_version = greatest(d.last_pulled_version, v.cursor),
                last_seen_at = greatest(d.last_seen_at, v.seen_at)
           from unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::timestamptz[])
                  as v(id, store_id, cursor, seen_at)
          where d.id = v.id and d.store_id = v.store_id`,
        [
          rows.map(([id]) => id),
          rows.map(([, s]) => s.storeId),
          rows.map(([, s]) => String(s.cursor)),
          rows.map(([, s]) => s.at.toISOString()),
        ],
      ),
    );
    return rows.length;
  }

  function flush(): Promise<number> {
    if (flushing) return flushing;
    const batch = seen;
    seen = new Map();
    flushing = write(batch)
      .catch((err: unknown) => {
        // Kept for the next flush, unless newer news of the device came meanwhile.
        for (const [id, s] of batch) if (!seen.has(id)) seen.set(id, s);
        deps.onError(err);
        return 0;
      })
      .finally(() => {
        flushing = null;
      });
    return flushing;
  }

  const timer = setInterval(() => void flush(), deps.intervalMs);
  timer.unref();

  return {
    note(storeId, deviceId, cursor) {
      const known = seen.get(deviceId);
      seen.set(deviceId, {
        storeId,
        cursor: Math.max(cursor, known?.cursor ?? 0),
        at: deps.clock.now(),
      });
      if (seen.size >= MAX_PENDING) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flushing;
      await flush();
    },
    pending: () => seen.size,
  };
}
