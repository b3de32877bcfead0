import { applyMutation as domainApplyMutation } from '@mango/domain';
import { DomainError, exhaustiveSwitchError } from '@mango/domain/errors';
import type { Actor } from '@mango/domain/tx';
import { MAX_MUTATIONS_PER_PUSH, type Approval, type PokeDelta } from '@mango/protocol';
import { retryDelay, type BackoffOptions } from './backoff';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import {
  systemClock,
  systemRandom,
  systemTimers,
  type Clock,
  type Random,
  type TimerHandle,
  type Timers,
} from './env';
import { isSyncError, isTransportError, SyncError, TransportError } from './errors';
import {
  createLeaseLeaderLock,
  createWebLocksLeaderLock,
  type LeaderLock,
  type LockManagerLike,
} from './leader-lock';
import type { AttentionRecord, IndexedDbDeps } from './local-db';
import {
  LocalStore,
  type ApplyMutation,
  type RetentionResult,
  type SnapshotRow,
} from './local-store';
import type { HydrationProgress, StatusError, SyncResult, SyncStatus } from './status';
import {
  checkStorage,
  DEFAULT_STORAGE_THRESHOLDS,
  type StorageManagerLike,
  type StorageStatus,
  type StorageThresholds,
} from './storage-monitor';
import type { HistoryPage, HistoryStatus, PokeSubscription, SyncTransport } from './transport';

/**
 * Poke deltas kept until the next cycle (docs/SYNC.md "Pokes carry the delta"): a device on the
 * stream applies them in order; more than this many between two cycles and it pulls.
 */
const MAX_POKE_DELTAS = 8;

/** What wakes the loop up. */
export type SyncTrigger = 'mutation' | 'poke' | 'timer' | 'online' | 'focus' | 'visible' | 'manual';

/** The subset of BroadcastChannel used to nudge other tabs. */
export interface BroadcastLike {
  postMessage(message: unknown): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(): void;
}

export interface EssentialsCheck {
  (
    store: LocalStore,
    ctx: { storeId: string; nowMs: number; hydrationDone: boolean },
  ): Promise<boolean>;
}

/** Who makes a mutation, and a manager's approval of it when one was given. */
export interface MutateOptions {
  /** Who acts (default: the engine's `actor` option). */
  actor?: Actor;
  /** Carried to the server as is; the server verifies it (packages/protocol/src/approval.ts). */
  approval?: Approval;
}

export interface SyncEngineOptions extends IndexedDbDeps {
  storeId: string;
  deviceId: string;
  transport: SyncTransport;
  /** Who acts for `mutate()` unless the call names someone (the signed-in person on this device). */
  actor: Actor | (() => Actor);
  /** Default: the shared domain's `applyMutation`. */
  applyMutation?: ApplyMutation;
  clock?: Clock;
  timers?: Timers;
  random?: Random;
  /**
   * Default: Web Locks when `navigator.locks` exists, else a lease row in the store's IndexedDB.
   */
  leaderLock?: LeaderLock;
  /** Default: `new BroadcastChannel('mango-pos-sync-<storeId>')` when available; null: none. */
  broadcast?: BroadcastLike | null;
  /** Default: `navigator.storage` when available; null: no storage monitor. */
  storage?: StorageManagerLike | null;
  storageThresholds?: StorageThresholds;
  backoff?: BackoffOptions;
  breaker?: CircuitBreakerOptions;
  /** Fallback pull timer while the poke stream is down (ms). Default 30 000. */
  pollIntervalMs?: number;
  /** Fallback pull timer while the poke stream is connected (ms). Default 300 000. */
  pollIntervalConnectedMs?: number;
  /** Default 500 (the protocol's limit). */
  pushMaxMutations?: number;
  /** Default 900 KiB (the protocol allows 1 MiB; the rest is headroom for the envelope). */
  pushMaxBytes?: number;
  /** Pull page size. Default 1000. */
  pullLimit?: number;
  /**
   * Hydrate from cursor 0 with the server's snapshot when the transport has it (default true;
   * a server without it answers 404 and the device hydrates with pulls).
   */
  snapshot?: boolean;
  /** Snapshot rows written per IndexedDB transaction. Default `DEFAULT_SNAPSHOT_BATCH_ROWS`. */
  snapshotBatchRows?: number;
  /**
   * Told where a snapshot hydration's time goes (the bench reads it from the worker): the
   * request, its head line, each batch written, the essentials marker, the end. Never throws
   * into the engine.
   */
  onSnapshotTrace?: (event: SnapshotTraceEvent) => void;
  /** Delay before pushing after a mutation, to batch a burst of taps (ms). Default 20. */
  pushDelayMs?: number;
  /** Retention window for closed tickets and past appointments (days). Default 90. */
  retentionDays?: number;
  /** How often the leader runs retention (ms). Default 6 h; 0 disables the timer. */
  retentionIntervalMs?: number;
  /** Decides when the UI may open during hydration. Default: see `defaultEssentialsCheck`. */
  essentials?: EssentialsCheck;
  /** Initial connectivity (default `navigator.onLine`, else true). */
  online?: boolean;
}

/** One step of a snapshot hydration, at `at` (ms since the epoch, comparable across threads). */
export type SnapshotTraceEvent =
  | { kind: 'request'; at: number }
  | { kind: 'head'; at: number; total: number }
  | {
      kind: 'batch';
      at: number;
      rows: number;
      /** Rows per entity in this batch. */
      entities: Record<string, number>;
      /** The IndexedDB transaction, start to commit. */
      writeMs: number;
    }
  | { kind: 'essentials' | 'end'; at: number };

export interface SyncEngine {
  /** Local data for the UI: get/list/count/live. */
  readonly store: LocalStore;
  /** Resolves when store, staff, services and today's appointments are on the device. */
  readonly essentialsReady: Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Runs the mutator optimistically and stores the mutation in the outbox (one transaction).
   * Resolves once durable; rejects with the DomainError (nothing stored) when refused locally.
   */
  mutate(
    name: string,
    args: Record<string, unknown>,
    opts?: MutateOptions,
  ): Promise<{ id: number }>;
  /** Push then pull now (resets the backoff and resumes after a permanent error). */
  syncNow(): Promise<SyncResult>;
  /** Asks for a sync soon (poke, focus, online, …). Ignored by followers except to nudge the leader. */
  nudge(trigger: SyncTrigger): void;
  setOnline(online: boolean): void;
  status(): SyncStatus;
  subscribe(listener: (status: SyncStatus) => void): () => void;
  attention(): Promise<AttentionRecord[]>;
  acknowledge(mutationId: number): Promise<void>;
  runRetention(): Promise<RetentionResult>;
  checkStorage(): Promise<StorageStatus | null>;
  fetchHistoryPage(
    before: string | null,
    limit?: number,
    status?: HistoryStatus,
  ): Promise<HistoryPage>;
  /** Deletes the device's copy of this store; refuses with UNSYNCED_CHANGES unless `force`. */
  clearLocalData(opts?: { force?: boolean }): Promise<void>;
}

const DEFAULT_PUSH_MAX_BYTES = 900 * 1024;

/**
 * Rows per IndexedDB transaction of a first sync. Measured in headless Chromium
 * (tools/bench/idb-batches.ts, docs/PERFORMANCE.md "A big store on a new tablet"): 1,000-row
 * transactions write as fast as 4,000- or 16,000-row ones, and a mutation made meanwhile (a
 * walk-in on the desk) waits for one of them: ~0.35 s instead of 1.6–3.4 s.
 */
export const DEFAULT_SNAPSHOT_BATCH_ROWS = 1000;

/** Wall time in ms since the epoch, sub-millisecond, the same base in a worker and a page. */
const traceNow = () => performance.timeOrigin + performance.now();

/**
 * The leader's first retention pass, after it takes over (and again while a hydration runs):
 * not at once, so a new device's first minutes (a hydration, the front desk's first reads and
 * writes) do not share IndexedDB with it; a few more minutes of old history cost nothing.
 */
export const RETENTION_FIRST_DELAY_MS = 5 * 60_000;

/**
 * Default essentials check: the store row, at least one staff member and one service are in,
 * and today's appointments are in. Pull pages come in store-version order, not by entity, so
 * "all of today's appointments" is only certain when the hydration is done; before that we
 * accept "at least one appointment starting today" (the calendar then fills in live as pages
 * land). See README "Hydration".
 */
export const defaultEssentialsCheck: EssentialsCheck = async (
  store,
  { storeId, nowMs, hydrationDone },
) => {
  if (!(await store.get('store', storeId))) return false;
  if ((await store.count('staff')) === 0 || (await store.count('service')) === 0) return false;
  if (hydrationDone) return true;
  const dayStart = new Date(nowMs - 12 * 3_600_000).toISOString();
  const dayEnd = new Date(nowMs + 12 * 3_600_000).toISOString();
  return (
    (await store.count('appointment', { range: { field: 'start', gte: dayStart, lt: dayEnd } })) > 0
  );
};

export function createSyncEngine(opts: SyncEngineOptions): SyncEngine {
  return new Engine(opts);
}

function defaultLeaderLock(
  store: LocalStore,
  opts: SyncEngineOptions,
  clock: Clock,
  timers: Timers,
): LeaderLock {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  if (locks) return createWebLocksLeaderLock(locks, `mango-pos-sync-${opts.storeId}`);
  return createLeaseLeaderLock({ db: store.db, holderId: crypto.randomUUID(), clock, timers });
}

function defaultBroadcast(storeId: string): BroadcastLike | null {
  if (typeof BroadcastChannel === 'undefined') return null;
  return new BroadcastChannel(`mango-pos-sync-${storeId}`) as unknown as BroadcastLike;
}

class Engine implements SyncEngine {
  readonly store: LocalStore;
  readonly essentialsReady: Promise<void>;
  readonly #opts: SyncEngineOptions;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #random: Random;
  readonly #breaker: CircuitBreaker;
  readonly #lock: LeaderLock;
  readonly #listeners = new Set<(s: SyncStatus) => void>();
  #broadcast: BroadcastLike | null = null;
  #resolveEssentials: () => void = () => {};
  #ready: Promise<void> | null = null;
  #started = false;
  #stopped = false;
  #leader = false;
  /** Aborts in-flight requests when leadership ends or the engine stops. */
  #leaderAbort = new AbortController();
  #poke: PokeSubscription | null = null;
  #pokeConnected = false;
  #latestPokeVersion: number | null = null;
  /** Deltas poked since the last pull, by `from` (applied by the cycle: #applyPokeDeltas). */
  readonly #pokeDeltas = new Map<number, PokeDelta>();

  #wantPush = false;
  #wantPull = false;
  /**
   * A reason other than a poke asked for the pending pull (a push of ours, the timer, online,
   * focus, a mutation, syncNow, a reconnected stream, a failure): it goes to the server. When
   * only pokes asked, the pokes' deltas may stand in for it.
   */
  #wantFullPull = true;
  #running: Promise<void> | null = null;
  #again = false;
  /** A connectivity nudge came during the running cycle: a failure of it retries at once. */
  #retryAtOnce = false;
  #waiting: ((r: SyncResult) => void)[] = [];
  #paused = false;
  #attempt = 0;
  #retryTimer: TimerHandle | undefined;
  #pushTimer: TimerHandle | undefined;
  #pollTimer: TimerHandle | undefined;
  #retentionTimer: TimerHandle | undefined;
  #hydrationRows = 0;
  /** The server answered 404 to a snapshot: hydrate with pulls until the engine restarts. */
  #snapshotUnsupported = false;

  #status: SyncStatus;

  constructor(opts: SyncEngineOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#timers = opts.timers ?? systemTimers;
    this.#random = opts.random ?? systemRandom;
    const deps: IndexedDbDeps = {};
    if (opts.indexedDB) deps.indexedDB = opts.indexedDB;
    if (opts.IDBKeyRange) deps.IDBKeyRange = opts.IDBKeyRange;
    this.store = new LocalStore(opts.storeId, opts.applyMutation ?? domainApplyMutation, deps);
    this.#breaker = new CircuitBreaker(this.#clock, opts.breaker);
    this.#breaker.onChange(() => this.#emit({ breaker: this.#breaker.state }));
    this.#lock = opts.leaderLock ?? defaultLeaderLock(this.store, opts, this.#clock, this.#timers);
    this.essentialsReady = new Promise((resolve) => (this.#resolveEssentials = resolve));
    const nav = (globalThis as { navigator?: { onLine?: boolean } }).navigator;
    this.#status = {
      online: opts.online ?? nav?.onLine ?? true,
      role: 'stopped',
      syncing: false,
      pendingCount: 0,
      outboxCount: 0,
      lastSyncAt: null,
      lastError: null,
      nextRetryAt: null,
      attentionCount: 0,
      hydration: {
        state: 'not-started',
        rows: 0,
        cursor: 0,
        targetVersion: null,
        percent: null,
        essentialsReady: false,
      },
      breaker: 'closed',
      cursor: 0,
      offlineCardPayments: { count: 0, totalCents: 0 },
      storage: null,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle

  #open(): Promise<void> {
    this.#ready ??= (async () => {
      await this.store.open();
      await this.#refresh();
    })();
    return this.#ready;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#open();
    const meta = await this.store.readMeta();
    if (meta.hydrated) {
      this.#setHydration({
        state: 'done',
        percent: 100,
        cursor: meta.cursor,
        essentialsReady: true,
      });
      this.#resolveEssentials();
    }
    this.#broadcast =
      this.#opts.broadcast === undefined
        ? defaultBroadcast(this.#opts.storeId)
        : this.#opts.broadcast;
    if (this.#broadcast) {
      this.#broadcast.onmessage = (ev) => this.#onBroadcast(ev.data);
    }
    this.#emit({ role: 'follower' });
    this.#lock.start((leader) => this.#onLeadership(leader));
    void this.checkStorage(true);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#onLeadership(false);
    await this.#lock.stop();
    await this.#running?.catch(() => {});
    this.#broadcast?.close();
    this.#broadcast = null;
    for (const w of this.#waiting.splice(0)) w({ ok: false, skipped: 'stopped' });
    this.#emit({ role: 'stopped' });
    this.store.close();
  }

  #onLeadership(leader: boolean): void {
    if (leader && this.#stopped) return;
    if (leader === this.#leader) return;
    this.#leader = leader;
    if (leader) {
      this.#leaderAbort = new AbortController();
      this.#emit({ role: 'leader' });
      this.#poke = this.#opts.transport.subscribe({
        onVersion: (v, delta) => this.#onPoke(v, delta),
        onOpen: () => {
          this.#pokeConnected = true;
          this.#request(false, true); // pokes may have been missed while disconnected
        },
        onError: () => {
          this.#pokeConnected = false;
        },
      });
      this.#request(true, true);
      this.#scheduleRetention(RETENTION_FIRST_DELAY_MS);
    } else {
      this.#leaderAbort.abort(new SyncError('NOT_LEADER', 'This tab stopped syncing.'));
      this.#poke?.close();
      this.#poke = null;
      this.#pokeConnected = false;
      for (const t of [this.#retryTimer, this.#pushTimer, this.#pollTimer, this.#retentionTimer]) {
        this.#timers.clearTimeout(t);
      }
      this.#retryTimer = this.#pushTimer = this.#pollTimer = this.#retentionTimer = undefined;
      if (!this.#stopped) this.#emit({ role: 'follower', nextRetryAt: null });
    }
  }

  #onPoke(version: number, delta?: PokeDelta): void {
    this.#latestPokeVersion = Math.max(this.#latestPokeVersion ?? 0, version);
    if (delta && delta.to === version && version > this.#status.cursor) {
      this.#pokeDeltas.set(delta.from, delta);
      // The oldest first: a chain from the cursor is broken anyway once one is dropped.
      for (const from of this.#pokeDeltas.keys()) {
        if (this.#pokeDeltas.size <= MAX_POKE_DELTAS) break;
        this.#pokeDeltas.delete(from);
      }
    }
    if (this.#status.hydration.state === 'running') this.#setHydration({});
    if (version > this.#status.cursor) this.nudge('poke');
  }

  #onBroadcast(data: unknown): void {
    const type = (data as { type?: unknown } | null)?.type;
    if (type === 'mutated' && this.#leader) this.#schedulePush();
    if (type === 'synced' || type === 'mutated') void this.#refresh();
  }

  #post(type: 'mutated' | 'synced'): void {
    try {
      this.#broadcast?.postMessage({ type });
    } catch {
      // channel closed
    }
  }

  // ------------------------------------------------------------------------------------------
  // Mutations

  async mutate(
    name: string,
    args: Record<string, unknown>,
    opts: MutateOptions = {},
  ): Promise<{ id: number }> {
    if (this.#stopped)
      throw new SyncError('ENGINE_STOPPED', 'Sync has been stopped on this device.');
    await this.#open();
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new DomainError('INVALID_ARGS', `Invalid arguments for ${name}: expected an object.`);
    }
    let json: string;
    try {
      json = JSON.stringify(args);
    } catch {
      throw new DomainError('INVALID_ARGS', `Invalid arguments for ${name}: not serialisable.`);
    }
    const maxBytes = this.#opts.pushMaxBytes ?? DEFAULT_PUSH_MAX_BYTES;
    if (new TextEncoder().encode(json).length > maxBytes - 1024) {
      throw new DomainError('INVALID_ARGS', `The change is too large to sync (${name}).`);
    }
    const plainArgs = JSON.parse(json) as Record<string, unknown>;
    const actor =
      opts.actor ??
      (typeof this.#opts.actor === 'function' ? this.#opts.actor() : this.#opts.actor);
    const offlineCardCents = this.#offlineCardCents(name, plainArgs);
    const id = await this.store.enqueue({
      name,
      args: plainArgs,
      actor,
      clientTime: new Date(this.#clock.now()).toISOString(),
      ...(offlineCardCents === undefined ? {} : { offlineCardCents }),
      ...(opts.approval ? { approval: opts.approval } : {}),
    });
    this.#post('mutated');
    if (this.#leader) this.#schedulePush();
    await this.#refresh();
    return { id };
  }

  /** The offline-payments counter: a card payment marked offline or taken while offline. */
  #offlineCardCents(name: string, args: Record<string, unknown>): number | undefined {
    if (name !== 'ticket.addPayment' || args['method'] !== 'card') return undefined;
    if (args['offline'] !== true && this.#status.online) return undefined;
    const amount = typeof args['amountCents'] === 'number' ? args['amountCents'] : 0;
    const tip = typeof args['tipCents'] === 'number' ? args['tipCents'] : 0;
    return amount + tip;
  }

  // ------------------------------------------------------------------------------------------
  // The loop

  nudge(trigger: SyncTrigger): void {
    if (this.#stopped) return;
    if (trigger === 'online') this.setOnline(true);
    if (!this.#leader) {
      if (trigger === 'mutation') this.#post('mutated');
      return;
    }
    if (trigger === 'mutation') {
      this.#schedulePush();
      return;
    }
    if (this.#paused) return; // a permanent error waits for syncNow()
    if (trigger === 'online' || trigger === 'focus' || trigger === 'visible') {
      // Connectivity or attention came back: do not wait for the backoff timer — neither one
      // armed now nor one the running request arms when it fails (it went out before the
      // network was back).
      this.#cancelRetry();
      if (this.#running) this.#retryAtOnce = true;
    }
    this.#request(true, true, trigger === 'poke');
  }

  setOnline(online: boolean): void {
    if (this.#status.online === online) return;
    this.#emit({ online });
  }

  syncNow(): Promise<SyncResult> {
    if (this.#stopped) return Promise.resolve({ ok: false, skipped: 'stopped' });
    if (!this.#leader) {
      this.#post('mutated');
      return Promise.resolve({ ok: false, skipped: 'follower' });
    }
    this.#paused = false;
    this.#attempt = 0;
    this.#cancelRetry();
    const done = new Promise<SyncResult>((resolve) => this.#waiting.push(resolve));
    this.#request(true, true);
    return done;
  }

  #schedulePush(): void {
    if (this.#pushTimer !== undefined || this.#paused) return;
    this.#pushTimer = this.#timers.setTimeout(() => {
      this.#pushTimer = undefined;
      this.#request(true, false);
    }, this.#opts.pushDelayMs ?? 20);
  }

  #cancelRetry(): void {
    if (this.#retryTimer === undefined) return;
    this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#emit({ nextRetryAt: null });
  }

  /** `poke`: only a poke asks (its delta may do instead of the pull: #applyPokeDeltas). */
  #request(push: boolean, pull: boolean, poke = false): void {
    this.#wantPush ||= push;
    this.#wantPull ||= pull;
    if (!poke) this.#wantFullPull = true;
    this.#kick();
  }

  #kick(): void {
    if (this.#stopped || !this.#leader) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    // Waiting for a backoff: the retry picks the flags up — unless someone called syncNow().
    if (this.#retryTimer !== undefined) {
      if (this.#waiting.length === 0) return;
      this.#cancelRetry();
    }
    if (this.#paused && this.#waiting.length === 0) return;
    const waiters = this.#waiting.splice(0);
    this.#running = this.#cycle()
      .then((result) => {
        for (const w of waiters) w(result);
      })
      .finally(() => {
        this.#running = null;
        this.#retryAtOnce = false;
        if (this.#again || this.#waiting.length > 0) {
          this.#again = false;
          this.#kick();
        }
      });
  }

  async #cycle(): Promise<SyncResult> {
    this.#timers.clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    this.#emit({ syncing: true });
    const signal = this.#leaderAbort.signal;
    try {
      while ((this.#wantPush || this.#wantPull) && this.#leader && !this.#stopped) {
        if (this.#wantPush) {
          this.#wantPush = false;
          // A pull confirms what was pushed and rebases on it: never skipped after a push.
          if (await this.#pushAll(signal)) this.#wantFullPull = true;
          this.#wantPull = true;
        }
        if (this.#wantPull) {
          this.#wantPull = false;
          const full = this.#wantFullPull;
          this.#wantFullPull = false;
          if (full || !(await this.#applyPokeDeltas())) await this.#pullAll(signal);
          this.#dropPassedDeltas();
        }
      }
      this.#attempt = 0;
      this.#emit({ syncing: false, lastError: null, nextRetryAt: null, online: true });
      this.#post('synced');
      return { ok: true };
    } catch (e) {
      return this.#onCycleError(e);
    } finally {
      await this.#refresh();
      this.#schedulePoll();
    }
  }

  #onCycleError(e: unknown): SyncResult {
    if (this.#stopped || !this.#leader) {
      this.#emit({ syncing: false });
      return { ok: false, skipped: this.#stopped ? 'stopped' : 'follower' };
    }
    const at = new Date(this.#clock.now()).toISOString();
    let error: StatusError;
    let retryAfterMs: number | undefined;
    if (isTransportError(e)) {
      error = { code: e.code, message: e.message, at, retryable: e.retryable };
      retryAfterMs = e.retryAfterMs;
      if (e.kind === 'network' || e.kind === 'timeout') {
        if (this.#retryAtOnce) {
          // The request went out before the network came back: try again now, from scratch.
          this.#retryAtOnce = false;
          this.#attempt = 0;
          this.#wantPush = true;
          this.#wantPull = true;
          this.#wantFullPull = true;
          this.#again = true;
          this.#emit({ syncing: false, lastError: error, nextRetryAt: null });
          return { ok: false, error };
        }
        this.#emit({ online: false });
      }
    } else if (isSyncError(e)) {
      error = { code: e.code, message: e.message, at, retryable: false };
    } else {
      // A bug or a storage failure: keep the outbox, try again later.
      error = {
        code: 'INTERNAL',
        message: e instanceof Error ? e.message : String(e),
        at,
        retryable: true,
      };
    }
    // Whatever was interrupted is redone on the next attempt.
    this.#wantPush = true;
    this.#wantPull = true;
    this.#wantFullPull = true;
    if (error.retryable) {
      const delay = retryDelay(this.#attempt, this.#random, retryAfterMs, this.#opts.backoff);
      this.#attempt += 1;
      this.#retryTimer = this.#timers.setTimeout(() => {
        this.#retryTimer = undefined;
        this.#emit({ nextRetryAt: null });
        this.#kick();
      }, delay);
      this.#emit({
        syncing: false,
        lastError: error,
        nextRetryAt: new Date(this.#clock.now() + delay).toISOString(),
      });
    } else {
      this.#paused = true;
      this.#emit({ syncing: false, lastError: error, nextRetryAt: null });
    }
    return { ok: false, error };
  }

  #schedulePoll(): void {
    if (!this.#leader || this.#stopped) return;
    this.#timers.clearTimeout(this.#pollTimer);
    const ms = this.#pokeConnected
      ? (this.#opts.pollIntervalConnectedMs ?? 300_000)
      : (this.#opts.pollIntervalMs ?? 30_000);
    this.#pollTimer = this.#timers.setTimeout(() => {
      this.#pollTimer = undefined;
      if (!this.#paused) this.#request(true, true);
    }, ms);
  }

  /** Pushes the outbox; true when it sent anything (then a pull must follow). */
  async #pushAll(signal: AbortSignal): Promise<boolean> {
    let sent = false;
    let maxCount = Math.min(
      this.#opts.pushMaxMutations ?? MAX_MUTATIONS_PER_PUSH,
      MAX_MUTATIONS_PER_PUSH,
    );
    const maxBytes = this.#opts.pushMaxBytes ?? DEFAULT_PUSH_MAX_BYTES;
    for (;;) {
      if (!this.#lock.isLeader()) return sent;
      const batch = await this.store.nextPushBatch(maxCount, maxBytes);
      const first = batch.mutations[0];
      if (!first) return sent;
      let res;
      try {
        sent = true;
        res = await this.#breaker.run(() => this.#opts.transport.push(batch.mutations, signal));
      } catch (e) {
        if (e instanceof TransportError && e.status === 413 && batch.mutations.length > 1) {
          maxCount = Math.ceil(batch.mutations.length / 2); // too big for this server: halve
          continue;
        }
        throw e;
      }
      await this.store.recordPush(res, new Date(this.#clock.now()).toISOString());
      this.#emit({ online: true });
      await this.#refresh();
      if (res.lastMutationId < first.id) {
        // A restored server: the kept mutations it lost are back in the outbox; push them.
        const resume = (await this.store.nextPushBatch(1, maxBytes)).mutations[0];
        if (resume?.id === res.lastMutationId + 1) continue;
        // The server took none of the batch: it expects an id this device no longer has.
        throw new SyncError(
          'MUTATION_GAP',
          `The server expects change #${res.lastMutationId + 1} from this device, which is no longer on it. Contact support.`,
          { serverLastMutationId: res.lastMutationId, firstPending: first.id },
        );
      }
    }
  }

  /**
   * Instead of a pull that only pokes asked for: applies the poked deltas that continue the
   * cursor, in order, each as a one-page pull answer (rows at versions: idempotent; pending
   * mutations are rebased on top). True when the cursor then reaches the latest poked version
   * (no pull needed); false to pull — a gap (a missed or too big delta), another epoch, a
   * hydration. Runs inside the cycle only, serialized with pushes and pulls.
   */
  async #applyPokeDeltas(): Promise<boolean> {
    const latest = this.#latestPokeVersion;
    const meta = await this.store.readMeta();
    if (latest === null || !meta.hydrated || meta.hydrating || meta.epoch === null) return false;
    let cursor = meta.cursor;
    while (cursor < latest) {
      const delta = this.#pokeDeltas.get(cursor + 1);
      if (!delta || delta.epoch !== meta.epoch) return false;
      const at = new Date(this.#clock.now()).toISOString();
      const applied = await this.store.applyPullPage(
        {
          cursor: delta.to,
          hasMore: false,
          changes: delta.changes,
          // Another device's writes acknowledge none of ours: what the store has, unchanged.
          lastMutationId: (await this.store.readMeta()).ackedMutationId,
          rejections: [],
          epoch: delta.epoch,
        },
        at,
      );
      if (applied.requeued !== undefined) return false;
      cursor = delta.to;
      this.#pokeDeltas.delete(delta.from);
      this.#emit({ cursor, lastSyncAt: at });
    }
    return true;
  }

  /** Deltas the cursor has passed can no longer apply. */
  #dropPassedDeltas(): void {
    for (const [from, delta] of this.#pokeDeltas) {
      if (delta.to <= this.#status.cursor) this.#pokeDeltas.delete(from);
    }
  }

  async #pullAll(signal: AbortSignal): Promise<void> {
    let meta = await this.store.readMeta();
    if (!meta.hydrated && !meta.hydrating) {
      await this.store.beginHydration();
      meta = await this.store.readMeta();
    }
    let hydrating = meta.hydrating;
    if (hydrating) this.#startHydrationProgress(meta.cursor);
    let cursor = meta.cursor;
    let epoch = meta.epoch;
    if (hydrating && cursor === 0) {
      const snap = await this.#hydrateFromSnapshot(signal);
      if (snap) ({ cursor, epoch } = snap);
    }
    let resyncs = 0;
    for (;;) {
      let page;
      try {
        page = await this.#breaker.run(() =>
          this.#opts.transport.pull(
            {
              cursor,
              epoch,
              ...(this.#opts.pullLimit === undefined ? {} : { limit: this.#opts.pullLimit }),
            },
            signal,
          ),
        );
      } catch (e) {
        if (e instanceof TransportError && e.status === 409 && e.code === 'RESYNC_REQUIRED') {
          if (cursor === 0 || resyncs > 0) throw e;
          resyncs += 1;
          // The server pruned tombstones we have not seen: push first, then hydrate again from 0
          // (pending mutations stay and are re-run on the fresh state).
          await this.#pushAll(signal);
          await this.store.beginHydration();
          hydrating = true;
          cursor = 0;
          this.#startHydrationProgress(0);
          continue;
        }
        throw e;
      }
      const at = new Date(this.#clock.now()).toISOString();
      const applied = await this.store.applyPullPage(page, at);
      if (applied.requeued !== undefined) {
        // The server lost mutations it had acknowledged (a restore): they are back in the
        // outbox and a hydration has begun. Push them, then hydrate from 0.
        if (resyncs > 1) {
          throw new SyncError(
            'SERVER_REGRESSED',
            'The server keeps losing changes it had confirmed. Keep this device on and contact support.',
            { serverLastMutationId: page.lastMutationId },
          );
        }
        resyncs += 1;
        await this.#pushAll(signal);
        hydrating = true;
        cursor = 0;
        this.#startHydrationProgress(0);
        continue;
      }
      this.#emit({ online: true, cursor: page.cursor });
      cursor = page.cursor;
      epoch = page.epoch ?? epoch;
      if (hydrating) {
        this.#hydrationRows += page.changes.length;
        this.#setHydration({ rows: this.#hydrationRows, cursor });
        if (page.hasMore) void this.#checkEssentials(false);
      }
      if (!page.hasMore) break;
    }
    if (hydrating) {
      // A finished hydration always opens the UI (even a store with no staff yet).
      this.#setHydration({ state: 'done', percent: 100, cursor, essentialsReady: true });
      this.#resolveEssentials();
      void this.checkStorage();
    }
    this.#emit({ lastSyncAt: new Date(this.#clock.now()).toISOString() });
  }

  /**
   * Hydration from cursor 0 by the server's snapshot (docs/SYNC.md, "Snapshot"): rows are
   * written in batches of `snapshotBatchRows`, one IndexedDB transaction each together with the
   * resume token of their last chunk, while the next batch downloads. Resolves `essentialsReady`
   * at the server's marker. Returns the cursor to pull from (the OLDEST head cursor of the
   * snapshot's parts) and its epoch, or null to hydrate with pulls (an older server, or a restore
   * found on the way). A cut stream throws (retried like any failure) and resumes from meta.
   */
  async #hydrateFromSnapshot(
    signal: AbortSignal,
  ): Promise<{ cursor: number; epoch: string } | null> {
    const transport = this.#opts.transport;
    if (this.#opts.snapshot === false || !transport.snapshot || this.#snapshotUnsupported) {
      return null;
    }
    const batchRows = this.#opts.snapshotBatchRows ?? DEFAULT_SNAPSHOT_BATCH_ROWS;
    const onTrace = this.#opts.onSnapshotTrace;
    const trace = (event: SnapshotTraceEvent) => {
      try {
        onTrace?.(event);
      } catch {
        // A trace is for the bench; it never stops a hydration.
      }
    };
    let progress = (await this.store.readMeta()).snapshot;
    for (let attempt = 0; ; attempt++) {
      this.#hydrationRows = progress?.rows ?? 0;
      this.#setHydration({
        state: 'running',
        rows: this.#hydrationRows,
        estimatedRows: progress?.total ?? null,
      });
      if (progress?.essentials) this.#essentialsAreIn();
      let lastMutationId = 0;
      let batch: SnapshotRow[] = [];
      let resume: string | null = progress?.resume ?? null;
      let writing: Promise<void> = Promise.resolve();
      let requeued = false;
      /** Writes the first `count` rows of the batch; `token` resumes after them. */
      const flush = async (count = batch.length, token = resume) => {
        await writing; // one batch written while the next one downloads
        if (count === 0 || !progress) return;
        const rows = batch.slice(0, count);
        batch = batch.slice(count);
        const state = { ...progress, resume: token, rows: progress.rows + rows.length };
        progress = state;
        const writeStarted = traceNow();
        writing = this.store.applySnapshotBatch(rows, state, lastMutationId).then((r) => {
          if (onTrace) {
            const entities: Record<string, number> = {};
            for (const row of rows) entities[row.entity] = (entities[row.entity] ?? 0) + 1;
            const at = traceNow();
            trace({ kind: 'batch', at, rows: rows.length, entities, writeMs: at - writeStarted });
          }
          if (r.requeued !== undefined) {
            requeued = true;
            throw new SyncError('SNAPSHOT_REQUEUED', 'The server lost confirmed changes.');
          }
          this.#hydrationRows = state.rows;
          this.#setHydration({ rows: state.rows });
        });
      };
      const started = progress;
      trace({ kind: 'request', at: traceNow() });
      try {
        await this.#breaker.run(() =>
          transport.snapshot!(
            {
              resume:
                started?.resume != null
                  ? { token: started.resume, cursor: started.cursor, epoch: started.epoch }
                  : null,
            },
            async (line) => {
              switch (line.type) {
                case 'head':
                  lastMutationId = line.lastMutationId;
                  // A resumed part reads a newer state: pulls go on from the OLDEST cursor.
                  progress = progress
                    ? { ...progress, cursor: Math.min(progress.cursor, line.cursor) }
                    : {
                        resume: null,
                        cursor: line.cursor,
                        epoch: line.epoch,
                        rows: 0,
                        total: line.total,
                        essentials: false,
                      };
                  this.#setHydration({ estimatedRows: progress.total });
                  trace({ kind: 'head', at: traceNow(), total: line.total });
                  return;
                case 'rows': {
                  // The token after the chunks already in the batch; a batch that ends inside
                  // this chunk keeps it (a resume sends the chunk again: its rows are put again).
                  const before = resume;
                  const packed = line.packed === true;
                  for (const r of line.rows) {
                    batch.push({
                      entity: line.entity,
                      id: r.id,
                      version: r.version,
                      data: r.data,
                      packed,
                    });
                  }
                  while (batch.length >= batchRows) {
                    await flush(batchRows, batch.length === batchRows ? line.resume : before);
                  }
                  resume = line.resume;
                  return;
                }
                case 'essentials':
                  await flush();
                  await writing;
                  if (progress && !progress.essentials)
                    progress = { ...progress, essentials: true };
                  trace({ kind: 'essentials', at: traceNow() });
                  this.#essentialsAreIn();
                  return;
                case 'end':
                  await flush();
                  await writing;
                  trace({ kind: 'end', at: traceNow() });
                  return;
                default:
                  exhaustiveSwitchError(line);
              }
            },
            signal,
          ),
        );
        await writing;
      } catch (e) {
        // What was written stays (with its token): a retry resumes after it.
        await writing.catch(() => undefined);
        if (requeued) {
          // A restored server (applySnapshotBatch put the lost mutations back and began a new
          // hydration): push them, then hydrate with pulls.
          await this.#pushAll(signal);
          return null;
        }
        if (e instanceof TransportError && e.status === 404) {
          // An older server (or one rolled back mid-hydration): pulls from 0, a new generation.
          if (started) await this.store.abandonSnapshot();
          this.#snapshotUnsupported = true;
          return null;
        }
        const refusedResume =
          e instanceof TransportError &&
          started !== null &&
          (e.code === 'RESYNC_REQUIRED' || e.code === 'INVALID_RESUME_TOKEN');
        if (refusedResume && attempt === 0) {
          // The parts already written cannot be continued: start again (a new generation, so
          // rows only the old parts had are swept when the hydration completes).
          await this.store.abandonSnapshot();
          progress = null;
          continue;
        }
        throw e;
      }
      if (!progress) return null; // an empty answer: hydrate with pulls
      await this.store.finishSnapshot(progress.cursor, progress.epoch);
      this.#emit({ online: true, cursor: progress.cursor });
      this.#setHydration({ cursor: progress.cursor });
      return { cursor: progress.cursor, epoch: progress.epoch };
    }
  }

  #essentialsAreIn(): void {
    if (!this.#status.hydration.essentialsReady) {
      this.#emit({ hydration: { ...this.#status.hydration, essentialsReady: true } });
    }
    this.#resolveEssentials();
  }

  // ------------------------------------------------------------------------------------------
  // Hydration progress

  #startHydrationProgress(cursor: number): void {
    this.#hydrationRows = 0;
    this.#setHydration({
      state: 'running',
      rows: 0,
      cursor,
      essentialsReady: this.#status.hydration.essentialsReady,
    });
  }

  #setHydration(patch: Partial<HydrationProgress>): void {
    const h = { ...this.#status.hydration, ...patch };
    h.targetVersion =
      this.#latestPokeVersion === null ? null : Math.max(this.#latestPokeVersion, h.cursor);
    if (h.state === 'done') {
      h.percent = 100;
      h.estimatedRows = null;
    } else if (h.state === 'running' && h.estimatedRows) {
      h.percent = Math.min(99, Math.floor((h.rows / h.estimatedRows) * 100));
    } else if (h.state === 'running') {
      h.percent =
        h.targetVersion === null || h.targetVersion === 0
          ? null
          : Math.min(99, Math.floor((h.cursor / h.targetVersion) * 100));
    }
    this.#emit({ hydration: h });
  }

  async #checkEssentials(hydrationDone: boolean): Promise<void> {
    if (this.#status.hydration.essentialsReady) return;
    const check = this.#opts.essentials ?? defaultEssentialsCheck;
    let ready: boolean;
    try {
      ready = await check(this.store, {
        storeId: this.#opts.storeId,
        nowMs: this.#clock.now(),
        hydrationDone,
      });
    } catch {
      ready = false;
    }
    if (!ready) return;
    this.#emit({ hydration: { ...this.#status.hydration, essentialsReady: true } });
    this.#resolveEssentials();
  }

  // ------------------------------------------------------------------------------------------
  // Status

  status(): SyncStatus {
    return this.#status;
  }

  subscribe(listener: (status: SyncStatus) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#status);
    return () => this.#listeners.delete(listener);
  }

  #emit(patch: Partial<SyncStatus>): void {
    this.#status = { ...this.#status, ...patch, breaker: this.#breaker.state };
    for (const l of this.#listeners) {
      try {
        l(this.#status);
      } catch {
        // a listener's bug must not stop sync
      }
    }
  }

  /** Re-reads the counters kept in IndexedDB (other tabs change them too). */
  async #refresh(): Promise<void> {
    if (!this.store.db.isOpen()) return;
    try {
      const [meta, pendingCount, outboxCount, attentionCount, offlineCardPayments] =
        await Promise.all([
          this.store.readMeta(),
          this.store.unsyncedCount(),
          this.store.outboxCount(),
          this.store.attentionCount(),
          this.store.offlineCardTotals(),
        ]);
      this.#emit({
        pendingCount,
        outboxCount,
        attentionCount,
        offlineCardPayments,
        cursor: meta.cursor,
        lastSyncAt: meta.lastSyncAt ?? this.#status.lastSyncAt,
      });
    } catch {
      // closed while reading
    }
  }

  // ------------------------------------------------------------------------------------------
  // Attention, retention, storage, history, clearing

  async attention(): Promise<AttentionRecord[]> {
    await this.#open();
    return this.store.attention();
  }

  async acknowledge(mutationId: number): Promise<void> {
    await this.#open();
    await this.store.acknowledge(mutationId, new Date(this.#clock.now()).toISOString());
    await this.#refresh();
    // Best effort: the local acknowledgement already hides it for good.
    const ack = this.#opts.transport.acknowledgeRejections;
    if (ack) {
      await this.#breaker.run(() => ack.call(this.#opts.transport, [mutationId])).catch(() => {});
    }
  }

  async runRetention(): Promise<RetentionResult> {
    await this.#open();
    const result = await this.store.runRetention(this.#clock.now(), this.#opts.retentionDays ?? 90);
    void this.checkStorage();
    return result;
  }

  #scheduleRetention(delayMs: number): void {
    const every = this.#opts.retentionIntervalMs ?? 6 * 3_600_000;
    if (every <= 0) return;
    this.#retentionTimer = this.#timers.setTimeout(() => {
      this.#retentionTimer = undefined;
      if (!this.#leader || this.#stopped) return;
      // Housekeeping waits for a hydration to finish: it would only delete what just arrived.
      if (this.#status.hydration.state === 'running') {
        this.#scheduleRetention(RETENTION_FIRST_DELAY_MS);
        return;
      }
      void this.runRetention()
        .catch(() => {})
        .finally(() => {
          if (this.#leader && !this.#stopped) this.#scheduleRetention(every);
        });
    }, delayMs);
  }

  async checkStorage(requestPersist = false): Promise<StorageStatus | null> {
    const storage =
      this.#opts.storage === undefined
        ? (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator?.storage
        : this.#opts.storage;
    const status = await checkStorage(
      storage,
      this.#opts.storageThresholds ?? DEFAULT_STORAGE_THRESHOLDS,
      {
        requestPersist,
      },
    );
    if (!this.#stopped) this.#emit({ storage: status });
    return status;
  }

  fetchHistoryPage(
    before: string | null,
    limit?: number,
    status?: HistoryStatus,
  ): Promise<HistoryPage> {
    return this.#breaker.run(() =>
      this.#opts.transport.fetchHistoryPage({
        before,
        ...(limit === undefined ? {} : { limit }),
        ...(status === undefined ? {} : { status }),
      }),
    );
  }

  async clearLocalData(opts: { force?: boolean } = {}): Promise<void> {
    await this.#open();
    const count = await this.store.unsyncedCount();
    if (count > 0 && !opts.force) {
      throw new SyncError(
        'UNSYNCED_CHANGES',
        `${count} change(s) made on this device have not reached the server yet. Connect and wait for sync, or confirm that they may be lost.`,
        { count },
      );
    }
    await this.stop();
    await this.store.clear({ force: true });
  }
}
