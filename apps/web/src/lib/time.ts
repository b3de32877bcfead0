/** Store-local time helpers (the store's IANA time zone, not the device's). */
import { addDaysToYmd, zonedWallTimeMs } from '@mango/domain/time';

/** The UTC instant of a store-local wall time (`YYYY-MM-DD`, minutes after midnight). */
export function zonedToUtc(ymd: string, minutes: number, timeZone: string): string {
  return new Date(zonedWallTimeMs(ymd, minutes, timeZone)).toISOString();
}

/** [start, end) of a store-local day as UTC ISO instants. */
export function zonedDayRange(ymd: string, timeZone: string): { start: string; end: string } {
  return { start: zonedToUtc(ymd, 0, timeZone), end: zonedToUtc(addDays(ymd, 1), 0, timeZone) };
}

export function localYmd(iso: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(typeof iso === 'string' ? new Date(iso) : iso);
}

/** Minutes after store-local midnight. */
export function localMinutes(iso: string, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(iso));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

export const addDays = addDaysToYmd;

export function formatTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' }).format(
    new Date(iso),
  );
}

export function formatDateTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(iso));
}

export function minutesToHhmm(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

export function hhmmToMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
