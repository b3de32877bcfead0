import type { AppointmentRow } from '@mango/domain/entities';
import type { CSSProperties } from 'react';
import { APPOINTMENT_STATUS_LABEL } from '../lib/appointment-status';
import { AppointmentMarkers } from './AppointmentMarkers';

/**
 * One booking on the week view: a button that opens it. The week is for finding and opening
 * bookings; moving them by dragging is the day view's (its columns are the technicians).
 */
export function WeekViewBlock(props: {
  appt: AppointmentRow;
  /** Start time in the store's clock format. */
  time: string;
  clientName: string;
  serviceName: string;
  staffName: string;
  /** With every technician in the column, the technician is written out, not only coloured. */
  showStaff: boolean;
  style: CSSProperties;
  onOpen: () => void;
}) {
  const a = props.appt;
  return (
    <button
      type="button"
      className={`appt week-appt st-${a.status}${a.conflict ? ' conflict' : ''}`}
      style={props.style}
      data-appointment-id={a.id}
      title={`${props.time} ${props.clientName} — ${props.serviceName} · ${props.staffName}`}
      onClick={props.onOpen}
    >
      {/* Named by its text (WCAG 2.5.3: what is read begins with what is seen), with what only
          the colour shows (technician, status) added for screen readers. */}
      <strong>{props.time}</strong> {props.clientName}
      <span className="sr-only"> — </span>
      <span className="appt-svc">{props.serviceName}</span>
      <span className={props.showStaff ? 'appt-staff' : 'sr-only'}> · {props.staffName}</span>
      <span className="sr-only"> ({APPOINTMENT_STATUS_LABEL[a.status]})</span>
      <AppointmentMarkers appt={a} />
      {a.conflict && <span className="badge-conflict">⚠ Conflict</span>}
    </button>
  );
}
