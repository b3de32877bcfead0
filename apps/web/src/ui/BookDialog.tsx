import { serviceTermsFor } from '@mango/domain/appointments';
import type { AppointmentRepeat, ServiceRow, StaffRow } from '@mango/domain/entities';
import { canWithApproval } from '@mango/domain/permissions';
import { useState, type FormEvent } from 'react';
import { useDevice, type MutateOptions } from '../hooks/useDevice';
import { useNow } from '../hooks/useNow';
import { useProtected } from '../hooks/useProtected';
import { useStoreClock } from '../hooks/useStoreClock';
import { useStoreRow } from '../hooks/useStoreRow';
import { bookingWarnings } from '../lib/booking-warnings';
import { newId } from '../lib/ids';
import { hhmmToMinutes, minutesToHhmm, zonedToUtc } from '../lib/time';
import { visitItems, type VisitService } from '../lib/visit-items';
import { BookingClient, type BookingClientChoice } from './BookingClient';
import { Dialog } from './Dialog';
import { DiscardConfirm } from './DiscardConfirm';
import { RepeatChoice } from './RepeatChoice';
import { ServiceSelect } from './ServiceSelect';
import { StaffSelect } from './StaffSelect';
import { VisitServiceRow } from './VisitServiceRow';

/**
 * Books a service with a staff member — or a visit of several services (each with its staff
 * member, one after another or at the same time), or one service repeated every few weeks. A
 * half-filled booking is never lost by accident.
 */
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
  const { clock } = useStoreClock();
  const clockOrBlank = (iso: string | undefined) => (iso ? clock(iso) : '');
  const now = useNow();
  const [client, setClient] = useState<BookingClientChoice>({ kind: 'undecided' });
  const [staffId, setStaffId] = useState(props.initial.staffId);
  const [serviceId, setServiceId] = useState(props.services[0]?.id ?? '');
  const [time, setTime] = useState(minutesToHhmm(props.initial.minutes));
  const [notes, setNotes] = useState('');
  const [extras, setExtras] = useState<(VisitService & { key: string })[]>([]);
  const [repeat, setRepeat] = useState<AppointmentRepeat | null>(null);
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

  const visit = [{ serviceId, staffId, together: false }, ...extras];
  // Only the starts are shown while editing: the ids are made once, when booking.
  const visitStarts = start ? visitItems(start, visit, props.services, () => '').starts : [];
  const addService = () => {
    const previous = visit.at(-1);
    setTyped(true);
    setExtras([
      ...extras,
      {
        key: newId(),
        serviceId: props.services[0]?.id ?? '',
        staffId: previous?.staffId ?? staffId,
        together: false,
      },
    ]);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (client.kind === 'undecided') {
      setClientMissing(true);
      return;
    }
    const at = zonedToUtc(props.ymd, startMin, timeZone);
    const shared: Record<string, unknown> = {};
    if (client.kind === 'client') shared['clientId'] = client.id;
    if (notes.trim()) shared['notes'] = notes.trim();
    if (extras.length > 0) {
      const { items } = visitItems(at, visit, props.services, newId);
      await book('appointment.bookVisit', { groupId: newId(), start: at, items, ...shared }, {});
    } else if (repeat) {
      const ids = Array.from({ length: repeat.count }, () => newId());
      await book(
        'appointment.bookSeries',
        { ids, staffId, serviceId, start: at, repeat, ...shared },
        {},
      );
    } else {
      await book('appointment.book', { id: newId(), staffId, serviceId, start: at, ...shared }, {});
    }
  }

  /** In strict booking, an overlap needs a manager: the front desk gets their PIN approval. */
  async function book(name: string, args: Record<string, unknown>, o: MutateOptions) {
    const booked = await mutate(name, args, {
      ...o,
      onRefused: (refusal) => {
        if (refusal.code !== 'STAFF_DOUBLE_BOOKED' || o.approval) return false;
        if (!canWithApproval(role, 'appointments.doubleBook')) return false;
        guard('appointments.doubleBook', 'double-book this staff member', (approved) =>
          book(name, args, approved),
        );
        return true;
      },
    });
    if (booked) {
      notify(
        name === 'appointment.bookVisit'
          ? 'Visit booked.'
          : name === 'appointment.bookSeries'
            ? 'Series booked.'
            : 'Appointment booked.',
      );
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
            <ServiceSelect services={props.services} value={serviceId} onChange={setServiceId} />
            <StaffSelect staff={props.providers} value={staffId} onChange={setStaffId} />
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
            {extras.map((extra, index) => (
              <VisitServiceRow
                key={extra.key}
                number={index + 2}
                value={extra}
                previousStaffId={visit[index]?.staffId ?? staffId}
                services={props.services}
                providers={props.providers}
                startsAt={clockOrBlank(visitStarts[index + 1])}
                onChange={(value) =>
                  setExtras(extras.map((x, i) => (i === index ? { ...value, key: x.key } : x)))
                }
                onRemove={() => setExtras(extras.filter((_, i) => i !== index))}
              />
            ))}
            <div className="row wrap">
              <button type="button" onClick={addService}>
                Add service
              </button>
            </div>
            {/* A series repeats one service with one staff member (appointment.bookSeries). */}
            {extras.length === 0 && <RepeatChoice value={repeat} onChange={setRepeat} />}
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
              <DiscardConfirm
                question="Discard this booking?"
                onKeep={() => setConfirmingDiscard(false)}
                onDiscard={props.onClose}
              />
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
