/**
 * Where bookings are drawn on the appointment book, shared by the day view (a column per
 * technician) and the week view (a column per day): the hours shown, each booking's box, the
 * time of a tap on an empty slot, and the days of a week.
 */
import { addDaysToYmd } from '@mango/domain/time';
import { weekdayOf } from '@mango/domain/working-hours';
import { appointmentLanes, type Lane } from './appointment-lanes';

/** The book always shows at least the salon's usual day, 8:00 to 20:00. */
const USUAL_START_MIN = 8 * 60;
const USUAL_END_MIN = 20 * 60;

export interface BookHours {
  startMin: number;
  endMin: number;
  /** Each whole hour shown, as minutes after midnight (the gutter's labels). */
  hours: number[];
}

/** The usual day, widened to whole hours so that no booking (minutes of its start and end) is cut. */
export function bookHours(minutes: readonly number[]): BookHours {
  const startMin = Math.min(USUAL_START_MIN, ...minutes.map((m) => Math.floor(m / 60) * 60));
  const endMin = Math.max(USUAL_END_MIN, ...minutes.map((m) => Math.ceil(m / 60) * 60));
  const hours: number[] = [];
  for (let m = startMin; m < endMin; m += 60) hours.push(m);
  return { startMin, endMin, hours };
}

/** A booking placed on one day: minutes after store-local midnight. */
export interface Placed {
  id: string;
  startMin: number;
  durationMin: number;
}

/**
 * Each item of one column with its lane: overlapping bookings side by side, never one under
 * another (appointmentLanes).
 */
export function inLanes<T, P extends Placed>(
  items: readonly T[],
  at: (item: T) => P,
): { item: T; at: P; lane: Lane }[] {
  const placed = items.map((item) => ({ item, at: at(item) }));
  const lanes = appointmentLanes(
    placed.map(({ at: p }) => ({ id: p.id, start: p.startMin, end: p.startMin + p.durationMin })),
  );
  return placed.map((x) => ({ ...x, lane: lanes.get(x.at.id) ?? { lane: 0, lanes: 1 } }));
}

export interface Scale {
  /** The first minute the book shows (its top edge). */
  bookStartMin: number;
  pxPerMin: number;
  /** The shortest booking still shows its time and client. */
  minHeightPx: number;
}

/** A booking's box in its column: vertical in pixels, horizontal as CSS lengths of its lane. */
export function blockBox(
  at: Pick<Placed, 'startMin' | 'durationMin'>,
  lane: Lane,
  scale: Scale,
): { top: number; height: number; left: string; width: string } {
  return {
    top: (at.startMin - scale.bookStartMin) * scale.pxPerMin,
    // 2 px apart from the next booking in its lane, so back-to-back bookings read as two.
    height: Math.max(scale.minHeightPx, at.durationMin * scale.pxPerMin - 2),
    left: `calc(${(100 * lane.lane) / lane.lanes}% + 3px)`,
    width: `calc(${100 / lane.lanes}% - 6px)`,
  };
}

/**
 * The first of `staffIds` (in the book's order) with no booking running at `minute`, so a tap on
 * the week's shared day column books someone who can take the client. Half-open: a booking
 * ending at that minute leaves them free.
 */
export function firstFree(
  staffIds: readonly string[],
  bookings: readonly (Pick<Placed, 'startMin' | 'durationMin'> & { staffId: string })[],
  minute: number,
): string | undefined {
  return staffIds.find(
    (id) =>
      !bookings.some(
        (b) => b.staffId === id && b.startMin <= minute && minute < b.startMin + b.durationMin,
      ),
  );
}

/** The time of a tap `offsetY` pixels down an empty column, rounded down to `snapMin`. */
export function slotMinutes(offsetY: number, scale: Scale, snapMin = 15): number {
  const minutes = scale.bookStartMin + Math.floor(offsetY / scale.pxPerMin / snapMin) * snapMin;
  // A tap on the column's last pixel must still book a slot that starts inside the day.
  return Math.min(Math.max(minutes, 0), 24 * 60 - snapMin);
}

/**
 * The locale's first day of the week, 0 = Sunday … 6 = Saturday (Sunday in the US, Monday in
 * most of the world). Monday where the browser cannot tell.
 */
export function firstDayOfWeek(locale: string): number {
  const l = new Intl.Locale(locale) as Intl.Locale & {
    getWeekInfo?: () => { firstDay: number };
    weekInfo?: { firstDay: number };
  };
  const firstDay = (l.getWeekInfo?.() ?? l.weekInfo)?.firstDay ?? 1;
  // Intl counts 1 = Monday … 7 = Sunday.
  return firstDay % 7;
}

/** The seven days (`YYYY-MM-DD`) of the week holding `ymd`, from the week's first day. */
export function weekDays(ymd: string, firstDay: number): string[] {
  const first = addDaysToYmd(ymd, -((weekdayOf(ymd) - firstDay + 7) % 7));
  return Array.from({ length: 7 }, (_, i) => addDaysToYmd(first, i));
}
