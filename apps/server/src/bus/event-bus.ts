import type { PokeDelta } from '@mango/protocol';

/**
 * Store-version pokes between server instances. A push that advances a store's version publishes
 * it; every instance with an open event stream for that store forwards it to its devices. A
 * small push publishes its rows with it (`delta`, docs/SYNC.md "Pokes carry the delta"): its
 * `to` is the version.
 */
export type VersionListener = (version: number, delta?: PokeDelta) => void;

export interface EventBus {
  publish(storeId: string, version: number, delta?: PokeDelta): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(storeId: string, listener: VersionListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Listeners per store, shared by both bus implementations. */
export class ListenerRegistry {
  private readonly byStore = new Map<string, Set<VersionListener>>();

  /** Returns true when this is the store's first listener. */
  add(storeId: string, listener: VersionListener): boolean {
    let set = this.byStore.get(storeId);
    const first = set === undefined;
    if (!set) {
      set = new Set();
      this.byStore.set(storeId, set);
    }
    set.add(listener);
    return first;
  }

  /** Returns true when the store has no listener left. */
  remove(storeId: string, listener: VersionListener): boolean {
    const set = this.byStore.get(storeId);
    if (!set) return false;
    set.delete(listener);
    if (set.size > 0) return false;
    this.byStore.delete(storeId);
    return true;
  }

  emit(storeId: string, version: number, delta?: PokeDelta): void {
    for (const listener of this.byStore.get(storeId) ?? []) listener(version, delta);
  }

  clear(): void {
    this.byStore.clear();
  }
}

/** One process: pokes never leave it. The embedded default. */
export function createInProcessBus(): EventBus {
  const listeners = new ListenerRegistry();
  return {
    async publish(storeId, version, delta) {
      listeners.emit(storeId, version, delta);
    },
    async subscribe(storeId, listener) {
      listeners.add(storeId, listener);
      return async () => {
        listeners.remove(storeId, listener);
      };
    },
    async close() {
      listeners.clear();
    },
  };
}
