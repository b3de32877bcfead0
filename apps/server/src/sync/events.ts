import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventBus } from '../bus/event-bus';
import { httpErrors } from '../http/errors';
import { SECURITY_HEADERS } from '../http/security-headers';

/** Open event streams of this instance, so shutdown can end them cleanly. */
export class EventStreams {
  private readonly open = new Set<() => void>();
  private readonly perStore = new Map<string, number>();
  count(): number {
    return this.open.size;
  }
  countFor(storeId: string): number {
    return this.perStore.get(storeId) ?? 0;
  }
  add(close: () => void, storeId?: string): () => void {
    this.open.add(close);
    if (storeId !== undefined) this.perStore.set(storeId, this.countFor(storeId) + 1);
    return () => {
      if (!this.open.delete(close) || storeId === undefined) return;
      const left = this.countFor(storeId) - 1;
      if (left > 0) this.perStore.set(storeId, left);
      else this.perStore.delete(storeId);
    };
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
    /** Streams one store may hold on this instance: a leaked token must not exhaust sockets. */
    maxPerStore: number;
  },
): Promise<void> {
  // Checked and counted with no await in between, so concurrent connects cannot overshoot.
  if (opts.streams.countFor(opts.storeId) >= opts.maxPerStore) {
    throw httpErrors.rateLimited(
      5,
      `This store already has ${opts.maxPerStore} open event streams: close one or retry later.`,
    );
  }
  const res = reply.raw;
  let closed = false;
  // Set once subscribed; close() may run before that (the client left during the subscribe).
  const live: { heartbeat?: NodeJS.Timeout; unsubscribe?: () => Promise<void> } = {};
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(live.heartbeat);
    forget();
    if (live.unsubscribe) void live.unsubscribe();
    res.end();
  };
  const forget = opts.streams.add(close, opts.storeId);
  reply.hijack();
  // Hijacked: Fastify's onSend hooks do not run, so the security headers are written here.
  res.writeHead(200, {
    ...SECURITY_HEADERS,
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
  request.raw.on('close', close);
  let subscribed: () => Promise<void>;
  try {
    subscribed = await opts.bus.subscribe(opts.storeId, send);
  } catch (err) {
    // No bus (Redis down): end the stream so the device falls back to polling and reconnects.
    request.log.warn({ err }, 'event stream could not subscribe');
    close();
    return;
  }
  if (closed) {
    void subscribed();
    return;
  }
  live.unsubscribe = subscribed;
  live.heartbeat = setInterval(() => res.write(`: heartbeat ${Date.now()}\n\n`), opts.heartbeatMs);
}
