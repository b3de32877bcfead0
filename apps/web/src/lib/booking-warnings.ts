import type { StaffRow } from '@mango/domain/entities';
import { outsideShifts, weekdayOf } from '@mango/domain/working-hours';

export interface BookingWarning {
  code: 'past' | 'outsideHours';
  message: string;
}

/**
 * What the desk should see before booking, without being stopped: a time already gone (entering
 * a visit after the fact is legitimate) and a time outside the staff member's working hours.
 */
export function bookingWarnings(p: {
  /** The booking's UTC start. */
  start: string;
  /** Store-local date and minutes after midnight of the same start. */
  ymd: string;
  startMin: number;
  durationMin: number;
  staff: Pick<StaffRow, 'displayName' | 'workingHours'> | undefined;
  now: Date;
}): BookingWarning[] {
  const out: BookingWarning[] = [];
  if (Date.parse(p.start) < p.now.getTime()) {
    out.push({ code: 'past', message: 'This time is in the past.' });
  }
  if (
    p.staff &&
    outsideShifts(p.staff.workingHours, weekdayOf(p.ymd), p.startMin, p.startMin + p.durationMin)
  ) {
    out.push({
      code: 'outsideHours',
      message: `This is outside ${p.staff.displayName}’s working hours.`,
    });
  }
  return out;
}
