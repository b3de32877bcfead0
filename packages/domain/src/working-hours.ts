import type { WorkingShift } from './entities';

export interface MinuteSpan {
  startMin: number;
  endMin: number;
}

/** The weekday (0 Sunday … 6 Saturday) of a `YYYY-MM-DD` business date. */
export function weekdayOf(ymd: string): number {
  return new Date(`${ymd}T12:00:00Z`).getUTCDay();
}

/** The shifts that overlap each other on the same weekday, as index pairs (none when valid). */
export function overlappingShifts(shifts: readonly WorkingShift[]): [number, number][] {
  const clashes: [number, number][] = [];
  shifts.forEach((a, i) => {
    shifts.forEach((b, j) => {
      if (j > i && a.weekday === b.weekday && a.startMin < b.endMin && b.startMin < a.endMin) {
        clashes.push([i, j]);
      }
    });
  });
  return clashes;
}

/**
 * The parts of [fromMin, toMin) a staff member is not scheduled on `weekday`, for shading the
 * appointment book. No schedule at all means nothing is off (the salon has not set one up).
 */
export function offHours(
  shifts: readonly WorkingShift[] | null | undefined,
  weekday: number,
  fromMin: number,
  toMin: number,
): MinuteSpan[] {
  if (!shifts || shifts.length === 0) return [];
  const working = shifts
    .filter((s) => s.weekday === weekday)
    .sort((a, b) => a.startMin - b.startMin);
  const off: MinuteSpan[] = [];
  let cursor = fromMin;
  for (const shift of working) {
    if (shift.startMin > cursor)
      off.push({ startMin: cursor, endMin: Math.min(shift.startMin, toMin) });
    cursor = Math.max(cursor, shift.endMin);
    if (cursor >= toMin) break;
  }
  if (cursor < toMin) off.push({ startMin: cursor, endMin: toMin });
  return off.filter((s) => s.endMin > s.startMin);
}

/**
 * Whether [startMin, endMin) on `weekday` falls (even partly) outside the staff member's shifts:
 * the booking dialog warns, it does not refuse (the salon may open early for a regular). No
 * schedule kept means nothing is outside it.
 */
export function outsideShifts(
  shifts: readonly WorkingShift[] | null | undefined,
  weekday: number,
  startMin: number,
  endMin: number,
): boolean {
  return offHours(shifts, weekday, startMin, endMin).length > 0;
}
