import type { SyncEngine } from './engine';
import type { GetAccessToken } from './http-transport';
import {
  RPC_METHODS,
  serializeError,
  type FromWorker,
  type PortLike,
  type RpcMethod,
  type ToWorker,
  type WorkerInit,
} from './worker-protocol';

/**
 * Runs inside the sync worker. Waits for `init`, builds the engine with `createEngine` (which
 * receives a `getAccessToken` that asks the UI thread), starts it and answers calls.
 *
 * ```ts
 * // sync.worker.ts (apps/web)
 * hostSyncWorker(self, (init, getAccessToken) =>
 *   createSyncEngine({ ...init, actor: init.actor,
 *     transport: createHttpTransport({ ...init, getAccessToken }) }));
 * ```
 */
export function hostSyncWorker(
  port: PortLike,
  createEngine: (init: WorkerInit, getAccessToken: GetAccessToken) => SyncEngine,
): { close(): Promise<void> } {
  let engine: SyncEngine | null = null;
  let nextTokenId = 1;
  const tokenWaiters = new Map<number, (token: string | null) => void>();
  let unsubscribe: () => void = () => {};
  const post = (m: FromWorker) => port.postMessage(m);

  const getAccessToken: GetAccessToken = ({ forceRefresh }) =>
    new Promise((resolve) => {
      const id = nextTokenId++;
      tokenWaiters.set(id, resolve);
      post({ kind: 'getToken', id, forceRefresh });
    });

  async function call(method: RpcMethod, args: unknown[]): Promise<unknown> {
    if (!engine) throw new Error('The sync worker has not been initialised.');
    if (!RPC_METHODS.includes(method)) throw new Error(`Unknown method ${String(method)}`);
    const fn = engine[method] as (...a: unknown[]) => unknown;
    const value = await fn.apply(engine, args);
    return value === undefined ? undefined : structuredClone(value);
  }

  const onMessage = (ev: { data: unknown }) => {
    const msg = ev.data as ToWorker;
    switch (msg.kind) {
      case 'init': {
        if (engine) return;
        const created = createEngine(msg.init, getAccessToken);
        engine = created;
        unsubscribe = created.subscribe((status) => post({ kind: 'status', status }));
        void created.essentialsReady.then(() => post({ kind: 'essentials' }));
        void created.start();
        return;
      }
      case 'call':
        call(msg.method, msg.args).then(
          (value) => post({ kind: 'result', id: msg.id, ok: true, value }),
          (e: unknown) => post({ kind: 'result', id: msg.id, ok: false, error: serializeError(e) }),
        );
        return;
      case 'token':
        tokenWaiters.get(msg.id)?.(msg.token);
        tokenWaiters.delete(msg.id);
        return;
      case 'close':
        void close();
        return;
    }
  };

  async function close(): Promise<void> {
    port.removeEventListener('message', onMessage);
    unsubscribe();
    await engine?.stop();
  }

  port.addEventListener('message', onMessage);
  port.start?.();
  return { close };
}
