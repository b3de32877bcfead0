import { addDays, localYmd } from '../lib/time';

/**
 * The days a client may pick: from today (in the salon's time zone, not the phone's) through
 * the store's horizon. The server decides what is free within them.
 */
export function bookableDays(now: Date, timeZone: string, horizonDays: number): string[] {
  const today = localYmd(now, timeZone);
  const count = Math.max(1, Math.min(366, Math.floor(horizonDays) + 1));
  return Array.from({ length: count }, (_, i) => addDays(today, i));
}

/** The parts of a `YYYY-MM-DD` day's chip: "Mon", "7", "December" (a calendar date: no zone). */
export function dayLabel(
  ymd: string,
  locale: string,
): { weekday: string; day: string; month: string } {
  const at = new Date(`${ymd}T12:00:00Z`);
  const fmt = (o: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(locale, { timeZone: 'UTC', ...o }).format(at);
  return {
    weekday: fmt({ weekday: 'short' }),
    day: fmt({ day: 'numeric' }),
    month: fmt({ month: 'long' }),
  };
}

/** The full spoken/written date of a day: "Monday, December 7". */
export function longDay(ymd: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC',
    weekday: 'long',
    month: 'long',
    day: 'numeric',
  }).format(new Date(`${ymd}T12:00:00Z`));
}

/** A start time as the salon's clock shows it ("2:30 PM"), whatever the phone's zone. */
export function clockTime(iso: string, timeZone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { timeZone, hour: 'numeric', minute: '2-digit' }).format(
    new Date(iso),
  );
}

/** The date and time of a booking in the salon's zone: "Monday, December 7 at 2:30 PM". */
export function bookingWhen(iso: string, timeZone: string, locale: string): string {
  return `${longDay(localYmd(iso, timeZone), locale)} at ${clockTime(iso, timeZone, locale)}`;
}

export type DayPart = 'Morning' | 'Afternoon' | 'Evening';

/** Free times grouped by part of the salon's day, so a long list reads in three short ones. */
export function byDayPart<T extends { start: string }>(
  times: readonly T[],
  timeZone: string,
): { part: DayPart; times: T[] }[] {
  const parts: { part: DayPart; times: T[] }[] = [
    { part: 'Morning', times: [] },
    { part: 'Afternoon', times: [] },
    { part: 'Evening', times: [] },
  ];
  for (const t of times) {
    const hour = Number(
      new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(
        new Date(t.start),
      ),
    );
    parts[hour < 12 ? 0 : hour < 17 ? 1 : 2]?.times.push(t);
  }
  return parts.filter((p) => p.times.length > 0);
}
