/**
 * `Sql.streamText` on node-postgres: `COPY (select) TO STDOUT (FORMAT binary)` run as a custom
 * submittable, so the rows reach us as the raw bytes of their CopyData messages. The driver's
 * DataRow path decodes every value to a JS string, which the snapshot then encoded again for
 * the socket: about two thirds of the server's CPU per row (docs/PERFORMANCE.md, session 9).
 *
 * Backpressure: while a batch is being handled the connection's socket is paused, so PostgreSQL
 * blocks on its send once the socket buffers are full; memory stays at about one batch.
 */
import type pg from 'pg';
import { CopyBinaryReader } from './copy-binary';
import { checkBatchRows } from './db';

interface Connection {
  query(text: string): void;
  sendCopyFail(message: string): void;
  stream: { pause(): void; resume(): void };
}

export function copyOutText(
  client: pg.PoolClient,
  select: string,
  batchRows: number,
  onBatch: (values: Buffer[]) => Promise<boolean | void>,
): Promise<void> {
  checkBatchRows(batchRows);
  return new Promise<void>((resolve, reject) => {
    const reader = new CopyBinaryReader();
    let batch: Buffer[] = [];
    let stream: Connection['stream'] | null = null;
    /** Batches handed to onBatch and not yet handled, in order. */
    let queue: Promise<void> = Promise.resolve();
    let queued = 0;
    /** Set when onBatch failed or stopped, or the stream was malformed: the rest is dropped. */
    let stopped = false;
    let failure: unknown = null;
    let settled = false;
    const stop = (err: unknown) => {
      stopped = true;
      failure ??= err;
    };
    const send = (values: Buffer[]) => {
      queued++;
      stream?.pause();
      queue = queue
        .then(async () => {
          if (!stopped && (await onBatch(values)) === false) stopped = true;
        })
        .catch(stop)
        .finally(() => {
          if (--queued === 0 || stopped) stream?.resume();
        });
    };
    const submittable = {
      submit(connection: Connection) {
        stream = connection.stream;
        connection.query(`copy (${select}) to stdout (format binary)`);
      },
      handleCopyData(msg: { chunk: Buffer }) {
        if (stopped) return;
        try {
          // A copy: the driver's chunk is a view into a read buffer it compacts in place.
          for (const value of reader.push(Buffer.from(msg.chunk))) {
            batch.push(value);
            if (batch.length === batchRows) {
              send(batch);
              batch = [];
            }
          }
        } catch (err) {
          stop(err);
          stream?.resume();
        }
      },
      handleCommandComplete() {
        if (stopped) return;
        try {
          reader.finish();
        } catch (err) {
          stop(err);
          return;
        }
        if (batch.length > 0) send(batch);
        batch = [];
      },
      handleReadyForQuery() {
        void queue.then(() => {
          if (settled) return;
          settled = true;
          if (failure !== null) reject(failure);
          else resolve();
        });
      },
      handleError(err: Error) {
        stop(err);
        stream?.resume();
        if (settled) return;
        settled = true;
        reject(err);
      },
      handleCopyInResponse(connection: Connection) {
        connection.sendCopyFail('streamText reads only');
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
    };
    client.query(submittable as unknown as pg.Submittable);
  });
}
