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

/** A date and time in the store's zone and locale (its clock format: 12 or 24 hours). */
export function formatDateTime(iso: string, timeZone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, {
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

/**
 * Where each currency's salons are, for the clock format. Stores keep no locale setting, and the
 * device's language is the wrong guide (a US salon's tablet may be set to Vietnamese): the
 * currency is the store's own word for its country. Unknown currencies use the device's language.
 */
const CURRENCY_LOCALES: Readonly<Record<string, string>> = {
  USD: 'en-US',
  CAD: 'en-CA',
  AUD: 'en-AU',
  NZD: 'en-NZ',
  GBP: 'en-GB',
  EUR: 'en-IE',
  INR: 'en-IN',
  MXN: 'es-MX',
  PHP: 'en-PH',
};

export function storeLocale(currency: string | undefined): string {
  return (currency && CURRENCY_LOCALES[currency]) || globalThis.navigator?.language || 'en-US';
}

/** Whether a locale reads the clock in 12 hours (with AM/PM) or 24. */
export function hourCycleOf(locale: string): 'h12' | 'h23' {
  const cycle = new Intl.DateTimeFormat(locale, { hour: 'numeric' }).resolvedOptions().hourCycle;
  return cycle === 'h11' || cycle === 'h12' ? 'h12' : 'h23';
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/** One clock format per locale and zone, so hour labels and bookings always read alike. */
function clockFormatter(locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`;
  let f = clockFormatters.get(key);
  if (!f) {
    const hourCycle = hourCycleOf(locale);
    f = new Intl.DateTimeFormat(locale, {
      timeZone,
      // "09:00" on a 24-hour clock lines up in the book's gutter; "9:00 AM" reads naturally.
      hour: hourCycle === 'h23' ? '2-digit' : 'numeric',
      minute: '2-digit',
      hourCycle,
    });
    clockFormatters.set(key, f);
  }
  return f;
}

/** An instant's store-local time in the store's clock format ("2:30 PM", "14:30"). */
export function formatClock(iso: string, timeZone: string, locale: string): string {
  return clockFormatter(locale, timeZone).format(new Date(iso));
}

/** Minutes after midnight in the same format as `formatClock` (the book's hour labels). */
export function formatMinutesOfDay(minutes: number, locale: string): string {
  return clockFormatter(locale, 'UTC').format(new Date(Date.UTC(2000, 0, 1, 0, minutes)));
}
