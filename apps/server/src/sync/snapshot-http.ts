/**
 * The HTTP side of a snapshot (snapshot.ts): NDJSON on the raw response, brotli (quality 1) or
 * gzip (level 1) when the client accepts it, each write awaited until the socket (or the
 * compressor) drains.
 */
import { once } from 'node:events';
import type { Transform, Writable } from 'node:stream';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SECURITY_HEADERS } from '../http/security-headers';
import type { SnapshotSink } from './snapshot';

export interface ReplySnapshotSink extends SnapshotSink {
  /** The response head went out: errors can no longer become an HTTP status. */
  readonly started: boolean;
  /** Finishes the response (flushes the compressor). */
  end(): Promise<void>;
  /** Cuts the response: the client sees a stream without its `end` line. */
  abort(): void;
}

/** Whether the request accepts `wanted` (named or `*`; a `q=0` refuses it). */
function accepts(header: string | string[] | undefined, wanted: 'br' | 'gzip'): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== wanted && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * The snapshot's content coding: brotli first — at quality 1 it costs the server about half of
 * gzip level 1's CPU for a slightly smaller stream (docs/PERFORMANCE.md, session 9) — then gzip.
 */
export function snapshotCoding(header: string | string[] | undefined): 'br' | 'gzip' | null {
  if (accepts(header, 'br')) return 'br';
  return accepts(header, 'gzip') ? 'gzip' : null;
}

/** The compressor of a coding; on two cores it must not become the bottleneck. */
function compressor(coding: 'br' | 'gzip'): Transform {
  if (coding === 'br')
    return createBrotliCompress({
      chunkSize: 256 * 1024,
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 1,
        [constants.BROTLI_PARAM_SIZE_HINT]: 0,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    });
  // Level 1: NDJSON of rows still shrinks about 6× (measured in the bench, "3. Hydration").
  return createGzip({ level: 1, flush: constants.Z_NO_FLUSH, chunkSize: 256 * 1024 });
}

/** Resolves on the first of the events, then removes its listeners (no leak per chunk). */
async function firstOf(events: [NodeJS.EventEmitter, string][]): Promise<void> {
  const ac = new AbortController();
  try {
    await Promise.race(events.map(([e, name]) => once(e, name, { signal: ac.signal })));
  } catch {
    // an 'error' event: the 'close' that follows marks the sink closed
  } finally {
    ac.abort();
  }
}

export function replySnapshotSink(request: FastifyRequest, reply: FastifyReply): ReplySnapshotSink {
  const res = reply.raw;
  const coding = snapshotCoding(request.headers['accept-encoding']);
  let out: Writable = res;
  let started = false;
  let closed = false;
  res.on('close', () => {
    closed = true;
  });

  const sink: ReplySnapshotSink = {
    get started() {
      return started;
    },
    get closed() {
      return closed || res.destroyed;
    },
    open() {
      started = true;
      reply.hijack();
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'application/x-ndjson; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        ...(coding ? { 'content-encoding': coding, vary: 'accept-encoding' } : {}),
      });
      if (coding) {
        const z = compressor(coding);
        z.on('error', () => res.destroy());
        z.pipe(res);
        out = z;
      }
    },
    async write(line) {
      if (sink.closed) return;
      if (out.write(line)) return;
      // Backpressure: wait for the socket to take what we gave it, or for the client to leave.
      await firstOf([
        [out, 'drain'],
        [res, 'close'],
      ]);
    },
    async end() {
      if (!started || sink.closed) return;
      const finished = firstOf([
        [res, 'finish'],
        [res, 'close'],
      ]);
      out.end();
      await finished;
    },
    abort() {
      closed = true;
      res.destroy();
    },
  };
  return sink;
}
