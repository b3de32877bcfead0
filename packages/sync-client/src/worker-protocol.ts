import { DomainError } from '@mango/domain/errors';
import type { Actor } from '@mango/domain/tx';
import { SyncError } from './errors';

/**
 * Messages between the UI thread (worker-client) and the sync worker (worker-host). Everything is
 * structured-cloneable; functions stay on their side (the access token is asked for by message).
 */

/** What the UI sends to start the engine inside the worker. */
export interface WorkerInit {
  baseUrl: string;
  storeId: string;
  deviceId: string;
  actor: Actor;
  timeoutMs?: number;
}

export const RPC_METHODS = [
  'mutate',
  'syncNow',
  'nudge',
  'setOnline',
  'attention',
  'acknowledge',
  'runRetention',
  'checkStorage',
  'fetchHistoryPage',
  'clearLocalData',
] as const;
export type RpcMethod = (typeof RPC_METHODS)[number];

export interface SerializedError {
  name: string;
  code: string | undefined;
  message: string;
  details: unknown;
}

export type ToWorker =
  | { kind: 'init'; init: WorkerInit }
  | { kind: 'call'; id: number; method: RpcMethod; args: unknown[] }
  | { kind: 'token'; id: number; token: string | null }
  | { kind: 'close' };

export type FromWorker =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: SerializedError }
  | { kind: 'status'; status: unknown }
  | { kind: 'essentials' }
  | { kind: 'getToken'; id: number; forceRefresh: boolean };

/** The subset of MessagePort / Worker / DedicatedWorkerGlobalScope used. */
export interface PortLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  start?(): void;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const coded = e as Error & { code?: unknown; details?: unknown };
    return {
      name: e.name,
      code: typeof coded.code === 'string' ? coded.code : undefined,
      message: e.message,
      details: safeClone(coded.details),
    };
  }
  return { name: 'Error', code: undefined, message: String(e), details: undefined };
}

export function deserializeError(s: SerializedError): Error {
  if (s.name === 'DomainError' && s.code) return new DomainError(s.code, s.message, s.details);
  if (s.name === 'SyncError' && s.code) return new SyncError(s.code, s.message, s.details);
  const err = new Error(s.message) as Error & { code?: string };
  err.name = s.name;
  if (s.code) err.code = s.code;
  return err;
}

function safeClone(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return undefined;
  }
}
