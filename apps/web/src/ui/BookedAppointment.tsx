import type { AppointmentRow } from '@mango/domain/entities';
import type { CSSProperties, KeyboardEvent, PointerEvent } from 'react';
import { SNAP_MIN } from '../hooks/useAppointmentDrag';
import { APPOINTMENT_STATUS_LABEL, isMovable } from '../lib/appointment-status';
import { AppointmentMarkers } from './AppointmentMarkers';

/**
 * One booking on the book. Tap or click opens it; it moves by pointer (see useAppointmentDrag)
 * or, focused, by SNAP_MIN minutes with the arrow keys; its bottom edge resizes it.
 */
export function BookedAppointment(props: {
  appt: AppointmentRow;
  /** Start time in the store's clock format. */
  time: string;
  clientName: string;
  serviceName: string;
  style: CSSProperties;
  dragging: boolean;
  onOpen: () => void;
  onPointerDown: (e: PointerEvent<HTMLElement>, mode: 'move' | 'resize') => void;
  onNudge: (byMin: number) => void;
}) {
  const a = props.appt;
  const movable = isMovable(a);
  const onKeyDown = (e: KeyboardEvent) => {
    if (!movable || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    props.onNudge(e.key === 'ArrowUp' ? -SNAP_MIN : SNAP_MIN);
  };
  return (
    <button
      type="button"
      className={`appt st-${a.status}${a.conflict ? ' conflict' : ''}${props.dragging ? ' dragging' : ''}${movable ? ' movable' : ''}`}
      style={props.style}
      aria-keyshortcuts={movable ? 'ArrowUp ArrowDown' : undefined}
      data-appointment-id={a.id}
      onClick={props.onOpen}
      onKeyDown={onKeyDown}
      onPointerDown={movable ? (e) => props.onPointerDown(e, 'move') : undefined}
      // A long press picks the booking up; the browser's own long-press menu would cover it.
      onContextMenu={movable ? (e) => e.preventDefault() : undefined}
    >
      {/* Named by its text, with what only the colour shows (the status) for screen readers:
          no aria-label, so what is read begins with what is seen (WCAG 2.5.3). */}
      <strong>{props.time}</strong> {props.clientName}
      <span className="sr-only"> — </span>
      <span className="appt-svc">{props.serviceName}</span>
      <span className="sr-only"> ({APPOINTMENT_STATUS_LABEL[a.status]})</span>
      <AppointmentMarkers appt={a} />
      {a.conflict && <span className="badge-conflict">⚠ Conflict</span>}
      {movable && (
        <span
          className="appt-resize"
          aria-hidden="true"
          onPointerDown={(e) => props.onPointerDown(e, 'resize')}
        />
      )}
    </button>
  );
}
