import type { Random } from './env';

export interface BackoffOptions {
  /** First retry's ceiling (ms). Default 500. */
  baseMs?: number;
  /** Largest ceiling (ms). Default 60 000. */
  maxMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 500, maxMs: 60_000 };

/**
 * Exponential backoff with FULL jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * `delay = random() × min(maxMs, baseMs × 2^attempt)`, attempt counted from 0. Full jitter spreads
 * the retries of many devices after an outage so that they do not hit the server in waves.
 */
export function backoffDelay(attempt: number, random: Random, opts: BackoffOptions = {}): number {
  const { baseMs, maxMs } = { ...DEFAULT_BACKOFF, ...opts };
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.floor(random() * ceiling);
}

/**
 * The delay before a retry: `Retry-After` (from a 429/503) wins when the server sent one — we wait
 * at least that long — otherwise the jittered backoff.
 */
export function retryDelay(
  attempt: number,
  random: Random,
  retryAfterMs: number | undefined,
  opts: BackoffOptions = {},
): number {
  if (retryAfterMs !== undefined) return Math.max(0, retryAfterMs);
  return backoffDelay(attempt, random, opts);
}

/**
 * Parses a `Retry-After` header: delta-seconds or an HTTP date. Returns milliseconds from `nowMs`,
 * or undefined when absent or unreadable. Capped at one hour so a bad header cannot park the
 * device for days.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  const cap = 3_600_000;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(cap, Math.round(Number(v) * 1000));
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(cap, Math.max(0, at - nowMs));
}
