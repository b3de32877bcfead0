/**
 * Store-local calendar arithmetic for the demo history: business days as `YYYY-MM-DD` and
 * wall-clock times in the store's time zone turned into instants (DST-aware: the history spans
 * eight weeks, often across a clock change).
 */
import { addDaysToYmd, zonedWallTimeMs } from '@mango/domain/time';

/** The instant of `minutes` after local midnight of `day` in `timeZone` (DST-aware). */
export const localInstant = zonedWallTimeMs;

export const addDays = addDaysToYmd;

/** 0 Sunday … 6 Saturday, as `WorkingShift.weekday`. */
export function weekdayOf(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

export const MINUTE = 60_000;
