import type { AppointmentRow, ServiceRow, StaffRow } from '@mango/domain/entities';
import { can, canWithApproval } from '@mango/domain/permissions';
import { businessDate } from '@mango/domain/time';
import { turnOrder } from '@mango/domain/turns';
import { offHours, weekdayOf } from '@mango/domain/working-hours';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useDevice, type MutateOptions } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useProtected } from '../hooks/useProtected';
import { useStaff, useStoreRow } from '../hooks/useStoreRow';
import { newId } from '../lib/ids';
import { navigate } from '../lib/router';
import { startTicketFrom } from '../lib/ticket-number';
import {
  addDays,
  formatTime,
  hhmmToMinutes,
  localMinutes,
  localYmd,
  minutesToHhmm,
  zonedDayRange,
  zonedToUtc,
} from '../lib/time';
import { ClientPicker } from '../ui/ClientPicker';
import { Dialog } from '../ui/Dialog';
import { CheckedInAppointments } from '../ui/CheckedInAppointments';
import { WalkInQueue } from '../ui/WalkInQueue';
import { OpenTicketsBoard } from '../ui/OpenTicketsBoard';

const PX_PER_MIN = 1.2;
const STATUS_LABEL: Record<string, string> = {
  booked: 'Booked',
  checked_in: 'Checked in',
  in_service: 'In service',
  completed: 'Completed',
  cancelled: 'Cancelled',
  no_show: 'No-show',
};

export default function FrontDesk() {
  const { timeZone } = useStoreRow();
  const today = localYmd(new Date(), timeZone);
  const [day, setDay] = useState<string | null>(null);
  const ymd = day ?? today;
  const [tab, setTab] = useState<'book' | 'turns'>('book');

  return (
    <section className="frontdesk" aria-label="Front desk">
      <div className="toolbar">
        <h1>Front desk</h1>
        <div className="row" role="group" aria-label="Day">
          <button type="button" aria-label="Previous day" onClick={() => setDay(addDays(ymd, -1))}>
            ‹
          </button>
          <input
            type="date"
            aria-label="Day"
            value={ymd}
            onChange={(e) => e.target.value && setDay(e.target.value)}
          />
          <button type="button" aria-label="Next day" onClick={() => setDay(addDays(ymd, 1))}>
            ›
          </button>
          <button type="button" onClick={() => setDay(null)} disabled={ymd === today}>
            Today
          </button>
        </div>
        <div role="tablist" aria-label="Front desk view" className="tabs">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'book'}
            onClick={() => setTab('book')}
          >
            Appointments
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'turns'}
            onClick={() => setTab('turns')}
          >
            Turn tracker
          </button>
        </div>
      </div>
      <OpenTicketsBoard />
      {tab === 'book' ? <Book ymd={ymd} /> : <Turns ymd={ymd} />}
    </section>
  );
}

function useServices(): ServiceRow[] {
  const rows = useLive((r) => r.list('service'), []);
  return useMemo(
    () =>
      (rows ?? []).filter((s) => s.active !== false).sort((a, b) => a.name.localeCompare(b.name)),
    [rows],
  );
}

/** Staff who take clients (everyone active but the front desk). */
function useProviders(): StaffRow[] {
  const { staff } = useStaff();
  return staff.filter((s) => s.active && s.role !== 'front_desk');
}

function Book({ ymd }: { ymd: string }) {
  const { mutate, role } = useDevice();
  const { timeZone } = useStoreRow();
  const providers = useProviders();
  const services = useServices();
  const range = zonedDayRange(ymd, timeZone);
  const appts = useLive(
    (r) => r.list('appointment', { range: { field: 'start', gte: range.start, lt: range.end } }),
    [range.start, range.end],
  );
  const clientIds = useMemo(
    () => [...new Set((appts ?? []).flatMap((a) => (a.clientId ? [a.clientId] : [])))],
    [appts],
  );
  const clients = useLive(
    async (r) =>
      new Map(
        (await Promise.all(clientIds.map((id) => r.get('client', id)))).flatMap((c) =>
          c ? [[c.id, c] as const] : [],
        ),
      ),
    [clientIds.join(',')],
  );
  const serviceName = (id: string) => services.find((s) => s.id === id)?.name ?? 'Service';
  const clientName = (id: string | null | undefined) => {
    const c = id ? clients?.get(id) : undefined;
    return c ? `${c.firstName} ${c.lastName}`.trim() : 'Walk-in';
  };

  const visible = (appts ?? []).filter((a) => a.status !== 'cancelled');
  const mins = visible.flatMap((a) => [
    localMinutes(a.start, timeZone),
    localMinutes(a.end, timeZone),
  ]);
  const startMin = Math.min(8 * 60, ...mins.map((m) => Math.floor(m / 60) * 60));
  const endMin = Math.max(20 * 60, ...mins.map((m) => Math.ceil(m / 60) * 60));
  const hours: number[] = [];
  for (let m = startMin; m < endMin; m += 60) hours.push(m);

  const [booking, setBooking] = useState<{ staffId: string; minutes: number } | null>(null);
  const [openAppt, setOpenAppt] = useState<string | null>(null);
  const selected = (appts ?? []).find((a) => a.id === openAppt) ?? null;
  const cancelled = (appts ?? []).filter((a) => a.status === 'cancelled');

  async function drop(apptId: string, staffId: string, minutes: number) {
    await mutate('appointment.reschedule', {
      id: apptId,
      start: zonedToUtc(ymd, minutes, timeZone),
      staffId,
    });
  }

  return (
    <div className="book">
      <div className="row">
        <button
          type="button"
          className="primary"
          onClick={() => setBooking({ staffId: providers[0]?.id ?? '', minutes: 10 * 60 })}
          disabled={
            !can(role, 'appointments.book') || providers.length === 0 || services.length === 0
          }
        >
          Book appointment
        </button>
        <span className="muted">
          {visible.length} appointment{visible.length === 1 ? '' : 's'} · drag a booking to move it
          · tap an empty slot to book
        </span>
      </div>
      {providers.length === 0 ? (
        <p className="empty">Add staff in Team &amp; catalog to start booking.</p>
      ) : (
        <div className="calendar" role="grid" aria-label="Appointment book">
          <div className="cal-head" role="row">
            <div className="cal-gutter" />
            {providers.map((s) => (
              <div key={s.id} role="columnheader" className="cal-colhead">
                <span className="dot" style={{ background: s.color ?? '#f59e0b' }} />
                {s.displayName}
              </div>
            ))}
          </div>
          <div className="cal-body" role="row" style={{ height: (endMin - startMin) * PX_PER_MIN }}>
            <div className="cal-gutter">
              {hours.map((m) => (
                <div key={m} className="cal-hour" style={{ top: (m - startMin) * PX_PER_MIN }}>
                  {minutesToHhmm(m)}
                </div>
              ))}
            </div>
            {providers.map((s) => (
              <div
                key={s.id}
                role="gridcell"
                aria-label={`${s.displayName} schedule`}
                className="cal-col"
                data-staff-id={s.id}
                onClick={(e) => {
                  if (e.target !== e.currentTarget) return;
                  const y = e.nativeEvent.offsetY;
                  const minutes = startMin + Math.floor(y / PX_PER_MIN / 15) * 15;
                  setBooking({ staffId: s.id, minutes });
                }}
                onDragOver={(e) => e.preventDefault()}
                onDrop={(e) => {
                  e.preventDefault();
                  const id = e.dataTransfer.getData('text/appointment');
                  const grab = Number(e.dataTransfer.getData('text/grab-offset') || 0);
                  const rect = e.currentTarget.getBoundingClientRect();
                  const y = e.clientY - rect.top - grab;
                  const minutes = startMin + Math.max(0, Math.round(y / PX_PER_MIN / 15) * 15);
                  if (id) void drop(id, s.id, minutes);
                }}
              >
                {offHours(s.workingHours, weekdayOf(ymd), startMin, endMin).map((off) => (
                  <div
                    key={off.startMin}
                    className="cal-off"
                    title={`${s.displayName} off ${minutesToHhmm(off.startMin)}–${minutesToHhmm(off.endMin)}`}
                    style={{
                      top: (off.startMin - startMin) * PX_PER_MIN,
                      height: (off.endMin - off.startMin) * PX_PER_MIN,
                    }}
                  />
                ))}
                {hours.map((m) => (
                  <div key={m} className="cal-line" style={{ top: (m - startMin) * PX_PER_MIN }} />
                ))}
                {visible
                  .filter((a) => a.staffId === s.id)
                  .map((a) => {
                    const top = (localMinutes(a.start, timeZone) - startMin) * PX_PER_MIN;
                    const label = `${formatTime(a.start, timeZone)} ${clientName(a.clientId)} — ${serviceName(a.serviceId)} (${STATUS_LABEL[a.status]}${a.conflict ? ', conflict' : ''})`;
                    return (
                      <button
                        type="button"
                        key={a.id}
                        className={`appt st-${a.status}${a.conflict ? ' conflict' : ''}`}
                        style={{ top, height: Math.max(22, a.durationMin * PX_PER_MIN - 2) }}
                        aria-label={label}
                        draggable={a.status === 'booked' || a.status === 'checked_in'}
                        onDragStart={(e) => {
                          e.dataTransfer.setData('text/appointment', a.id);
                          const r = e.currentTarget.getBoundingClientRect();
                          e.dataTransfer.setData('text/grab-offset', String(e.clientY - r.top));
                        }}
                        onClick={() => setOpenAppt(a.id)}
                      >
                        <strong>{formatTime(a.start, timeZone)}</strong> {clientName(a.clientId)}
                        <span className="appt-svc">{serviceName(a.serviceId)}</span>
                        {a.conflict && <span className="badge-conflict">⚠ Conflict</span>}
                      </button>
                    );
                  })}
              </div>
            ))}
          </div>
        </div>
      )}
      {cancelled.length > 0 && (
        <p className="muted">
          Cancelled today:{' '}
          {cancelled
            .map((a) => `${formatTime(a.start, timeZone)} ${clientName(a.clientId)}`)
            .join(', ')}
        </p>
      )}
      {booking && (
        <BookDialog
          ymd={ymd}
          providers={providers}
          services={services}
          initial={booking}
          onClose={() => setBooking(null)}
        />
      )}
      {selected && (
        <AppointmentDialog
          appt={selected}
          ymd={ymd}
          providers={providers}
          clientName={clientName(selected.clientId)}
          serviceName={serviceName(selected.serviceId)}
          onClose={() => setOpenAppt(null)}
        />
      )}
    </div>
  );
}

function BookDialog(props: {
  ymd: string;
  providers: StaffRow[];
  services: ServiceRow[];
  initial: { staffId: string; minutes: number };
  onClose: () => void;
}) {
  const { mutate, notify, role } = useDevice();
  const { guard, dialog } = useProtected();
  const { timeZone } = useStoreRow();
  const [client, setClient] = useState<{ id: string; name: string } | null>(null);
  const [staffId, setStaffId] = useState(props.initial.staffId);
  const [serviceId, setServiceId] = useState(props.services[0]?.id ?? '');
  const [time, setTime] = useState(minutesToHhmm(props.initial.minutes));
  const [notes, setNotes] = useState('');

  async function submit(e: FormEvent) {
    e.preventDefault();
    const args: Record<string, unknown> = {
      id: newId(),
      staffId,
      serviceId,
      start: zonedToUtc(props.ymd, hhmmToMinutes(time), timeZone),
    };
    if (client) args['clientId'] = client.id;
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

  return (
    <>
      <Dialog title="Book appointment" onClose={props.onClose}>
        <form onSubmit={submit} className="stack">
          <ClientPicker value={client} onChange={setClient} />
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
          <label>
            Notes
            <input type="text" value={notes} onChange={(e) => setNotes(e.target.value)} />
          </label>
          <button type="submit" className="primary">
            Book
          </button>
        </form>
      </Dialog>
      {dialog}
    </>
  );
}

/** The length control's step, and the domain's longest resize (appointment.reschedule). */
const LENGTH_STEP_MIN = 15;
const MAX_LENGTH_MIN = 720;

function AppointmentDialog(props: {
  appt: AppointmentRow;
  ymd: string;
  providers: StaffRow[];
  clientName: string;
  serviceName: string;
  onClose: () => void;
}) {
  const { device, mutate } = useDevice();
  const { timeZone } = useStoreRow();
  const a = props.appt;
  const [moveTime, setMoveTime] = useState(minutesToHhmm(localMinutes(a.start, timeZone)));
  // The store row (and so its time zone) can arrive after the first render: without this the
  // field would show the UTC time, and Move would shift the appointment by the zone's offset.
  useEffect(() => setMoveTime(minutesToHhmm(localMinutes(a.start, timeZone))), [a.start, timeZone]);
  const [moveStaff, setMoveStaff] = useState(a.staffId);
  const [length, setLength] = useState(a.durationMin);
  useEffect(() => setLength(a.durationMin), [a.durationMin]);
  const nudgeLength = (by: number) =>
    setLength((m) => Math.min(MAX_LENGTH_MIN, Math.max(LENGTH_STEP_MIN, m + by)));
  const [reason, setReason] = useState('');
  const act = async (name: string, args: Record<string, unknown>) => {
    if (await mutate(name, args)) props.onClose();
  };
  const active = a.status === 'booked' || a.status === 'checked_in';

  return (
    <Dialog title="Appointment" onClose={props.onClose}>
      <dl className="facts">
        <dt>Client</dt>
        <dd>{props.clientName}</dd>
        <dt>Service</dt>
        <dd>{props.serviceName}</dd>
        <dt>Time</dt>
        <dd>
          {formatTime(a.start, timeZone)} – {formatTime(a.end, timeZone)} ({a.durationMin} min)
        </dd>
        <dt>Status</dt>
        <dd>{STATUS_LABEL[a.status]}</dd>
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
    </Dialog>
  );
}

function Turns({ ymd }: { ymd: string }) {
  const { mutate, role } = useDevice();
  const mayClock = can(role, 'turns.clock');
  const mayAssign = can(role, 'turns.assign');
  const { timeZone } = useStoreRow();
  const providers = useProviders();
  const services = useServices();
  const today = businessDate(new Date().toISOString(), timeZone);
  const turns = useLive((r) => r.list('turn', { where: { businessDate: ymd } }), [ymd]);
  const walkIns = useLive((r) => r.list('walkIn', { where: { businessDate: ymd } }), [ymd]);
  const order = useMemo(() => turnOrder(turns ?? [], providers), [turns, providers]);
  const next = order[0];
  const nameOf = (id: string | null | undefined) =>
    providers.find((p) => p.id === id)?.displayName ?? '';
  const openTickets = useLive((r) => r.list('ticket', { where: { status: 'open' } }), []);
  const atCheckout = (ticketId: string | null | undefined) =>
    !!ticketId && (openTickets ?? []).some((t) => t.id === ticketId);
  const readOnly = ymd !== today;

  return (
    <div className="turns">
      <section aria-label="Turn tracker" className="card">
        <h2>Turn tracker</h2>
        <p aria-live="polite" className="next-up">
          {next ? (
            <>
              Next up: <strong>{nameOf(next.staffId)}</strong>
            </>
          ) : (
            'Nobody is available.'
          )}
        </p>
        {readOnly && <p className="muted">Turns can be changed for today only.</p>}
        <table>
          <thead>
            <tr>
              <th>Technician</th>
              <th>Status</th>
              <th>Turns</th>
              <th>Requests</th>
              <th>Order</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {providers.map((s) => {
              const t = (turns ?? []).find((x) => x.staffId === s.id);
              const pos = order.findIndex((x) => x.staffId === s.id);
              const walk = t?.currentWalkInId
                ? (walkIns ?? []).find((w) => w.id === t.currentWalkInId)
                : undefined;
              const status =
                !t || t.status === 'out'
                  ? 'Clocked out'
                  : t.status === 'busy'
                    ? `Busy${walk ? ` with ${walk.name}` : ''}`
                    : 'Available';
              return (
                <tr key={s.id} aria-label={s.displayName}>
                  <td>{s.displayName}</td>
                  <td>
                    <span
                      className={`pill ${t?.status === 'available' ? 'ok' : t?.status === 'busy' ? 'warn' : ''}`}
                    >
                      {status}
                    </span>
                  </td>
                  <td>{((t?.halfTurns ?? 0) / 2).toFixed(1)}</td>
                  <td aria-label={`Requests of ${s.displayName}`}>{t?.requestTurns ?? 0}</td>
                  <td>{pos >= 0 ? `#${pos + 1}` : '—'}</td>
                  <td className="row wrap">
                    {!readOnly && mayClock && (!t || t.status === 'out') && (
                      <button
                        type="button"
                        aria-label={`Clock in ${s.displayName}`}
                        onClick={() =>
                          void mutate('turn.clockIn', {
                            turnId: newId(),
                            staffId: s.id,
                            eventId: newId(),
                          })
                        }
                      >
                        Clock in
                      </button>
                    )}
                    {!readOnly && mayClock && t?.status === 'available' && (
                      <button
                        type="button"
                        aria-label={`Clock out ${s.displayName}`}
                        onClick={() =>
                          void mutate('turn.clockOut', { staffId: s.id, eventId: newId() })
                        }
                      >
                        Clock out
                      </button>
                    )}
                    {!readOnly &&
                      mayAssign &&
                      t?.status === 'busy' &&
                      atCheckout(walk?.ticketId) && <span className="muted">At checkout</span>}
                    {!readOnly &&
                      mayAssign &&
                      t?.status === 'busy' &&
                      !atCheckout(walk?.ticketId) && (
                        <button
                          type="button"
                          aria-label={`Done ${s.displayName}`}
                          onClick={() =>
                            void mutate('turn.complete', { staffId: s.id, eventId: newId() })
                          }
                        >
                          Done
                        </button>
                      )}
                    {!readOnly && can(role, 'turns.adjust') && t && t.status !== 'out' && (
                      <button
                        type="button"
                        aria-label={`Skip ${s.displayName}`}
                        onClick={() =>
                          void mutate('turn.skip', {
                            staffId: s.id,
                            eventId: newId(),
                            note: 'Skipped at the desk',
                          })
                        }
                      >
                        Skip
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <WalkInQueue ymd={ymd} readOnly={readOnly} providers={providers} services={services} />
      <CheckedInAppointments
        ymd={ymd}
        readOnly={readOnly}
        providers={providers}
        services={services}
      />
    </div>
  );
}
