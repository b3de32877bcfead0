import type { PokeDelta } from '@mango/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventBus } from '../bus/event-bus';
import { httpErrors } from '../http/errors';
import { SECURITY_HEADERS } from '../http/security-headers';

/** What a stream needs of its response: `http.ServerResponse` in the app, a fake in tests. */
export interface StreamSink {
  write(chunk: string): unknown;
  end(): unknown;
}

/**
 * One open stream. A plain object, with no timer or closure of its own: an instance holds
 * tens of thousands of them (issue #20), so what each costs is multiplied.
 */
export interface OpenStream {
  readonly storeId: string;
  readonly sink: StreamSink;
  readonly slot: number;
  lastSent: number;
  closed: boolean;
}

/** A store's streams on this instance, poked through one bus subscription for all of them. */
interface StoreStreams {
  readonly streams: Set<OpenStream>;
  /** Settles when the bus delivers the store's versions here; rejects when it cannot. */
  readonly subscribed: Promise<() => Promise<void>>;
}

/**
 * Heartbeats go out in this many groups, one group per `heartbeatMs / HEARTBEAT_SLOTS`: each
 * stream still gets one every `heartbeatMs`, while the writes are spread over the interval
 * instead of all 20,000 blocking the event loop at once.
 */
export const HEARTBEAT_SLOTS = 64;

/** Shared by every stream of the instance: the bus and the heartbeat interval of its app. */
export interface StreamSettings {
  bus: EventBus;
  heartbeatMs: number;
}

/**
 * Open event streams of this instance: the per-store counts (the limit), one bus subscription
 * per store fanned out to its streams, one heartbeat timer for all of them, and the list that
 * shutdown ends.
 */
export class EventStreams {
  private readonly stores = new Map<string, StoreStreams>();
  private readonly slots = Array.from({ length: HEARTBEAT_SLOTS }, () => new Set<OpenStream>());
  private size = 0;
  private nextSlot = 0;
  private tick = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  count(): number {
    return this.size;
  }

  countFor(storeId: string): number {
    return this.stores.get(storeId)?.streams.size ?? 0;
  }

  /** Counts the stream at once (the per-store limit holds), sends it the current version. */
  open(
    storeId: string,
    sink: StreamSink,
    currentVersion: number | null,
    s: StreamSettings,
  ): OpenStream {
    const stream: OpenStream = { storeId, sink, slot: this.nextSlot, lastSent: -1, closed: false };
    this.nextSlot = (this.nextSlot + 1) % HEARTBEAT_SLOTS;
    let store = this.stores.get(storeId);
    if (!store) {
      store = this.subscribe(storeId, s.bus);
      this.stores.set(storeId, store);
    }
    store.streams.add(stream);
    this.slots[stream.slot]?.add(stream);
    this.size++;
    if (!this.heartbeat) this.startHeartbeat(s.heartbeatMs);
    if (currentVersion !== null) send(stream, currentVersion);
    return stream;
  }

  /** Sends the store's version to the stream unless it has sent it or a later one. */
  offer(stream: OpenStream, version: number): void {
    send(stream, version);
  }

  /** Resolves once the stream receives every version published from now on. */
  async ready(stream: OpenStream): Promise<void> {
    await this.stores.get(stream.storeId)?.subscribed;
  }

  close(stream: OpenStream): void {
    if (stream.closed) return;
    stream.closed = true;
    this.slots[stream.slot]?.delete(stream);
    this.size--;
    if (this.size === 0) this.stopHeartbeat();
    const store = this.stores.get(stream.storeId);
    if (store?.streams.delete(stream) && store.streams.size === 0) {
      this.stores.delete(stream.storeId);
      // A failed unsubscribe leaves a channel this instance ignores: nothing to undo.
      store.subscribed.then((unsubscribe) => unsubscribe()).catch(() => {});
    }
    stream.sink.end();
  }

  closeAll(): void {
    for (const slot of this.slots) for (const stream of [...slot]) this.close(stream);
  }

  private subscribe(storeId: string, bus: EventBus): StoreStreams {
    const streams = new Set<OpenStream>();
    const subscribed = bus.subscribe(storeId, (version, delta) => {
      // Serialized once for all the store's streams.
      const data = versionEventData(version, delta);
      for (const stream of streams) send(stream, version, data);
    });
    // The next stream of the store tries the bus again; these ones end (their devices reconnect).
    subscribed.catch(() => {
      if (this.stores.get(storeId)?.streams === streams) this.stores.delete(storeId);
    });
    return { streams, subscribed };
  }

  private startHeartbeat(heartbeatMs: number): void {
    this.heartbeat = setInterval(
      () => {
        const slot = this.slots[this.tick];
        this.tick = (this.tick + 1) % HEARTBEAT_SLOTS;
        if (!slot || slot.size === 0) return;
        const comment = `: heartbeat ${Date.now()}\n\n`;
        for (const stream of slot) stream.sink.write(comment);
      },
      Math.max(1, Math.floor(heartbeatMs / HEARTBEAT_SLOTS)),
    );
    // Open streams keep the process alive by their sockets, not by this timer.
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

/**
 * The `version` event's data: `{"version":N}`, or with the push's rows
 * `{"version":N,"from":F,"epoch":E,"changes":[...]}` (docs/SYNC.md "Pokes carry the delta").
 */
export function versionEventData(version: number, delta?: PokeDelta): string {
  if (delta === undefined || delta.to !== version) return `{"version":${version}}`;
  return JSON.stringify({ version, from: delta.from, epoch: delta.epoch, changes: delta.changes });
}

function send(stream: OpenStream, version: number, data = versionEventData(version)): void {
  if (stream.closed || version <= stream.lastSent) return;
  stream.lastSent = version;
  stream.sink.write(`event: version\ndata: ${data}\n\n`);
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
    /**
     * The store's version now: read once the stream receives the bus's versions, so that a
     * push committed while it subscribed is not missed until the next one.
     */
    currentVersion: () => Promise<number>;
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
  reply.hijack();
  // Hijacked: Fastify's onSend hooks do not run, so the security headers are written here.
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const stream = opts.streams.open(opts.storeId, res, null, opts);
  request.raw.on('close', () => opts.streams.close(stream));
  // A client gone during the version query closed before the listener: it would never fire.
  if (request.raw.socket.destroyed) opts.streams.close(stream);
  try {
    await opts.streams.ready(stream);
  } catch (err) {
    // No bus (Redis down): end the stream so the device falls back to polling and reconnects.
    request.log.warn({ err }, 'event stream could not subscribe');
    opts.streams.close(stream);
    return;
  }
  try {
    opts.streams.offer(stream, await opts.currentVersion());
  } catch (err) {
    // The database away: the device reconnects and pulls (its poll timer runs meanwhile).
    request.log.warn({ err }, 'event stream could not read the store version');
    opts.streams.close(stream);
  }
}
