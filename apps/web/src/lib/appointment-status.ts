import type { AppointmentRow } from '@mango/domain/entities';

export const APPOINTMENT_STATUS_LABEL: Record<AppointmentRow['status'], string> = {
  booked: 'Booked',
  checked_in: 'Checked in',
  in_service: 'In service',
  completed: 'Completed',
  cancelled: 'Cancelled',
  no_show: 'No-show',
};

/** Only bookings whose client has not started may move (as appointment.reschedule allows). */
export function isMovable(a: Pick<AppointmentRow, 'status'>): boolean {
  return a.status === 'booked' || a.status === 'checked_in';
}
