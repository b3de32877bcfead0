import type { MutateOptions, SyncTrigger } from './engine';
import type { GetAccessToken } from './http-transport';
import type { AttentionRecord } from './local-db';
import type { RetentionResult } from './local-store';
import type { SyncResult, SyncStatus } from './status';
import type { StorageStatus } from './storage-monitor';
import type { HistoryPage, HistoryStatus } from './transport';
import {
  deserializeError,
  type FromWorker,
  type PortLike,
  type RpcMethod,
  type SerializedError,
  type ToWorker,
  type WorkerInit,
} from './worker-protocol';

/** The engine as seen from the UI thread. Reads go straight to IndexedDB (`LocalStore`). */
export interface SyncWorkerClient {
  readonly essentialsReady: Promise<void>;
  status(): SyncStatus | null;
  subscribe(listener: (status: SyncStatus) => void): () => void;
  mutate(
    name: string,
    args: Record<string, unknown>,
    opts?: MutateOptions,
  ): Promise<{ id: number }>;
  syncNow(): Promise<SyncResult>;
  nudge(trigger: SyncTrigger): Promise<void>;
  setOnline(online: boolean): Promise<void>;
  attention(): Promise<AttentionRecord[]>;
  acknowledge(mutationId: number): Promise<void>;
  runRetention(): Promise<RetentionResult>;
  checkStorage(): Promise<StorageStatus | null>;
  fetchHistoryPage(
    before: string | null,
    limit?: number,
    status?: HistoryStatus,
  ): Promise<HistoryPage>;
  clearLocalData(opts?: { force?: boolean }): Promise<void>;
  /** Stops the engine in the worker and detaches. */
  close(): void;
}

/**
 * Connects the UI thread to a sync worker (`new Worker(...)` or a MessagePort): sends `init`,
 * answers the worker's token requests with `getAccessToken`, and proxies calls.
 */
export function connectSyncWorker(
  port: PortLike,
  opts: { init: WorkerInit; getAccessToken: GetAccessToken },
): SyncWorkerClient {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Set<(s: SyncStatus) => void>();
  let last: SyncStatus | null = null;
  let resolveEssentials: () => void = () => {};
  const essentialsReady = new Promise<void>((r) => (resolveEssentials = r));
  const post = (m: ToWorker) => port.postMessage(m);

  const onMessage = (ev: { data: unknown }) => {
    const msg = ev.data as FromWorker;
    switch (msg.kind) {
      case 'result': {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (!p) return;
        if (msg.ok) p.resolve(msg.value);
        else p.reject(deserializeError(msg.error as SerializedError));
        return;
      }
      case 'status':
        last = msg.status as SyncStatus;
        for (const l of listeners) l(last);
        return;
      case 'essentials':
        resolveEssentials();
        return;
      case 'getToken':
        opts.getAccessToken({ forceRefresh: msg.forceRefresh }).then(
          (token) => post({ kind: 'token', id: msg.id, token }),
          () => post({ kind: 'token', id: msg.id, token: null }),
        );
        return;
    }
  };
  port.addEventListener('message', onMessage);
  port.start?.();
  post({ kind: 'init', init: opts.init });

  function call<T>(method: RpcMethod, ...args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      post({ kind: 'call', id, method, args });
    });
  }

  return {
    essentialsReady,
    status: () => last,
    subscribe(listener) {
      listeners.add(listener);
      if (last) listener(last);
      return () => listeners.delete(listener);
    },
    mutate: (name, args, o) => call('mutate', name, args, ...(o ? [o] : [])),
    syncNow: () => call('syncNow'),
    nudge: (trigger) => call('nudge', trigger),
    setOnline: (online) => call('setOnline', online),
    attention: () => call('attention'),
    acknowledge: (id) => call('acknowledge', id),
    runRetention: () => call('runRetention'),
    checkStorage: () => call('checkStorage'),
    fetchHistoryPage: (before, limit, status) =>
      call(
        'fetchHistoryPage',
        before,
        ...(status === undefined ? (limit === undefined ? [] : [limit]) : [limit, status]),
      ),
    clearLocalData: (o) => call('clearLocalData', ...(o ? [o] : [])),
    close() {
      post({ kind: 'close' });
      port.removeEventListener('message', onMessage);
      for (const p of pending.values())
        p.reject(new Error('The sync worker connection was closed.'));
      pending.clear();
    },
  };
}
