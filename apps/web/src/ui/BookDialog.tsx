import { serviceTermsFor } from '@mango/domain/appointments';
import type { ServiceRow, StaffRow } from '@mango/domain/entities';
import { canWithApproval } from '@mango/domain/permissions';
import { useState, type FormEvent } from 'react';
import { useDevice, type MutateOptions } from '../hooks/useDevice';
import { useNow } from '../hooks/useNow';
import { useProtected } from '../hooks/useProtected';
import { useStoreRow } from '../hooks/useStoreRow';
import { bookingWarnings } from '../lib/booking-warnings';
import { newId } from '../lib/ids';
import { hhmmToMinutes, minutesToHhmm, zonedToUtc } from '../lib/time';
import { BookingClient, type BookingClientChoice } from './BookingClient';
import { Dialog } from './Dialog';

/** Books one service with one staff member; a half-filled booking is never lost by accident. */
export function BookDialog(props: {
  ymd: string;
  providers: StaffRow[];
  services: ServiceRow[];
  initial: { staffId: string; minutes: number };
  onClose: () => void;
}) {
  const { mutate, notify, role } = useDevice();
  const { guard, dialog } = useProtected();
  const { timeZone } = useStoreRow();
  const now = useNow();
  const [client, setClient] = useState<BookingClientChoice>({ kind: 'undecided' });
  const [staffId, setStaffId] = useState(props.initial.staffId);
  const [serviceId, setServiceId] = useState(props.services[0]?.id ?? '');
  const [time, setTime] = useState(minutesToHhmm(props.initial.minutes));
  const [notes, setNotes] = useState('');
  const [typed, setTyped] = useState(false);
  const [confirmingDiscard, setConfirmingDiscard] = useState(false);
  const [clientMissing, setClientMissing] = useState(false);
  const dirty = typed || client.kind !== 'undecided';

  const staff = props.providers.find((s) => s.id === staffId);
  const service = props.services.find((s) => s.id === serviceId);
  const startMin = hhmmToMinutes(time);
  const start = time ? zonedToUtc(props.ymd, startMin, timeZone) : null;
  const warnings =
    start && service
      ? bookingWarnings({
          start,
          ymd: props.ymd,
          startMin,
          durationMin: serviceTermsFor(service, staffId).durationMin,
          staff,
          now,
        })
      : [];

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (client.kind === 'undecided') {
      setClientMissing(true);
      return;
    }
    const args: Record<string, unknown> = {
      id: newId(),
      staffId,
      serviceId,
      start: zonedToUtc(props.ymd, startMin, timeZone),
    };
    if (client.kind === 'client') args['clientId'] = client.id;
    if (notes.trim()) args['notes'] = notes.trim();
    await book(args, {});
  }

  /** In strict booking, an overlap needs a manager: the front desk gets their PIN approval. */
  async function book(args: Record<string, unknown>, o: MutateOptions) {
    const booked = await mutate('appointment.book', args, {
      ...o,
      onRefused: (refusal) => {
        if (refusal.code !== 'STAFF_DOUBLE_BOOKED' || o.approval) return false;
        if (!canWithApproval(role, 'appointments.doubleBook')) return false;
        guard('appointments.doubleBook', 'double-book this staff member', (approved) =>
          book(args, approved),
        );
        return true;
      },
    });
    if (booked) {
      notify('Appointment booked.');
      props.onClose();
    }
  }

  const close = () => (dirty ? setConfirmingDiscard(true) : props.onClose());

  return (
    <>
      <Dialog title="Book appointment" onClose={close} dismissOnBackdrop={!dirty}>
        {/* Any keystroke or pick marks the booking as worth keeping (see `dirty`). */}
        <div className="stack" onInput={() => setTyped(true)}>
          <BookingClient
            value={client}
            onChange={(v) => {
              setClient(v);
              setClientMissing(false);
            }}
          />
          {clientMissing && (
            <p role="alert" className="error">
              Choose a client, add a new one, or pick “Walk-in / no client”.
            </p>
          )}
          <form onSubmit={submit} className="stack" aria-label="Booking">
            <label>
              Service
              <select value={serviceId} onChange={(e) => setServiceId(e.target.value)}>
                {props.services.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.durationMin} min)
                  </option>
                ))}
              </select>
            </label>
            <label>
              Staff member
              <select value={staffId} onChange={(e) => setStaffId(e.target.value)}>
                {props.providers.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.displayName}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Time
              <input
                type="time"
                step={900}
                value={time}
                required
                onChange={(e) => setTime(e.target.value)}
              />
            </label>
            {warnings.length > 0 && (
              <ul className="booking-warnings" aria-label="Booking warnings">
                {warnings.map((w) => (
                  <li key={w.code}>⚠ {w.message}</li>
                ))}
              </ul>
            )}
            <label>
              Notes
              <input type="text" value={notes} onChange={(e) => setNotes(e.target.value)} />
            </label>
            {confirmingDiscard ? (
              <div className="row wrap discard" role="group" aria-label="Discard this booking?">
                <span>Discard this booking?</span>
                <button type="button" autoFocus onClick={() => setConfirmingDiscard(false)}>
                  Keep editing
                </button>
                <button type="button" className="danger" onClick={props.onClose}>
                  Discard
                </button>
              </div>
            ) : (
              <div className="row">
                <button type="submit" className="primary">
                  Book
                </button>
                <button type="button" onClick={close}>
                  Cancel
                </button>
              </div>
            )}
          </form>
        </div>
      </Dialog>
      {dialog}
    </>
  );
}
