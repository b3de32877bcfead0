import type { ScaleStats } from '../scale/scale-stats';
import type { Metrics } from './metrics';

/**
 * The scale-out parts keep plain running counts (`stats()`); these counters read them at scrape
 * time, so the parts need not know about Prometheus.
 */
export function registerScaleMetrics(metrics: Metrics, stats: () => ScaleStats): void {
  metrics.counterFrom(
    'mango_rate_limit_decisions_total',
    'API rate limit decisions: checked, limited (429) and failed_open (limiter unreachable).',
    () => {
      const limits = stats().rateLimits;
      return limits
        ? { checked: limits.checked, limited: limits.limited, failed_open: limits.failedOpen }
        : {};
    },
    'decision',
  );
  metrics.counterFrom(
    'mango_cache_requests_total',
    'Read cache lookups: hit, miss, and error (cache unreachable, read from the database).',
    () => {
      const cache = stats().cache;
      return { hit: cache.hits, miss: cache.misses, error: cache.errors };
    },
  );
  metrics.counterFrom(
    'mango_sync_head_reads_total',
    'Pull head lookups: hit (a quiet pull answered without the database), miss, and error (heads unreachable, read from the database).',
    () => {
      const heads = stats().heads;
      return { hit: heads.hits, miss: heads.misses, error: heads.errors };
    },
  );
  metrics.counterFrom(
    'mango_cache_invalidations_total',
    'Entity kinds invalidated in the read cache by committed writes.',
    () => stats().cache.invalidations,
  );
  metrics.counterFrom(
    'mango_db_reads_total',
    'Lag-tolerant reads: served by the replica or the primary, waited for the replica to catch up, or skipped it (down or lagging).',
    () => {
      const reads = stats().reads;
      return {
        replica: reads.replicaReads,
        primary: reads.primaryReads,
        waited_for_replica: reads.waitedForReplica,
        replica_skipped: reads.replicaSkipped,
      };
    },
    'outcome',
  );
}
