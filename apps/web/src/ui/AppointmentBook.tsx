import type { AppointmentRow } from '@mango/domain/entities';
import { can } from '@mango/domain/permissions';
import { offHours, weekdayOf } from '@mango/domain/working-hours';
import { useMemo, useRef, useState } from 'react';
import { useAppointmentDrag, type DragPreview } from '../hooks/useAppointmentDrag';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useProviders, useServices } from '../hooks/useProviders';
import { useStoreClock } from '../hooks/useStoreClock';
import { appointmentLanes } from '../lib/appointment-lanes';
import { staffColors } from '../lib/staff-colors';
import { localMinutes, localYmd, zonedDayRange, zonedToUtc } from '../lib/time';
import { AppointmentDialog } from './AppointmentDialog';
import { BookDialog } from './BookDialog';
import { BookedAppointment } from './BookedAppointment';
import { NowLine } from './NowLine';

const PX_PER_MIN = 1.2;
/** The shortest booking still shows its time and client. */
const MIN_HEIGHT_PX = 22;

/** The day's appointment book: one column per technician, bookings placed by store-local time. */
export function AppointmentBook({ ymd }: { ymd: string }) {
  const { mutate, role } = useDevice();
  const { timeZone, clock, clockOfMinutes } = useStoreClock();
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
  const isToday = ymd === localYmd(new Date(), timeZone);

  const [booking, setBooking] = useState<{ staffId: string; minutes: number } | null>(null);
  const [openAppt, setOpenAppt] = useState<string | null>(null);
  const selected = (appts ?? []).find((a) => a.id === openAppt) ?? null;
  const cancelled = (appts ?? []).filter((a) => a.status === 'cancelled');
  const mayBook = can(role, 'appointments.book');

  const move = (id: string, staffId: string, minutes: number) =>
    void mutate('appointment.reschedule', {
      id,
      start: zonedToUtc(ymd, minutes, timeZone),
      staffId,
    });
  const calendar = useRef<HTMLDivElement>(null);
  const drag = useAppointmentDrag({
    container: () => calendar.current,
    bookStartMin: startMin,
    pxPerMin: PX_PER_MIN,
    onMove: move,
    onResize: (id, durationMin) => {
      const a = visible.find((x) => x.id === id);
      if (a) void mutate('appointment.reschedule', { id, start: a.start, durationMin });
    },
  });

  /** Where each booking is drawn: where it is, or where it is being dragged to. */
  const placed = (a: AppointmentRow): DragPreview =>
    drag.preview?.id === a.id
      ? drag.preview
      : {
          id: a.id,
          staffId: a.staffId,
          startMin: localMinutes(a.start, timeZone),
          durationMin: a.durationMin,
        };
  const byStaff = (staffId: string) => {
    const column = visible
      .map((a) => ({ a, at: placed(a) }))
      .filter((x) => x.at.staffId === staffId);
    const lanes = appointmentLanes(
      column.map(({ at }) => ({
        id: at.id,
        start: at.startMin,
        end: at.startMin + at.durationMin,
      })),
    );
    return column.map((x) => ({ ...x, lane: lanes.get(x.a.id) ?? { lane: 0, lanes: 1 } }));
  };

  return (
    <div className="book">
      <div className="row">
        <button
          type="button"
          className="primary"
          onClick={() => setBooking({ staffId: providers[0]?.id ?? '', minutes: 10 * 60 })}
          disabled={!mayBook || providers.length === 0 || services.length === 0}
        >
          Book appointment
        </button>
        <span className="muted">
          {visible.length} appointment{visible.length === 1 ? '' : 's'}
          {mayBook &&
            ' · drag a booking (touch: hold it first) or use the arrow keys to move it · tap an empty slot to book'}
        </span>
      </div>
      {providers.length === 0 ? (
        <p className="empty">Add staff in Team &amp; catalog to start booking.</p>
      ) : (
        <div
          className="calendar"
          role="grid"
          aria-label="Appointment book"
          ref={calendar}
          // It scrolls on its own (the day is taller, the staff wider, than the screen): the
          // keyboard must be able to scroll it too.
          tabIndex={0}
        >
          <div className="cal-head" role="row">
            <div className="cal-gutter" />
            {providers.map((s) => (
              <div key={s.id} role="columnheader" className="cal-colhead">
                <span className="dot" style={{ background: staffColors(s).accent }} />
                {s.displayName}
              </div>
            ))}
          </div>
          <div className="cal-body" role="row" style={{ height: (endMin - startMin) * PX_PER_MIN }}>
            <div className="cal-gutter">
              {hours.map((m) => (
                <div key={m} className="cal-hour" style={{ top: (m - startMin) * PX_PER_MIN }}>
                  {clockOfMinutes(m)}
                </div>
              ))}
            </div>
            {providers.map((s) => {
              const colors = staffColors(s);
              return (
                <div
                  key={s.id}
                  role="gridcell"
                  className="cal-col"
                  data-staff-id={s.id}
                  onClick={(e) => {
                    if (e.target !== e.currentTarget || !mayBook) return;
                    const y = e.nativeEvent.offsetY;
                    const minutes = startMin + Math.floor(y / PX_PER_MIN / 15) * 15;
                    setBooking({ staffId: s.id, minutes });
                  }}
                >
                  {/* Named by its content, starting with this: an aria-label of its own would
                      leave its bookings' visible text out of its name (WCAG 2.5.3, axe). */}
                  <span className="sr-only">{s.displayName} schedule</span>
                  {offHours(s.workingHours, weekdayOf(ymd), startMin, endMin).map((off) => (
                    <div
                      key={off.startMin}
                      className="cal-off"
                      title={`${s.displayName} off ${clockOfMinutes(off.startMin)}–${clockOfMinutes(off.endMin)}`}
                      style={{
                        top: (off.startMin - startMin) * PX_PER_MIN,
                        height: (off.endMin - off.startMin) * PX_PER_MIN,
                      }}
                    />
                  ))}
                  {hours.map((m) => (
                    <div
                      key={m}
                      className="cal-line"
                      style={{ top: (m - startMin) * PX_PER_MIN }}
                    />
                  ))}
                  {byStaff(s.id).map(({ a, at, lane }) => (
                    <BookedAppointment
                      key={a.id}
                      appt={a}
                      time={clock(zonedToUtc(ymd, at.startMin, timeZone))}
                      clientName={clientName(a.clientId)}
                      serviceName={serviceName(a.serviceId)}
                      dragging={drag.preview?.id === a.id}
                      style={
                        {
                          top: (at.startMin - startMin) * PX_PER_MIN,
                          height: Math.max(MIN_HEIGHT_PX, at.durationMin * PX_PER_MIN - 2),
                          // Side by side within the column: overlapping bookings never hide each other.
                          left: `calc(${(100 * lane.lane) / lane.lanes}% + 3px)`,
                          width: `calc(${100 / lane.lanes}% - 6px)`,
                          '--staff-accent': colors.accent,
                          '--staff-tint': colors.tint,
                        } as React.CSSProperties
                      }
                      onOpen={() => {
                        if (!drag.wasDrag()) setOpenAppt(a.id);
                      }}
                      onPointerDown={(e, mode) => mayBook && drag.start(e, at, mode)}
                      onNudge={(by) => {
                        const to = at.startMin + by;
                        // The keys move a booking within its day, never into the next or last.
                        if (mayBook && to >= 0 && to + a.durationMin <= 24 * 60) {
                          move(a.id, a.staffId, to);
                        }
                      }}
                    />
                  ))}
                </div>
              );
            })}
            {isToday && (
              <NowLine bookStartMin={startMin} bookEndMin={endMin} pxPerMin={PX_PER_MIN} />
            )}
          </div>
        </div>
      )}
      {cancelled.length > 0 && (
        <p className="muted">
          Cancelled today:{' '}
          {cancelled.map((a) => `${clock(a.start)} ${clientName(a.clientId)}`).join(', ')}
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
