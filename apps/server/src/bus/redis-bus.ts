import { Redis } from 'ioredis';
import type { PokeDelta } from '@mango/protocol';
import { type EventBus, ListenerRegistry } from './event-bus';

const channelOf = (storeId: string) => `mango:store-version:${storeId}`;
const CHANNEL_PREFIX = 'mango:store-version:';

/**
 * Pokes across instances through Redis pub/sub. An instance subscribes to a store's channel only
 * while it has an open stream for that store, so 100,000 idle stores cost nothing.
 */
export function createRedisBus(url: string): EventBus {
  const publisher = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const subscriber = new Redis(url, { lazyConnect: false });
  const listeners = new ListenerRegistry();
  // ioredis emits 'error' on connection loss and reconnects by itself; without a handler Node would crash.
  publisher.on('error', () => {});
  subscriber.on('error', () => {});
  subscriber.on('message', (channel: string, message: string) => {
    if (!channel.startsWith(CHANNEL_PREFIX)) return;
    const poke = decodePoke(message);
    if (poke) listeners.emit(channel.slice(CHANNEL_PREFIX.length), poke.version, poke.delta);
  });

  return {
    async publish(storeId, version, delta) {
      await publisher.publish(channelOf(storeId), encodePoke(version, delta));
    },
    async subscribe(storeId, listener) {
      if (listeners.add(storeId, listener)) await subscriber.subscribe(channelOf(storeId));
      return async () => {
        if (listeners.remove(storeId, listener)) await subscriber.unsubscribe(channelOf(storeId));
      };
    },
    async close() {
      listeners.clear();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}

/** A poke as a pub/sub message: the bare version, or JSON `{ version, delta }` with a delta. */
export function encodePoke(version: number, delta?: PokeDelta): string {
  return delta === undefined ? String(version) : JSON.stringify({ version, delta });
}

/**
 * A pub/sub message as a poke: JSON `{ version, delta? }`, or a bare version number (what an
 * instance of the previous release publishes, during a rolling upgrade). Null when it is neither.
 * A delta that does not belong to the version is dropped: the poke still goes out, bare.
 */
export function decodePoke(message: string): { version: number; delta?: PokeDelta } | null {
  const bare = Number(message);
  if (message.trim() !== '' && Number.isSafeInteger(bare) && bare >= 0) return { version: bare };
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  const { version, delta } = (parsed ?? {}) as { version?: unknown; delta?: Partial<PokeDelta> };
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) return null;
  const ok =
    delta !== undefined &&
    delta !== null &&
    delta.to === version &&
    typeof delta.from === 'number' &&
    typeof delta.epoch === 'string' &&
    Array.isArray(delta.changes);
  return ok ? { version, delta: delta as PokeDelta } : { version };
}
