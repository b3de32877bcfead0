import type { Clock } from './env';
import { TransportError } from './errors';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive server failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe is let through (ms). Default 30 000. */
  coolDownMs?: number;
}

export const DEFAULT_BREAKER: Required<CircuitBreakerOptions> = {
  failureThreshold: 5,
  coolDownMs: 30_000,
};

/**
 * closed → (N consecutive server failures) → open → (cool-down elapsed) → half-open: exactly one
 * probe request is let through → closed on success, open again (new cool-down) on failure.
 *
 * Only failures that say "the server is unwell" count (network error, timeout, 5xx). A 4xx or a
 * 429 is the server answering fine, so it neither opens nor keeps the circuit open.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #coolDownMs: number;
  readonly #clock: Clock;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;
  readonly #listeners = new Set<(s: BreakerState) => void>();

  constructor(clock: Clock, opts: CircuitBreakerOptions = {}) {
    this.#clock = clock;
    this.#threshold = opts.failureThreshold ?? DEFAULT_BREAKER.failureThreshold;
    this.#coolDownMs = opts.coolDownMs ?? DEFAULT_BREAKER.coolDownMs;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#clock.now() - this.#openedAt >= this.#coolDownMs) {
      return 'half-open';
    }
    return this.#state;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  onChange(listener: (s: BreakerState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs `fn` through the breaker; throws a retryable `circuit-open` TransportError when open. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.#probing)) {
      const remaining = Math.max(0, this.#coolDownMs - (this.#clock.now() - this.#openedAt));
      throw new TransportError({
        kind: 'circuit-open',
        code: 'CIRCUIT_OPEN',
        message: 'The server has been failing; sync pauses for a moment before trying again.',
        retryAfterMs: remaining,
      });
    }
    if (state === 'half-open') {
      this.#probing = true;
      this.#set('half-open');
    }
    try {
      const result = await fn();
      this.#success();
      return result;
    } catch (e) {
      if (e instanceof TransportError && e.isServerFailure) this.#failure();
      else this.#success(); // the server answered: it is reachable
      throw e;
    } finally {
      this.#probing = false;
    }
  }

  #success(): void {
    this.#failures = 0;
    this.#set('closed');
  }

  #failure(): void {
    this.#failures += 1;
    if (
      this.#state === 'half-open' ||
      this.#state === 'open' ||
      this.#failures >= this.#threshold
    ) {
      this.#openedAt = this.#clock.now();
      this.#set('open');
    }
  }

  #set(state: BreakerState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const l of this.#listeners) l(state);
  }
}
