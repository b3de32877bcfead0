import type { CacheStats } from '../cache/cache';
import type { ReadRouterStats } from '../db/replica';
import type { RateLimitStats } from '../rate-limit/api-rate-limits';
import type { HeadsStats } from '../sync/heads';

/**
 * The scale-out parts' counters, for the metrics module to export (`app.scaleStats()`). `null`
 * when the part is switched off.
 */
export interface ScaleStats {
  rateLimits: RateLimitStats | null;
  cache: CacheStats;
  /** Reads sent to the replica or the primary (all to the primary without a replica). */
  reads: ReadRouterStats;
  /** Pulls answered from the sync heads (hits) or read from the database (misses). */
  heads: HeadsStats;
}
