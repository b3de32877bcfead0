import { z } from 'zod';
import {
  errorBodySchema,
  pullResponseSchema,
  pushEnvelopeSchema,
  pushResponseSchema,
  SCHEMA_VERSION,
  snapshotLineSchema,
  versionEventSchema,
  pokeDeltaOf,
  bareVersionSchema,
  type Mutation,
  type PullResponse,
  type PushResponse,
  type SnapshotLine,
} from '@mango/protocol';
import { backoffDelay, parseRetryAfter } from './backoff';
import {
  sleep,
  systemClock,
  systemRandom,
  systemTimers,
  type Clock,
  type FetchLike,
  type Random,
  type Timers,
} from './env';
import { TransportError } from './errors';
import { readSse } from './sse';
import type {
  HistoryPage,
  HistoryStatus,
  PokeHandlers,
  PokeSubscription,
  SyncTransport,
} from './transport';

export type GetAccessToken = (opts: { forceRefresh: boolean }) => Promise<string | null>;

export interface HttpTransportOptions {
  /** e.g. `https://pos.example.com` (no trailing `/api`). */
  baseUrl: string;
  storeId: string;
  deviceId: string;
  /** Returns the bearer token; with `forceRefresh` after a 401 (null: the person must sign in). */
  getAccessToken: GetAccessToken;
  fetch?: FetchLike;
  /** Per request, including reading the body. Default 15 000. */
  timeoutMs?: number;
  /** Pull page size. Default 1000 (the protocol's default). */
  pullLimit?: number;
  /** The poke stream reconnects when it has been silent this long (ms). Default 75 000. */
  sseIdleTimeoutMs?: number;
  clock?: Clock;
  timers?: Timers;
  random?: Random;
}

export const historyPageSchema = z.object({
  items: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().nullable(),
});

const TIMEOUT = Symbol('timeout');

/** The protocol's HTTP routes (docs: /work/shared/specs/sync-protocol.md). */
export function createHttpTransport(opts: HttpTransportOptions): SyncTransport {
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const clock = opts.clock ?? systemClock;
  const timers = opts.timers ?? systemTimers;
  const random = opts.random ?? systemRandom;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const base = `${opts.baseUrl.replace(/\/+$/, '')}/api/v1/stores/${encodeURIComponent(opts.storeId)}`;

  /** One HTTP exchange with a timeout covering the headers AND the body. */
  async function exchange(
    url: string,
    init: RequestInit,
    token: string | null,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timers.setTimeout(() => ctrl.abort(TIMEOUT), timeoutMs);
    const headers = new Headers(init.headers);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    try {
      const res = await doFetch(url, { ...init, headers, signal: ctrl.signal });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text };
    } catch (e) {
      if (ctrl.signal.aborted && ctrl.signal.reason === TIMEOUT) {
        throw new TransportError({
          kind: 'timeout',
          code: 'TIMEOUT',
          message: `The server did not answer within ${Math.round(timeoutMs / 1000)} s.`,
          cause: e,
        });
      }
      if (signal?.aborted) throw signal.reason ?? e; // the caller stopped: not a failure
      throw new TransportError({
        kind: 'network',
        code: 'NETWORK_ERROR',
        message: 'The server could not be reached (no connection or the connection dropped).',
        cause: e,
      });
    } finally {
      timers.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  function httpError(status: number, headers: Headers, text: string): TransportError {
    let code = `HTTP_${status}`;
    let message = `The server answered ${status}.`;
    let details: unknown;
    try {
      const body = errorBodySchema.safeParse(JSON.parse(text));
      if (body.success) {
        code = body.data.error.code;
        message = body.data.error.message;
        details = body.data.error.details;
      }
    } catch {
      // not JSON: keep the generic code
    }
    if (status === 401 && code === `HTTP_401`) code = 'UNAUTHENTICATED';
    const retryAfterMs =
      status === 429 || status === 503
        ? parseRetryAfter(headers.get('Retry-After'), clock.now())
        : undefined;
    return new TransportError({
      kind: 'http',
      status,
      code,
      message,
      details,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  async function request<T>(
    url: string,
    init: RequestInit,
    schema: z.ZodType<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    let token = await opts.getAccessToken({ forceRefresh: false });
    let res = await exchange(url, init, token, signal);
    if (res.status === 401) {
      // Never costs data: refresh once and retry the same request (same mutation ids).
      token = await opts.getAccessToken({ forceRefresh: true });
      if (token !== null) res = await exchange(url, init, token, signal);
    }
    if (res.status < 200 || res.status >= 300) throw httpError(res.status, res.headers, res.text);
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch (e) {
      throw new TransportError({
        kind: 'invalid-response',
        code: 'INVALID_RESPONSE',
        message: 'The server sent a response that is not JSON.',
        cause: e,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new TransportError({
        kind: 'invalid-response',
        code: 'INVALID_RESPONSE',
        message: 'The server sent a response this app does not understand; update the app.',
        details: parsed.error.issues,
      });
    }
    return parsed.data;
  }

  async function push(mutations: Mutation[], signal?: AbortSignal): Promise<PushResponse> {
    // Only the envelope: a malformed mutation goes to the server, which rejects that one alone.
    const body = pushEnvelopeSchema.parse({
      deviceId: opts.deviceId,
      schemaVersion: SCHEMA_VERSION,
      mutations,
    });
    return request(
      `${base}/sync/push`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      },
      pushResponseSchema,
      signal,
    );
  }

  async function pull(
    params: { cursor: number; limit?: number; epoch?: string | null },
    signal?: AbortSignal,
  ): Promise<PullResponse> {
    const q = new URLSearchParams({
      deviceId: opts.deviceId,
      cursor: String(params.cursor),
      limit: String(params.limit ?? opts.pullLimit ?? 1000),
    });
    // The history the cursor belongs to: a restored server answers RESYNC_REQUIRED to another.
    if (params.cursor > 0 && params.epoch) q.set('epoch', params.epoch);
    return request(`${base}/sync/pull?${q}`, { method: 'GET' }, pullResponseSchema, signal);
  }

  async function fetchHistoryPage(
    params: { before: string | null; limit?: number; status?: HistoryStatus },
    signal?: AbortSignal,
  ): Promise<HistoryPage> {
    const q = new URLSearchParams({ limit: String(params.limit ?? 50) });
    if (params.before !== null) q.set('before', params.before);
    if (params.status) q.set('status', params.status);
    return request(`${base}/tickets?${q}`, { method: 'GET' }, historyPageSchema, signal);
  }

  async function acknowledgeRejections(ids: number[], signal?: AbortSignal): Promise<void> {
    await request(
      `${base}/sync/rejections/ack`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ deviceId: opts.deviceId, ids }),
      },
      z.unknown(),
      signal,
    );
  }

  function subscribe(handlers: PokeHandlers): PokeSubscription {
    const idleMs = opts.sseIdleTimeoutMs ?? 75_000;
    const stop = new AbortController();
    let attempt = 0;
    let serverRetryMs: number | undefined;

    async function connectOnce(forceRefresh: boolean): Promise<'refresh' | 'ended'> {
      const ctrl = new AbortController();
      const onStop = () => ctrl.abort();
      stop.signal.addEventListener('abort', onStop, { once: true });
      let idle: unknown;
      const arm = () => {
        timers.clearTimeout(idle);
        idle = timers.setTimeout(() => ctrl.abort(TIMEOUT), idleMs);
      };
      try {
        const token = await opts.getAccessToken({ forceRefresh });
        const headers = new Headers({ Accept: 'text/event-stream' });
        if (token) headers.set('Authorization', `Bearer ${token}`);
        arm();
        const q = new URLSearchParams({ deviceId: opts.deviceId });
        const res = await doFetch(`${base}/sync/events?${q}`, { headers, signal: ctrl.signal });
        if (res.status === 401 && !forceRefresh) {
          await res.body?.cancel();
          return 'refresh';
        }
        if (!res.ok || !res.body) {
          const text = await res.text();
          throw httpError(res.status, res.headers, text);
        }
        attempt = 0;
        handlers.onOpen?.();
        for await (const ev of readSse(res.body, arm)) {
          if (ev.retry !== undefined) serverRetryMs = ev.retry;
          if (ev.event !== 'version') continue;
          try {
            const raw: unknown = JSON.parse(ev.data);
            const event = versionEventSchema.safeParse(raw);
            // A delta this device cannot read still pokes: the version alone, then a pull.
            if (event.success)
              handlers.onVersion(event.data.version, pokeDeltaOf(event.data) ?? undefined);
            else handlers.onVersion(bareVersionSchema.parse(raw).version);
          } catch (e) {
            handlers.onError?.(e);
          }
        }
        return 'ended';
      } finally {
        timers.clearTimeout(idle);
        stop.signal.removeEventListener('abort', onStop);
      }
    }

    void (async () => {
      let forceRefresh = false;
      while (!stop.signal.aborted) {
        let retryAfterMs: number | undefined;
        try {
          const r = await connectOnce(forceRefresh);
          forceRefresh = r === 'refresh';
          if (forceRefresh) continue;
        } catch (e) {
          forceRefresh = false;
          if (stop.signal.aborted) break;
          if (e instanceof TransportError) retryAfterMs = e.retryAfterMs;
          handlers.onError?.(e);
        }
        // Retry-After (429/503) first, then the server's `retry:` after a clean end, else backoff.
        const delay =
          retryAfterMs ??
          (attempt === 0 ? serverRetryMs : undefined) ??
          backoffDelay(attempt, random, { baseMs: 1000, maxMs: 30_000 });
        attempt += 1;
        try {
          await sleep(timers, delay, stop.signal);
        } catch {
          break;
        }
      }
    })();

    return { close: () => stop.abort() };
  }

  /**
   * NDJSON read as it arrives; `timeoutMs` bounds the wait for the headers and for each piece of
   * the body (a big store takes longer than one timeout in all). Rows lines are checked for their
   * shape only (the rows are the server's own, as in a pull); the other lines by their schema.
   */
  async function snapshot(
    params: { resume: { token: string; cursor: number; epoch: string } | null },
    onLine: (line: SnapshotLine) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<void> {
    const q = new URLSearchParams({ deviceId: opts.deviceId });
    if (params.resume) {
      q.set('resume', params.resume.token);
      q.set('cursor', String(params.resume.cursor));
      q.set('epoch', params.resume.epoch);
    }
    const url = `${base}/sync/snapshot?${q}`;
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timer: unknown;
    const arm = () => {
      timers.clearTimeout(timer);
      timer = timers.setTimeout(() => ctrl.abort(TIMEOUT), timeoutMs);
    };
    const failure = (e: unknown): unknown => {
      if (e instanceof TransportError) return e;
      if (ctrl.signal.aborted && ctrl.signal.reason === TIMEOUT) {
        return new TransportError({
          kind: 'timeout',
          code: 'TIMEOUT',
          message: `The server sent nothing for ${Math.round(timeoutMs / 1000)} s.`,
          cause: e,
        });
      }
      if (signal?.aborted) return signal.reason ?? e;
      return new TransportError({
        kind: 'network',
        code: 'NETWORK_ERROR',
        message:
          'The connection dropped while the store was loading: it continues where it stopped.',
        cause: e,
      });
    };
    // An error of the device's own handler (a write refused) is not the network's: passed on.
    let handlerFailed: { error: unknown } | null = null;
    const deliver = async (line: SnapshotLine) => {
      try {
        await onLine(line);
      } catch (e) {
        handlerFailed = { error: e };
        throw e;
      }
    };
    try {
      arm();
      let token = await opts.getAccessToken({ forceRefresh: false });
      const get = (t: string | null) =>
        doFetch(url, {
          method: 'GET',
          headers: t ? { Authorization: `Bearer ${t}` } : {},
          signal: ctrl.signal,
        });
      let res = await get(token);
      if (res.status === 401) {
        await res.body?.cancel();
        token = await opts.getAccessToken({ forceRefresh: true });
        if (token !== null) res = await get(token);
      }
      if (!res.ok || !res.body) throw httpError(res.status, res.headers, await res.text());
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      let ended = false;
      const invalid = (details: unknown) =>
        new TransportError({
          kind: 'invalid-response',
          code: 'INVALID_RESPONSE',
          message: 'The server sent a snapshot line this app does not understand; update the app.',
          details,
        });
      const handle = async (text: string) => {
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch (e) {
          throw invalid(String(e));
        }
        const r = raw as { type?: unknown; entity?: unknown; rows?: unknown; resume?: unknown };
        if (r.type === 'rows') {
          if (
            typeof r.entity !== 'string' ||
            !Array.isArray(r.rows) ||
            typeof r.resume !== 'string'
          )
            throw invalid('rows line');
          await deliver(raw as SnapshotLine);
          return;
        }
        const line = snapshotLineSchema.safeParse(raw);
        if (!line.success) throw invalid(line.error.issues);
        if (line.data.type === 'end') ended = true;
        await deliver(line.data);
      };
      for (;;) {
        arm();
        const { done, value } = await reader.read();
        if (done) break;
        // Only the new piece is searched for line ends: a chunk line (hundreds of KB) arrives
        // in many pieces, and searching all that was buffered each time is quadratic.
        const piece = decoder.decode(value, { stream: true });
        let from = 0;
        let nl = piece.indexOf('\n');
        while (nl >= 0) {
          const text = buffered + piece.slice(from, nl);
          buffered = '';
          if (text.length > 0) await handle(text);
          from = nl + 1;
          nl = piece.indexOf('\n', from);
        }
        buffered += piece.slice(from);
      }
      buffered += decoder.decode();
      if (buffered.trim().length > 0) await handle(buffered);
      if (!ended) {
        throw new TransportError({
          kind: 'network',
          code: 'SNAPSHOT_CUT',
          message: 'The store stopped loading midway: it continues where it stopped.',
        });
      }
    } catch (e) {
      if (handlerFailed) throw (handlerFailed as { error: unknown }).error;
      throw failure(e);
    } finally {
      timers.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (!ctrl.signal.aborted) ctrl.abort(); // a stream left unread must not hold the socket
    }
  }

  return { push, pull, subscribe, fetchHistoryPage, acknowledgeRejections, snapshot };
}
