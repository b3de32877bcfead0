import type {
  Mutation,
  PokeDelta,
  PullResponse,
  PushResponse,
  SnapshotLine,
} from '@mango/protocol';

export type HistoryStatus = 'closed' | 'voided';

/** One page of ticket history older than what the device keeps (see README "Retention"). */
export interface HistoryPage {
  items: Record<string, unknown>[];
  /** Pass as `before` to get the next older page; null when there is no more. */
  nextCursor: string | null;
}

export interface PokeHandlers {
  /**
   * `event: version` from the server: the store version advanced to `version`; with the rows of
   * versions `delta.from`..`version` when the server sent them (docs/SYNC.md "Pokes carry the
   * delta").
   */
  onVersion(version: number, delta?: PokeDelta): void;
  /** The stream is (re)connected: pokes may have been missed meanwhile, so pull. */
  onOpen?(): void;
  onError?(error: unknown): void;
}

export interface PokeSubscription {
  close(): void;
}

/**
 * How the engine talks to the server. Methods throw `TransportError` (retryable or permanent);
 * retries, backoff and the circuit breaker are the engine's, so a transport makes ONE attempt
 * (plus one immediate retry after a token refresh on 401).
 */
export interface SyncTransport {
  push(mutations: Mutation[], signal?: AbortSignal): Promise<PushResponse>;
  pull(
    params: { cursor: number; limit?: number; epoch?: string | null },
    signal?: AbortSignal,
  ): Promise<PullResponse>;
  /** Poke stream; reconnects by itself until closed. */
  subscribe(handlers: PokeHandlers): PokeSubscription;
  /**
   * Tells the server a person has seen these rejections, so pulls stop listing them (server
   * extension `POST …/sync/rejections/ack`). Optional: without it the device hides them locally.
   */
  acknowledgeRejections?(ids: number[], signal?: AbortSignal): Promise<void>;
  /**
   * The store's current rows as one stream (server extension `GET …/sync/snapshot`, docs/SYNC.md
   * "Snapshot"): calls `onLine` for each line in order, awaiting it (the device's writes pace the
   * download). Resolves after the `end` line; a stream cut before it throws a retryable
   * TransportError. A server without the route answers 404. Optional: without it the device
   * hydrates with pulls.
   */
  snapshot?(
    params: { resume: { token: string; cursor: number; epoch: string } | null },
    onLine: (line: SnapshotLine) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Ended tickets the device no longer keeps: closed ones (the default) or voided ones. */
  fetchHistoryPage(
    params: { before: string | null; limit?: number; status?: HistoryStatus },
    signal?: AbortSignal,
  ): Promise<HistoryPage>;
}
