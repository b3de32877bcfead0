import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventBus } from '../bus/event-bus';

/** Open event streams of this instance, so shutdown can end them cleanly. */
export class EventStreams {
  private readonly open = new Set<() => void>();
  count(): number {
    return this.open.size;
  }
  add(close: () => void): () => void {
    this.open.add(close);
    return () => this.open.delete(close);
  }
  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}

/**
 * `event: version` whenever the store's version advances (from any instance, via the bus), the
 * current version at once on connect, and a comment heartbeat so proxies keep the stream open.
 */
export async function streamStoreVersions(
  request: FastifyRequest,
  reply: FastifyReply,
  opts: {
    storeId: string;
    currentVersion: number;
    bus: EventBus;
    streams: EventStreams;
    heartbeatMs: number;
  },
): Promise<void> {
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let lastSent = -1;
  const send = (version: number) => {
    if (version <= lastSent) return;
    lastSent = version;
    res.write(`event: version\ndata: ${JSON.stringify({ version })}\n\n`);
  };
  res.write('retry: 2000\n\n');
  send(opts.currentVersion);
  const unsubscribe = await opts.bus.subscribe(opts.storeId, send);
  const heartbeat = setInterval(() => res.write(`: heartbeat ${Date.now()}\n\n`), opts.heartbeatMs);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    forget();
    void unsubscribe();
    res.end();
  };
  const forget = opts.streams.add(close);
  request.raw.on('close', close);
}
