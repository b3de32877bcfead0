import type { AppointmentRow, StaffRow } from '@mango/domain/entities';
import { useEffect, useRef, useState } from 'react';
import { useStoreClock } from '../hooks/useStoreClock';
import { useStoreRow } from '../hooks/useStoreRow';
import {
  blockBox,
  bookHours,
  firstFree,
  inLanes,
  slotMinutes,
  type Scale,
} from '../lib/book-layout';
import { staffColors } from '../lib/staff-colors';
import { localMinutes, localYmd, storeLocale } from '../lib/time';
import { BookColumnMarks } from './BookColumnMarks';
import { BookGutter } from './BookGutter';
import { NowLine } from './NowLine';
import { WeekViewBlock } from './WeekViewBlock';

/** The day view's scale: a booking is as tall in both views. */
const PX_PER_MIN = 1.2;
/** One line (time and client) of the week's smaller text. */
const MIN_HEIGHT_PX = 20;
const ALL = 'all';

const noon = (ymd: string) => new Date(`${ymd}T12:00:00Z`);

/**
 * Seven days of the book, a column per day, for every technician (overlapping bookings side by
 * side) or one. Tapping a booking opens it; tapping an empty slot books that day and time. On a
 * phone the days scroll sideways inside the book, never the page.
 */
export function WeekView(props: {
  /** The week's seven days, `YYYY-MM-DD`, in order. */
  days: string[];
  /** The day to bring into view where the week is wider than the screen. */
  focusYmd: string;
  /** The week's bookings (cancelled ones left out). */
  appts: AppointmentRow[];
  providers: StaffRow[];
  clientName: (id: string | null | undefined) => string;
  serviceName: (id: string) => string;
  mayBook: boolean;
  onOpen: (apptId: string) => void;
  onSlot: (slot: { ymd: string; staffId: string; minutes: number }) => void;
  onWeek: (to: 'previous' | 'next' | 'today') => void;
}) {
  const { timeZone, clock } = useStoreClock();
  const locale = storeLocale(useStoreRow().currency);
  const [staffFilter, setStaffFilter] = useState(ALL);
  const tech = props.providers.find((p) => p.id === staffFilter);
  const staffById = new Map(props.providers.map((p) => [p.id, p]));
  const shown = props.appts.filter((a) => !tech || a.staffId === tech.id);
  const { startMin, endMin, hours } = bookHours(
    shown.flatMap((a) => [localMinutes(a.start, timeZone), localMinutes(a.end, timeZone)]),
  );
  const scale: Scale = { bookStartMin: startMin, pxPerMin: PX_PER_MIN, minHeightPx: MIN_HEIGHT_PX };
  const onDay = (ymd: string) => shown.filter((a) => localYmd(a.start, timeZone) === ymd);
  const today = localYmd(new Date(), timeZone);
  const first = props.days[0] ?? today;
  const last = props.days.at(-1) ?? today;
  const dayLabel = new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
  const weekLabel = new Intl.DateTimeFormat(locale, {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  }).formatRange(noon(first), noon(last));

  /** With every technician shown, a tap books the first one free at that time. */
  const staffFor = (ymd: string, minutes: number) =>
    tech?.id ??
    firstFree(
      props.providers.map((p) => p.id),
      onDay(ymd).map((a) => ({ ...a, startMin: localMinutes(a.start, timeZone) })),
      minutes,
    ) ??
    props.providers[0]?.id ??
    '';

  const calendar = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = calendar.current;
    // The day browsed to (in this week when the week was opened from it), else the week's first.
    const column =
      box?.querySelector<HTMLElement>(`.cal-col[data-ymd="${props.focusYmd}"]`) ??
      box?.querySelector<HTMLElement>('.cal-col');
    if (!box || !column) return;
    const gutter = box.querySelector<HTMLElement>('.cal-body > .cal-gutter')?.offsetWidth ?? 0;
    box.scrollLeft = Math.max(0, column.offsetLeft - gutter);
  }, [props.focusYmd, first]);

  return (
    <div className="week-view">
      <div className="row wrap week-toolbar">
        <div className="row" role="group" aria-label="Week">
          <button type="button" aria-label="Previous week" onClick={() => props.onWeek('previous')}>
            ‹
          </button>
          <button
            type="button"
            onClick={() => props.onWeek('today')}
            disabled={props.days.includes(today)}
          >
            This week
          </button>
          <button type="button" aria-label="Next week" onClick={() => props.onWeek('next')}>
            ›
          </button>
        </div>
        <strong aria-live="polite">{weekLabel}</strong>
        <label className="week-filter">
          Technician
          <select value={staffFilter} onChange={(e) => setStaffFilter(e.target.value)}>
            <option value={ALL}>All</option>
            {props.providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.displayName}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div
        className="calendar week"
        role="grid"
        aria-label="Week book"
        ref={calendar}
        // It scrolls on its own (seven days are wider than a phone): the keyboard must reach it.
        tabIndex={0}
      >
        <div className="cal-head" role="row">
          <div className="cal-gutter" />
          {props.days.map((ymd) => (
            <div
              key={ymd}
              role="columnheader"
              className={`cal-colhead${ymd === today ? ' today' : ''}`}
              aria-current={ymd === today ? 'date' : undefined}
            >
              {dayLabel.format(noon(ymd))}
            </div>
          ))}
        </div>
        <div className="cal-body" role="row" style={{ height: (endMin - startMin) * PX_PER_MIN }}>
          <BookGutter hours={hours} startMin={startMin} pxPerMin={PX_PER_MIN} />
          {props.days.map((ymd) => (
            <div
              key={ymd}
              role="gridcell"
              className={`cal-col${ymd === today ? ' today' : ''}`}
              data-ymd={ymd}
              onClick={(e) => {
                if (e.target !== e.currentTarget || !props.mayBook) return;
                const minutes = slotMinutes(e.nativeEvent.offsetY, scale);
                props.onSlot({ ymd, minutes, staffId: staffFor(ymd, minutes) });
              }}
            >
              {/* Named by its content, starting with this (see AppointmentBook's columns). */}
              <span className="sr-only">{dayLabel.format(noon(ymd))} schedule</span>
              <BookColumnMarks
                ymd={ymd}
                hours={hours}
                startMin={startMin}
                endMin={endMin}
                pxPerMin={PX_PER_MIN}
                staff={tech}
              />
              {inLanes(onDay(ymd), (a) => ({
                id: a.id,
                startMin: localMinutes(a.start, timeZone),
                durationMin: a.durationMin,
              })).map(({ item: a, at, lane }) => {
                const staff = staffById.get(a.staffId);
                const colors = staffColors(staff ?? { id: a.staffId });
                return (
                  <WeekViewBlock
                    key={a.id}
                    appt={a}
                    time={clock(a.start)}
                    clientName={props.clientName(a.clientId)}
                    serviceName={props.serviceName(a.serviceId)}
                    staffName={staff?.displayName ?? 'Unknown'}
                    showStaff={!tech}
                    style={
                      {
                        ...blockBox(at, lane, scale),
                        '--staff-accent': colors.accent,
                        '--staff-tint': colors.tint,
                      } as React.CSSProperties
                    }
                    onOpen={() => props.onOpen(a.id)}
                  />
                );
              })}
            </div>
          ))}
          {props.days.includes(today) && (
            <NowLine bookStartMin={startMin} bookEndMin={endMin} pxPerMin={PX_PER_MIN} />
          )}
        </div>
      </div>
    </div>
  );
}
