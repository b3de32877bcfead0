import type { BreakerState } from './circuit-breaker';
import type { StorageStatus } from './storage-monitor';

export interface StatusError {
  code: string;
  message: string;
  at: string;
  /** False: automatic sync is paused until `syncNow()` (e.g. sign in again, update the app). */
  retryable: boolean;
}

export interface HydrationProgress {
  state: 'not-started' | 'running' | 'done';
  /** Rows received during the current hydration. */
  rows: number;
  cursor: number;
  /** Store version the hydration aims at (latest poke), null while unknown. */
  targetVersion: number | null;
  /**
   * The server's estimate of the rows a snapshot hydration brings (null: a paged hydration).
   * With it, percent is rows / estimatedRows.
   */
  estimatedRows?: number | null;
  /** cursor / targetVersion (0–99 while running, 100 when done); null while unknown. */
  percent: number | null;
  essentialsReady: boolean;
}

export interface SyncStatus {
  /** The server answered the last request (false after a network error/timeout or `offline`). */
  online: boolean;
  role: 'leader' | 'follower' | 'stopped';
  syncing: boolean;
  /** Mutations the server has not acknowledged yet. */
  pendingCount: number;
  /** Mutations still in the outbox (acknowledged ones wait for the pull that confirms them). */
  outboxCount: number;
  lastSyncAt: string | null;
  lastError: StatusError | null;
  /** When the next automatic retry happens (after a failure). */
  nextRetryAt: string | null;
  /** Rejected mutations a person has not acknowledged. */
  attentionCount: number;
  hydration: HydrationProgress;
  breaker: BreakerState;
  cursor: number;
  /** Card payments taken while offline, not yet acknowledged by the server (per device). */
  offlineCardPayments: { count: number; totalCents: number };
  storage: StorageStatus | null;
}

export type SyncResult =
  { ok: true } | { ok: false; skipped: 'follower' | 'stopped' } | { ok: false; error: StatusError };
