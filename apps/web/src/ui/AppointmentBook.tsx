import type { AppointmentRow } from '@mango/domain/entities';
import { can } from '@mango/domain/permissions';
import { useRef, useState } from 'react';
import { useAppointmentDrag, type DragPreview } from '../hooks/useAppointmentDrag';
import { useConflicts } from '../hooks/useConflicts';
import { useDevice } from '../hooks/useDevice';
import { useClientsById } from '../hooks/useClientsById';
import { useLive } from '../hooks/useLive';
import { useProviders, useServices } from '../hooks/useProviders';
import { useStoreClock } from '../hooks/useStoreClock';
import { useStoreRow } from '../hooks/useStoreRow';
import {
  blockBox,
  bookHours,
  firstDayOfWeek,
  inLanes,
  slotMinutes,
  weekDays,
  type Scale,
} from '../lib/book-layout';
import { staffColors } from '../lib/staff-colors';
import { addDays, localMinutes, localYmd, storeLocale, zonedToUtc } from '../lib/time';
import { AppointmentDialog } from './AppointmentDialog';
import { BookColumnMarks } from './BookColumnMarks';
import { BookDialog } from './BookDialog';
import { BookedAppointment } from './BookedAppointment';
import { BookGutter } from './BookGutter';
import { ConflictsPanel } from './ConflictsPanel';
import { NowLine } from './NowLine';
import { WeekView } from './WeekView';

const PX_PER_MIN = 1.2;
/** The shortest booking still shows its time and client. */
const MIN_HEIGHT_PX = 22;

/**
 * The appointment book: the day (one column per technician, bookings placed by store-local time)
 * or the week holding it (one column per day, WeekView), and the dialogs both open.
 */
export function AppointmentBook({ ymd }: { ymd: string }) {
  const { mutate, role } = useDevice();
  const { timeZone, clock } = useStoreClock();
  const locale = storeLocale(useStoreRow().currency);
  const providers = useProviders();
  const services = useServices();
  const [view, setView] = useState<'day' | 'week'>('day');
  // The week browsed from the front desk's day; a new day there starts again from its week.
  const [browsed, setBrowsed] = useState<{ from: string; to: string } | null>(null);
  const weekOf = browsed?.from === ymd ? browsed.to : ymd;
  const days = view === 'week' ? weekDays(weekOf, firstDayOfWeek(locale)) : [ymd];
  const range = {
    start: zonedToUtc(days[0] ?? ymd, 0, timeZone),
    end: zonedToUtc(addDays(days.at(-1) ?? ymd, 1), 0, timeZone),
  };
  const appts = useLive(
    (r) => r.list('appointment', { range: { field: 'start', gte: range.start, lt: range.end } }),
    [range.start, range.end],
  );
  const conflicts = useConflicts(timeZone);
  const clients = useClientsById([...(appts ?? []), ...conflicts].map((a) => a.clientId));
  const serviceName = (id: string) => services.find((s) => s.id === id)?.name ?? 'Service';
  const staffName = (id: string) => providers.find((s) => s.id === id)?.displayName ?? 'Staff';
  const clientName = (id: string | null | undefined) => {
    const c = id ? clients?.get(id) : undefined;
    return c ? `${c.firstName} ${c.lastName}`.trim() : 'Walk-in';
  };

  const visible = (appts ?? []).filter((a) => a.status !== 'cancelled');
  const { startMin, endMin, hours } = bookHours(
    visible.flatMap((a) => [localMinutes(a.start, timeZone), localMinutes(a.end, timeZone)]),
  );
  const scale: Scale = { bookStartMin: startMin, pxPerMin: PX_PER_MIN, minHeightPx: MIN_HEIGHT_PX };
  const isToday = ymd === localYmd(new Date(), timeZone);

  const [booking, setBooking] = useState<{
    ymd: string;
    staffId: string;
    minutes: number;
  } | null>(null);
  const [openAppt, setOpenAppt] = useState<string | null>(null);
  // A conflict listed from another day opens from that list.
  const selected = [...(appts ?? []), ...conflicts].find((a) => a.id === openAppt) ?? null;
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
  const byStaff = (staffId: string) =>
    inLanes(
      visible.filter((a) => placed(a).staffId === staffId),
      placed,
    ).map(({ item, at, lane }) => ({ a: item, at, lane }));

  const browseWeek = (to: 'previous' | 'next' | 'today') =>
    setBrowsed({
      from: ymd,
      to: to === 'today' ? localYmd(new Date(), timeZone) : addDays(weekOf, to === 'next' ? 7 : -7),
    });
  const openBooking = (at: { ymd: string; staffId: string; minutes: number }) => {
    if (mayBook) setBooking(at);
  };

  return (
    <div className="book">
      <div className="row wrap">
        <button
          type="button"
          className="primary"
          onClick={() =>
            openBooking({
              ymd: view === 'week' ? weekOf : ymd,
              staffId: providers[0]?.id ?? '',
              minutes: 10 * 60,
            })
          }
          disabled={!mayBook || providers.length === 0 || services.length === 0}
        >
          Book appointment
        </button>
        <div className="row book-views" role="group" aria-label="Book view">
          {(['day', 'week'] as const).map((v) => (
            <button key={v} type="button" aria-pressed={view === v} onClick={() => setView(v)}>
              {v === 'day' ? 'Day' : 'Week'}
            </button>
          ))}
        </div>
        <span className="muted">
          {visible.length} appointment{visible.length === 1 ? '' : 's'}
          {view === 'week' && ' this week'}
          {mayBook &&
            (view === 'day'
              ? ' · drag a booking (touch: hold it first) or use the arrow keys to move it · tap an empty slot to book'
              : ' · tap an empty slot to book')}
        </span>
        <ConflictsPanel
          conflicts={conflicts}
          clientName={clientName}
          serviceName={serviceName}
          staffName={staffName}
          onOpen={setOpenAppt}
        />
      </div>
      {providers.length === 0 ? (
        <p className="empty">Add staff in Team &amp; catalog to start booking.</p>
      ) : view === 'week' ? (
        <WeekView
          days={days}
          focusYmd={weekOf}
          appts={visible}
          providers={providers}
          clientName={clientName}
          serviceName={serviceName}
          mayBook={mayBook}
          onOpen={setOpenAppt}
          onSlot={openBooking}
          onWeek={browseWeek}
        />
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
            <BookGutter hours={hours} startMin={startMin} pxPerMin={PX_PER_MIN} />
            {providers.map((s) => {
              const colors = staffColors(s);
              return (
                <div
                  key={s.id}
                  role="gridcell"
                  className="cal-col"
                  data-staff-id={s.id}
                  onClick={(e) => {
                    if (e.target !== e.currentTarget) return;
                    const minutes = slotMinutes(e.nativeEvent.offsetY, scale);
                    openBooking({ ymd, staffId: s.id, minutes });
                  }}
                >
                  {/* Named by its content, starting with this: an aria-label of its own would
                      leave its bookings' visible text out of its name (WCAG 2.5.3, axe). */}
                  <span className="sr-only">{s.displayName} schedule</span>
                  <BookColumnMarks
                    ymd={ymd}
                    hours={hours}
                    startMin={startMin}
                    endMin={endMin}
                    pxPerMin={PX_PER_MIN}
                    staff={s}
                  />
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
                          // Side by side within the column: overlapping bookings never hide each other.
                          ...blockBox(at, lane, scale),
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
      {view === 'day' && cancelled.length > 0 && (
        <p className="muted">
          Cancelled today:{' '}
          {cancelled.map((a) => `${clock(a.start)} ${clientName(a.clientId)}`).join(', ')}
        </p>
      )}
      {booking && (
        <BookDialog
          ymd={booking.ymd}
          providers={providers}
          services={services}
          initial={booking}
          onClose={() => setBooking(null)}
        />
      )}
      {selected && (
        <AppointmentDialog
          appt={selected}
          ymd={localYmd(selected.start, timeZone)}
          providers={providers}
          clientName={clientName(selected.clientId)}
          serviceName={serviceName(selected.serviceId)}
          onClose={() => setOpenAppt(null)}
        />
      )}
    </div>
  );
}
