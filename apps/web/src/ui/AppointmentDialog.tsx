import type { AppointmentRow, StaffRow } from '@mango/domain/entities';
import { useEffect, useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useStoreClock } from '../hooks/useStoreClock';
import { APPOINTMENT_STATUS_LABEL, isMovable } from '../lib/appointment-status';
import { navigate } from '../lib/router';
import { startTicketFrom } from '../lib/ticket-number';
import { hhmmToMinutes, localMinutes, minutesToHhmm, zonedToUtc } from '../lib/time';
import { ClientAlerts } from './ClientAlerts';
import { Dialog } from './Dialog';
import { DiscardConfirm } from './DiscardConfirm';
import { SeriesActions } from './SeriesActions';

/** The length control's step, and the domain's longest resize (appointment.reschedule). */
const LENGTH_STEP_MIN = 15;
const MAX_LENGTH_MIN = 720;

/** One booking: its facts, the client's alerts, and what can be done with it. */
export function AppointmentDialog(props: {
  appt: AppointmentRow;
  ymd: string;
  providers: StaffRow[];
  clientName: string;
  serviceName: string;
  onClose: () => void;
}) {
  const { device, mutate } = useDevice();
  const { timeZone, clock } = useStoreClock();
  const a = props.appt;
  const client = useLive(
    async (r) => (a.clientId ? r.get('client', a.clientId) : undefined),
    [a.clientId],
  );
  const [moveTime, setMoveTime] = useState(minutesToHhmm(localMinutes(a.start, timeZone)));
  // The store row (and so its time zone) can arrive after the first render: without this the
  // field would show the UTC time, and Move would shift the appointment by the zone's offset.
  useEffect(() => setMoveTime(minutesToHhmm(localMinutes(a.start, timeZone))), [a.start, timeZone]);
  const [moveStaff, setMoveStaff] = useState(a.staffId);
  const [length, setLength] = useState(a.durationMin);
  useEffect(() => setLength(a.durationMin), [a.durationMin]);
  // Any keystroke or pick in a form below marks the dialog as holding input worth keeping: like
  // a half-filled booking (BookDialog), a stray tap beside it does not throw it away, and
  // closing asks first. Marked by the person's input, never by comparing values, which would
  // read as changed while the store's time zone is still loading.
  const [dirty, setDirty] = useState(false);
  const touched = () => setDirty(true);
  const nudgeLength = (by: number) => {
    touched();
    setLength((m) => Math.min(MAX_LENGTH_MIN, Math.max(LENGTH_STEP_MIN, m + by)));
  };
  const [reason, setReason] = useState('');
  const [confirmingDiscard, setConfirmingDiscard] = useState(false);
  const close = () => (dirty ? setConfirmingDiscard(true) : props.onClose());
  const act = async (name: string, args: Record<string, unknown>) => {
    if (await mutate(name, args)) props.onClose();
  };
  const active = isMovable(a);

  return (
    <Dialog title="Appointment" onClose={close} dismissOnBackdrop={!dirty}>
      <dl className="facts">
        <dt>Client</dt>
        <dd>{props.clientName}</dd>
        <dt>Service</dt>
        <dd>{props.serviceName}</dd>
        <dt>Time</dt>
        <dd>
          {clock(a.start)} – {clock(a.end)} ({a.durationMin} min)
        </dd>
        <dt>Status</dt>
        <dd>{APPOINTMENT_STATUS_LABEL[a.status]}</dd>
        {a.source === 'online' && (
          <>
            <dt>Booked</dt>
            <dd>
              <span className="appt-mark appt-online">Online</span> by the client on the booking
              page. If you move or cancel it, the client is told by e-mail.
            </dd>
          </>
        )}
        {a.conflict && (
          <>
            <dt>Conflict</dt>
            <dd className="error">Overlaps another booking of this staff member</dd>
          </>
        )}
        {a.notes && (
          <>
            <dt>Notes</dt>
            <dd>{a.notes}</dd>
          </>
        )}
      </dl>
      <ClientAlerts client={client} />
      <SeriesActions appt={a} onDone={props.onClose} />
      <div className="row wrap">
        {a.status === 'booked' && (
          <button
            type="button"
            className="primary"
            onClick={() => void act('appointment.checkIn', { id: a.id })}
          >
            Check in
          </button>
        )}
        {(a.status === 'booked' || a.status === 'checked_in') && (
          <button type="button" onClick={() => void act('appointment.start', { id: a.id })}>
            Start service
          </button>
        )}
        {(a.status === 'checked_in' || a.status === 'in_service') && (
          <button
            type="button"
            className="primary"
            onClick={() =>
              void startTicketFrom({ device, mutate }, 'appointment.complete', { id: a.id })
            }
          >
            Check out
          </button>
        )}
        {a.ticketId && (
          <button type="button" onClick={() => navigate(`/checkout/${a.ticketId}`)}>
            Open ticket
          </button>
        )}
        {active && (
          <button type="button" onClick={() => void act('appointment.noShow', { id: a.id })}>
            No-show
          </button>
        )}
      </div>
      {active && (
        <>
          <form
            className="row wrap"
            aria-label="Move appointment"
            onInput={touched}
            onSubmit={(e) => {
              e.preventDefault();
              void act('appointment.reschedule', {
                id: a.id,
                start: zonedToUtc(props.ymd, hhmmToMinutes(moveTime), timeZone),
                staffId: moveStaff,
              });
            }}
          >
            <label>
              New time
              <input
                type="time"
                step={900}
                value={moveTime}
                onChange={(e) => setMoveTime(e.target.value)}
              />
            </label>
            <label>
              With
              <select value={moveStaff} onChange={(e) => setMoveStaff(e.target.value)}>
                {props.providers.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.displayName}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Move</button>
          </form>
          <form
            className="row wrap"
            aria-label="Change length"
            onInput={touched}
            onSubmit={(e) => {
              e.preventDefault();
              void act('appointment.reschedule', { id: a.id, start: a.start, durationMin: length });
            }}
          >
            <button
              type="button"
              aria-label="Shorter by 15 minutes"
              onClick={() => nudgeLength(-LENGTH_STEP_MIN)}
            >
              −15
            </button>
            <label>
              Length (minutes)
              <input
                type="number"
                min={5}
                max={MAX_LENGTH_MIN}
                step={5}
                value={length}
                onChange={(e) => setLength(Number(e.target.value))}
              />
            </label>
            <button
              type="button"
              aria-label="Longer by 15 minutes"
              onClick={() => nudgeLength(LENGTH_STEP_MIN)}
            >
              +15
            </button>
            <button type="submit" disabled={length === a.durationMin}>
              Change length
            </button>
          </form>
          <form
            className="row wrap"
            aria-label="Cancel appointment"
            onInput={touched}
            onSubmit={(e) => {
              e.preventDefault();
              void act('appointment.cancel', {
                id: a.id,
                ...(reason.trim() ? { reason: reason.trim() } : {}),
              });
            }}
          >
            <label>
              Reason
              <input type="text" value={reason} onChange={(e) => setReason(e.target.value)} />
            </label>
            <button type="submit" className="danger">
              Cancel appointment
            </button>
          </form>
        </>
      )}
      {confirmingDiscard && (
        <DiscardConfirm
          question="Discard your changes?"
          onKeep={() => setConfirmingDiscard(false)}
          onDiscard={props.onClose}
        />
      )}
    </Dialog>
  );
}
