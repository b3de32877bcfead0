/**
 * Bench, "3. Hydration": a new device reading the store's snapshot (GET …/sync/snapshot,
 * docs/SYNC.md "Snapshot") over plain HTTP, as NDJSON, gzip or brotli, every line parsed as a device
 * would. Rows per second over the whole stream, bytes on the wire.
 */
import http from 'node:http';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

export type SnapshotEncoding = 'identity' | 'gzip' | 'br';

export interface SnapshotMeasure {
  encoding: SnapshotEncoding;
  seconds: number;
  rows: number;
  rowsPerSecond: number;
  lines: number;
  wireBytes: number;
  /** Milliseconds from the request to the `essentials` marker. */
  essentialsMs: number | null;
  complete: boolean;
}

/** What one snapshot cost in CPU: wall-clock rows/s on a shared machine is noisy, this is less. */
export interface SnapshotCpu {
  /** The server process (user + system), in ms at 10 ms ticks. */
  serverCpuMs: number;
  /** The application role's PostgreSQL backends on the bench database (the snapshot's among them). */
  postgresCpuMs: number;
  serverMsPer1000Rows: number | null;
  postgresMsPer1000Rows: number | null;
  /** The machine's 1-minute load average as the run started. */
  load1: number | null;
}

export function snapshotCpu(
  rows: number,
  serverCpuMs: number,
  postgresCpuMs: number,
  load1: number | null,
): SnapshotCpu {
  const per1000 = (ms: number) => (rows > 0 ? Math.round((ms * 1000 * 100) / rows) / 100 : null);
  return {
    serverCpuMs,
    postgresCpuMs,
    serverMsPer1000Rows: per1000(serverCpuMs),
    postgresMsPer1000Rows: per1000(postgresCpuMs),
    load1,
  };
}

export function measureSnapshot(opts: {
  baseUrl: string;
  storeId: string;
  deviceId: string;
  token: string;
  encoding: SnapshotEncoding;
}): Promise<SnapshotMeasure> {
  const url = new URL(
    `/api/v1/stores/${opts.storeId}/sync/snapshot?deviceId=${opts.deviceId}`,
    opts.baseUrl,
  );
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(
      url,
      {
        headers: {
          authorization: `Bearer ${opts.token}`,
          'accept-encoding': opts.encoding,
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => reject(new Error(`snapshot answered ${res.statusCode}: ${body}`)));
          return;
        }
        let wireBytes = 0;
        res.on('data', (d: Buffer) => (wireBytes += d.length));
        const coding = res.headers['content-encoding'];
        const body: Readable =
          coding === 'gzip'
            ? res.pipe(createGunzip({ chunkSize: 256 * 1024 }))
            : coding === 'br'
              ? res.pipe(createBrotliDecompress({ chunkSize: 256 * 1024 }))
              : res;
        body.setEncoding('utf8');
        let rows = 0;
        let lines = 0;
        let essentialsMs: number | null = null;
        let complete = false;
        const handle = (text: string) => {
          const line = JSON.parse(text) as { type: string; rows?: unknown[] };
          lines++;
          if (line.type === 'rows') rows += line.rows?.length ?? 0;
          else if (line.type === 'essentials') essentialsMs = performance.now() - started;
          else if (line.type === 'end') complete = true;
        };
        // Only the new piece is searched for line ends (a 240 KB line arrives in many pieces).
        let pieces: string[] = [];
        body.on('data', (chunk: string) => {
          let from = 0;
          let nl = chunk.indexOf('\n');
          while (nl >= 0) {
            pieces.push(chunk.slice(from, nl));
            handle(pieces.join(''));
            pieces = [];
            from = nl + 1;
            nl = chunk.indexOf('\n', from);
          }
          if (from < chunk.length) pieces.push(chunk.slice(from));
        });
        body.on('error', reject);
        body.on('end', () => {
          const seconds = (performance.now() - started) / 1000;
          resolve({
            encoding: opts.encoding,
            seconds: Math.round(seconds * 100) / 100,
            rows,
            rowsPerSecond: Math.round(rows / seconds),
            lines,
            wireBytes,
            essentialsMs: essentialsMs === null ? null : Math.round(essentialsMs),
            complete,
          });
        });
      },
    );
    req.on('error', reject);
  });
}
