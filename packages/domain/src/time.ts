/**
 * Time helpers over ISO-8601 strings. Parsing a given timestamp is pure; the domain never asks
 * the clock for "now" (that is `ctx.now`, the mutation's clientTime).
 */

/** Normalizes any ISO-8601 timestamp (with offset) to UTC `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export function toUtcIso(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`Not an ISO timestamp: ${iso}`);
  return new Date(ms).toISOString();
}

export function addMinutes(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

const FORMATS = {
  date: { year: 'numeric', month: '2-digit', day: '2-digit' },
  wallClock: {
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

// Making an Intl.DateTimeFormat costs ~100 times what formatting with it does, and a push
// computes a business date in nearly every mutation: one formatter per format and zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(format: keyof typeof FORMATS, timeZone: string): Intl.DateTimeFormat {
  const key = `${format}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, ...FORMATS[format] });
    formatters.set(key, f);
  }
  return f;
}

/** The store-local calendar date (`YYYY-MM-DD`) of an instant, in an IANA time zone. */
export function businessDate(iso: string, timeZone: string): string {
  const parts = formatter('date', timeZone).formatToParts(new Date(Date.parse(iso)));
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * An IANA zone name ("America/New_York", "Etc/GMT+3") or UTC/GMT. PostgreSQL also takes POSIX
 * strings such as "UTC+3" (with the sign inverted from what a person means) that JavaScript's
 * Intl refuses: a store with one could not compute a business day on the device. The shape is
 * checked here; PostgreSQL checks it knows the name (the stores trigger), so a stored zone works
 * on both sides.
 */
const IANA_ZONE_NAME = /^(?:UTC|GMT|[A-Za-z][A-Za-z_]*(?:\/[A-Za-z0-9][A-Za-z0-9_+-]*)+)$/;

/** A time zone both JavaScript's Intl and PostgreSQL accept (an IANA name it knows). */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.length > 64 || !IANA_ZONE_NAME.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Offsets already looked up, by zone and quarter hour. Every zone's offset is a whole number of
 * quarter hours and changes at a local wall time on a quarter hour, so the change falls on a
 * quarter hour in UTC too: one lookup answers for the whole quarter. (Only local mean times
 * before the 1970s broke this.) A page of free times asks for the same few quarters hundreds of
 * times; `formatToParts` was most of its cost. Bounded: cleared when full.
 */
const offsets = new Map<string, number>();
const MAX_OFFSETS = 50_000;
const QUARTER_HOUR_MS = 15 * 60_000;

/** The zone's offset from UTC at an instant, in ms (New York in winter: −5 h). */
function zoneOffsetMs(ms: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(ms / QUARTER_HOUR_MS)}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  const offset = lookUpZoneOffsetMs(ms, timeZone);
  if (offsets.size >= MAX_OFFSETS) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

function lookUpZoneOffsetMs(ms: number, timeZone: string): number {
  const parts = formatter('wallClock', timeZone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return wall - (ms - (ms % 1000));
}

function splitYmd(ymd: string): [number, number, number] {
  const [y, m, d] = ymd.split('-').map(Number);
  return [y ?? 0, m ?? 1, d ?? 1];
}

/**
 * The instant (epoch ms) of a store-local wall time: `YYYY-MM-DD` and minutes after local
 * midnight, in an IANA time zone. Right on both sides of a DST change: the offset is looked up
 * again at the first guess.
 */
export function zonedWallTimeMs(ymd: string, minutes: number, timeZone: string): number {
  const [y, m, d] = splitYmd(ymd);
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  const first = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(first, timeZone);
}

/** A calendar date `days` later (or earlier), as `YYYY-MM-DD`. */
export function addDaysToYmd(ymd: string, days: number): string {
  const [y, m, d] = splitYmd(ymd);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
