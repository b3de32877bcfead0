import { Redis } from 'ioredis';
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
    const version = Number(message);
    if (Number.isSafeInteger(version))
      listeners.emit(channel.slice(CHANNEL_PREFIX.length), version);
  });

  return {
    async publish(storeId, version) {
      await publisher.publish(channelOf(storeId), String(version));
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
