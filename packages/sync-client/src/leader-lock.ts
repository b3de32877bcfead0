import type { Clock, Timers } from './env';
import type { LocalDb } from './local-db';

/**
 * Only one tab (or worker) per store runs the sync loop: the leader. Others still read and write
 * the shared IndexedDB (their mutations go to the same outbox) and nudge the leader.
 */
export interface LeaderLock {
  /** Starts competing; `onChange(true)` when this instance becomes leader, `(false)` when it stops being one. */
  start(onChange: (isLeader: boolean) => void): void;
  /** True while held (the engine checks it right before each push). */
  isLeader(): boolean;
  /** Releases (if held) and stops competing. */
  stop(): Promise<void>;
}

/** The subset of `navigator.locks` used. */
export interface LockManagerLike {
  request(
    name: string,
    options: { mode?: 'exclusive' | 'shared'; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>;
}

/**
 * Web Locks: the browser holds an exclusive lock per store for the leader's lifetime and hands it
 * to the next waiting tab when the leader's tab closes or crashes. No expiry to tune.
 */
export function createWebLocksLeaderLock(locks: LockManagerLike, name: string): LeaderLock {
  let leader = false;
  let release: (() => void) | undefined;
  const ctrl = new AbortController();
  return {
    start(onChange) {
      locks
        .request(name, { mode: 'exclusive', signal: ctrl.signal }, async () => {
          if (ctrl.signal.aborted) return;
          leader = true;
          onChange(true);
          await new Promise<void>((resolve) => (release = resolve));
          leader = false;
          onChange(false);
        })
        .catch(() => {
          // aborted while waiting: we stopped competing
        });
    },
    isLeader: () => leader,
    async stop() {
      ctrl.abort();
      release?.();
    },
  };
}

export interface LeaseOptions {
  db: LocalDb;
  /** Unique per tab/worker instance. */
  holderId: string;
  clock: Clock;
  timers: Timers;
  /** A lease not renewed for this long may be taken by another tab (ms). Default 10 000. */
  ttlMs?: number;
  /** How often the holder renews and the others try (ms). Default 3 000. */
  renewMs?: number;
}

/**
 * Fallback without Web Locks: a lease row in the store's IndexedDB, taken and renewed inside
 * read-write transactions (serialised across tabs). A crashed leader's lease expires after
 * `ttlMs`; another tab then takes over.
 */
export function createLeaseLeaderLock(opts: LeaseOptions): LeaderLock {
  const ttlMs = opts.ttlMs ?? 10_000;
  const renewMs = opts.renewMs ?? 3_000;
  const { db, holderId, clock, timers } = opts;
  let leader = false;
  let stopped = false;
  let timer: unknown;
  let listener: (isLeader: boolean) => void = () => {};

  const set = (value: boolean) => {
    if (leader === value) return;
    leader = value;
    listener(value);
  };

  async function tick(): Promise<void> {
    if (stopped) return;
    let got: boolean;
    try {
      got = await db.transaction('rw', db.lease, async () => {
        const now = clock.now();
        const row = await db.lease.get('leader');
        if (!row || row.holder === holderId || row.expiresAt <= now) {
          await db.lease.put({ key: 'leader', holder: holderId, expiresAt: now + ttlMs });
          return true;
        }
        return false;
      });
    } catch {
      got = false; // database closed or blocked: not leader
    }
    if (stopped) return;
    set(got);
    timer = timers.setTimeout(() => void tick(), renewMs);
  }

  return {
    start(onChange) {
      listener = onChange;
      void tick();
    },
    isLeader: () => leader && !stopped,
    async stop() {
      stopped = true;
      timers.clearTimeout(timer);
      if (leader) {
        try {
          await db.transaction('rw', db.lease, async () => {
            const row = await db.lease.get('leader');
            if (row?.holder === holderId) await db.lease.delete('leader');
          });
        } catch {
          // closing: the lease expires anyway
        }
      }
      set(false);
    },
  };
}

/** A lock that is always held: one tab per store, or a host with no other tabs (tests, Node). */
export function alwaysLeader(): LeaderLock {
  let held = false;
  return {
    start(onChange) {
      held = true;
      onChange(true);
    },
    isLeader: () => held,
    async stop() {
      held = false;
    },
  };
}
