import type { AppointmentRow, AppointmentStatus, ServiceRow } from './entities';
import { reject } from './error-codes';
import { addMinutes } from './time';

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
