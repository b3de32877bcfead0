export { createSyncEngine, defaultEssentialsCheck } from './engine';
export type {
  BroadcastLike,
  EssentialsCheck,
  SyncEngine,
  MutateOptions,
  SyncEngineOptions,
  SnapshotTraceEvent,
  SyncTrigger,
} from './engine';
export { createHttpTransport, historyPageSchema } from './http-transport';
export type { GetAccessToken, HttpTransportOptions } from './http-transport';
export type {
  HistoryPage,
  HistoryStatus,
  PokeHandlers,
  PokeSubscription,
  SyncTransport,
} from './transport';
export { LocalStore } from './local-store';
export type {
  ApplyMutation,
  LocalReader,
  PageResult,
  RetentionResult,
  SyncMeta,
} from './local-store';
export {
  CURRENT_SCHEMA_VERSION,
  databaseName,
  LocalDb,
  openLocalDb,
  SCHEMA_V1,
  SCHEMA_V2,
  SCHEMA_V3,
} from './local-db';
export type { AttentionRecord, IndexedDbDeps, OutboxRecord, RowKey } from './local-db';
export { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter, retryDelay } from './backoff';
export type { BackoffOptions } from './backoff';
export { CircuitBreaker, DEFAULT_BREAKER } from './circuit-breaker';
export type { BreakerState, CircuitBreakerOptions } from './circuit-breaker';
export { isSyncError, isTransportError, SyncError, TransportError } from './errors';
export type { TransportErrorKind } from './errors';
export { alwaysLeader, createLeaseLeaderLock, createWebLocksLeaderLock } from './leader-lock';
export type { LeaderLock, LeaseOptions, LockManagerLike } from './leader-lock';
export { checkStorage, DEFAULT_STORAGE_THRESHOLDS } from './storage-monitor';
export type {
  StorageLevel,
  StorageManagerLike,
  StorageStatus,
  StorageThresholds,
} from './storage-monitor';
export type { HydrationProgress, StatusError, SyncResult, SyncStatus } from './status';
export { SseParser, readSse } from './sse';
export type { SseEvent } from './sse';
export { attachPlatformTriggers } from './triggers';
export type { EventSourceLike } from './triggers';
export { hostSyncWorker } from './worker-host';
export { connectSyncWorker } from './worker-client';
export type { SyncWorkerClient } from './worker-client';
export type { PortLike, WorkerInit } from './worker-protocol';
export { systemClock, systemRandom, systemTimers } from './env';
export type { Clock, FetchLike, Random, Timers } from './env';
