import type { AppointmentRepeat, AppointmentRow, AppointmentStatus, ServiceRow } from './entities';
import { reject } from './error-codes';
import { addDaysToYmd, addMinutes, businessDate, toUtcIso, zonedWallTimeMs } from './time';

/** Statuses that hold the staff member's time; only these can overlap. */
export const ACTIVE_APPOINTMENT_STATUSES: readonly AppointmentStatus[] = [
  'booked',
  'checked_in',
  'in_service',
];

/**
 * Longest bookable service. Overlap queries look back this far from a new start, which is what
 * keeps them a bounded index range instead of a scan of the staff member's whole history.
 */
export const MAX_APPOINTMENT_MINUTES = 24 * 60;

const TRANSITIONS: Record<AppointmentStatus, readonly AppointmentStatus[]> = {
  booked: ['checked_in', 'in_service', 'cancelled', 'no_show'],
  checked_in: ['in_service', 'completed', 'cancelled', 'no_show'],
  in_service: ['completed'],
  completed: [],
  cancelled: [],
  no_show: [],
};

export function canTransition(from: AppointmentStatus, to: AppointmentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: AppointmentStatus, to: AppointmentStatus): void {
  if (!canTransition(from, to)) {
    reject(
      'INVALID_STATUS_TRANSITION',
      `An appointment that is ${from.replace('_', ' ')} cannot become ${to.replace('_', ' ')}.`,
      { from, to },
    );
  }
}

export function isActiveAppointment(status: AppointmentStatus): boolean {
  return ACTIVE_APPOINTMENT_STATUSES.includes(status);
}

/** A staff member's override wins over the catalog's duration and price. */
export function serviceTermsFor(
  service: ServiceRow,
  staffId: string | null | undefined,
): { durationMin: number; priceCents: number } {
  const override = staffId ? service.staffOverrides?.[staffId] : undefined;
  return {
    durationMin: override?.durationMin ?? service.durationMin,
    priceCents: override?.priceCents ?? service.priceCents,
  };
}

export function appointmentEnd(start: string, durationMin: number): string {
  return addMinutes(start, durationMin);
}

/** Half-open intervals: one appointment ending at 10:00 and the next starting at 10:00 do not overlap. */
export function intervalsOverlap(
  a: Pick<AppointmentRow, 'start' | 'end'>,
  b: Pick<AppointmentRow, 'start' | 'end'>,
): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The active appointments (other than `self`) that overlap `self`. */
export function findOverlaps(
  self: Pick<AppointmentRow, 'id' | 'staffId' | 'start' | 'end'>,
  candidates: readonly AppointmentRow[],
): AppointmentRow[] {
  return candidates
    .filter(
      (other) =>
        other.id !== self.id &&
        other.staffId === self.staffId &&
        isActiveAppointment(other.status) &&
        intervalsOverlap(self, other),
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Services booked together in one visit (appointment.bookVisit): a salon's longest visit. */
export const MAX_VISIT_ITEMS = 8;
/** A recurring series: at most every 12 weeks, 2 to 26 times (half a year of weekly visits). */
export const MAX_REPEAT_WEEKS = 12;
export const MIN_SERIES_OCCURRENCES = 2;
export const MAX_SERIES_OCCURRENCES = 26;

export interface VisitItemPlan {
  staffId: string;
  durationMin: number;
  /** Absent: after the items before it (see planVisit). */
  start?: string | undefined;
}

/**
 * The starts and ends of a visit's items. An item without a start begins when the items before
 * it have all ended (the latest end, not the previous item's: after two services done together,
 * a third with either technician must not overlap the longer one). Returns the index of the first
 * item that overlaps an earlier item of the same technician, which the caller refuses: a visit
 * never double-books its own technician.
 */
export function planVisit(
  start: string,
  items: readonly VisitItemPlan[],
): { slots: { start: string; end: string }[]; overlapAt: number | null } {
  const slots: { start: string; end: string; staffId: string }[] = [];
  let overlapAt: number | null = null;
  let latestEnd = toUtcIso(start);
  items.forEach((item, index) => {
    const itemStart = item.start ? toUtcIso(item.start) : latestEnd;
    const slot = {
      start: itemStart,
      end: appointmentEnd(itemStart, item.durationMin),
      staffId: item.staffId,
    };
    if (
      overlapAt === null &&
      slots.some((s) => s.staffId === slot.staffId && intervalsOverlap(s, slot))
    ) {
      overlapAt = index;
    }
    slots.push(slot);
    if (slot.end > latestEnd) latestEnd = slot.end;
  });
  return { slots: slots.map(({ start: s, end }) => ({ start: s, end })), overlapAt };
}

/**
 * Minutes after store-local midnight as the wall clock reads them. On a daylight-saving day
 * the minutes elapsed since midnight differ from that by the shift, so the wall time that lands
 * back on the instant is taken.
 */
function wallMinutes(iso: string, day: string, timeZone: string): number {
  const ms = Date.parse(iso);
  const elapsed = Math.round((ms - zonedWallTimeMs(day, 0, timeZone)) / 60_000);
  const candidates = [0, 60, -60, 30, -30].map((shift) => elapsed + shift);
  return candidates.find((m) => zonedWallTimeMs(day, m, timeZone) === ms) ?? elapsed;
}

/**
 * The starts of a series' occurrences: the same store-local wall time every `everyWeeks` weeks,
 * so a 10:00 booking stays at 10:00 across a daylight-saving change (adding 7 × 24 h would not).
 */
export function seriesStarts(first: string, repeat: AppointmentRepeat, timeZone: string): string[] {
  const day = businessDate(first, timeZone);
  const minutes = wallMinutes(first, day, timeZone);
  return Array.from({ length: repeat.count }, (_, k) =>
    k === 0
      ? toUtcIso(first)
      : new Date(
          zonedWallTimeMs(addDaysToYmd(day, 7 * repeat.everyWeeks * k), minutes, timeZone),
        ).toISOString(),
  );
}
