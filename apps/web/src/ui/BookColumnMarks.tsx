import type { StaffRow } from '@mango/domain/entities';
import { offHours, weekdayOf } from '@mango/domain/working-hours';
import { useStoreClock } from '../hooks/useStoreClock';

/**
 * What is drawn behind a column's bookings (day and week views): the hour lines and, for one
 * staff member, the hours outside their weekly schedule on that day (still bookable, just
 * visibly outside it).
 */
export function BookColumnMarks(props: {
  ymd: string;
  hours: number[];
  startMin: number;
  endMin: number;
  pxPerMin: number;
  staff?: StaffRow | undefined;
}) {
  const { clockOfMinutes } = useStoreClock();
  const { staff, startMin, pxPerMin } = props;
  const off = staff
    ? offHours(staff.workingHours, weekdayOf(props.ymd), startMin, props.endMin)
    : [];
  return (
    <>
      {off.map((o) => (
        <div
          key={o.startMin}
          className="cal-off"
          title={`${staff?.displayName ?? ''} off ${clockOfMinutes(o.startMin)}–${clockOfMinutes(o.endMin)}`}
          style={{
            top: (o.startMin - startMin) * pxPerMin,
            height: (o.endMin - o.startMin) * pxPerMin,
          }}
        />
      ))}
      {props.hours.map((m) => (
        <div key={m} className="cal-line" style={{ top: (m - startMin) * pxPerMin }} />
      ))}
    </>
  );
}
