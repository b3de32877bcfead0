import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import {
  alwaysLeader,
  createHttpTransport,
  createSyncEngine,
  type FetchLike,
  type SyncEngine,
  type SyncEngineOptions,
} from '@mango/sync-client';
import type { TestStore } from './test-app';

/**
 * The REAL device sync engine (@mango/sync-client over fake-indexeddb, through its HTTP
 * transport) talking to the REAL app in process: for tests of what devices and server do together.
 */

export const TEST_BASE_URL = 'http://mango.test';

/** One request through `app.inject`, as the fetch Response the transport expects. */
export async function injectRequest(
  app: FastifyInstance,
  input: string,
  init?: RequestInit,
): Promise<{ response: Response; raw: LightMyRequestResponse }> {
  const url = new URL(input);
  const raw = await app.inject({
    method: (init?.method ?? 'GET') as 'GET' | 'POST',
    url: url.pathname + url.search,
    headers: Object.fromEntries(new Headers(init?.headers).entries()),
    ...(typeof init?.body === 'string' ? { payload: init.body } : {}),
  });
  const headers = new Headers();
  for (const [k, v] of Object.entries(raw.headers)) if (v !== undefined) headers.set(k, String(v));
  const response = new Response(raw.statusCode === 204 ? null : raw.body, {
    status: raw.statusCode,
    headers,
  });
  return { response, raw };
}

/** The poke stream, never answering: these tests drive pulls themselves. Ends when aborted. */
export function silentEventStream(init?: RequestInit): Promise<Response> {
  return new Promise((_, reject) =>
    init?.signal?.addEventListener('abort', () => reject(new DOMException('closed', 'AbortError'))),
  );
}

/** A started engine for `deviceId` (registered by the caller) of `store`, over `fetch`. */
export async function startTestEngine(
  store: TestStore,
  deviceId: string,
  fetch: FetchLike,
  overrides: Partial<SyncEngineOptions> = {},
): Promise<SyncEngine> {
  const engine = createSyncEngine({
    storeId: store.storeId,
    deviceId,
    transport: createHttpTransport({
      baseUrl: TEST_BASE_URL,
      storeId: store.storeId,
      deviceId,
      getAccessToken: async () => store.token,
      fetch,
      timeoutMs: 20_000,
    }),
    actor: { userId: store.session.user.id, staffId: null, role: 'owner', deviceId },
    indexedDB: new IDBFactory(),
    IDBKeyRange,
    leaderLock: alwaysLeader(),
    broadcast: null,
    storage: null,
    pushDelayMs: 0,
    retentionIntervalMs: 0,
    // Retries are driven by the test; keep the background ones quick and never trip the breaker.
    backoff: { baseMs: 5, maxMs: 40 },
    breaker: { failureThreshold: 1_000_000, coolDownMs: 10 },
    ...overrides,
  });
  await engine.start();
  return engine;
}
