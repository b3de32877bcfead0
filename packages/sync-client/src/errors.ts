/**
 * Errors of the sync client. `SyncError` is what the public API throws for its own refusals
 * (e.g. `UNSYNCED_CHANGES`); `TransportError` is what a transport throws for a failed request,
 * already sorted into retryable and permanent.
 */

export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function isSyncError(e: unknown): e is SyncError {
  return e instanceof SyncError;
}

export type TransportErrorKind =
  | 'network' // connection refused, reset, dropped
  | 'timeout' // no answer within the request timeout
  | 'http' // the server answered with an error status
  | 'invalid-response' // 2xx but the body does not match the protocol schema
  | 'circuit-open'; // not attempted: the circuit breaker is open

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly kind: TransportErrorKind;
  /** HTTP status when `kind` is 'http'. */
  readonly status: number | undefined;
  /** The protocol error code (`error.code` of the body) when the server sent one. */
  readonly code: string;
  /** From `Retry-After` (429/503) or the breaker's remaining cool-down. */
  readonly retryAfterMs: number | undefined;
  readonly details: unknown;

  constructor(opts: {
    kind: TransportErrorKind;
    message: string;
    code: string;
    status?: number;
    retryAfterMs?: number;
    details?: unknown;
    cause?: unknown;
  }) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = opts.kind;
    this.status = opts.status;
    this.code = opts.code;
    this.retryAfterMs = opts.retryAfterMs;
    this.details = opts.details;
  }

  /**
   * Worth trying again later: network errors, timeouts, 5xx, 408, 429 and an open breaker.
   * Every other 4xx (and a response that breaks the protocol) is permanent for that request.
   * 401 is handled by the transport (token refresh) before it gets here; if it still surfaces,
   * a person must sign in again, which is permanent until they do.
   */
  get retryable(): boolean {
    switch (this.kind) {
      case 'network':
      case 'timeout':
      case 'circuit-open':
        return true;
      case 'invalid-response':
        return false;
      case 'http': {
        const s = this.status ?? 0;
        return s >= 500 || s === 408 || s === 429;
      }
    }
  }

  /** Counts against the circuit breaker: the server (or the way to it) is failing. */
  get isServerFailure(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    return this.kind === 'http' && (this.status ?? 0) >= 500;
  }
}

export function isTransportError(e: unknown): e is TransportError {
  return e instanceof TransportError;
}
