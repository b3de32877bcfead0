import type { AppointmentRow } from '@mango/domain/entities';

/** A hue of its own per visit, so a visit's bookings in different lanes show as one. */
function hueOf(groupId: string): number {
  let hash = 0;
  for (const ch of groupId) hash = (hash * 31 + ch.charCodeAt(0)) % 360;
  return hash;
}

/** On a booking of the book: the visit it belongs to (a shared mark) and a series (↻). */
export function AppointmentMarkers(props: { appt: AppointmentRow }) {
  const { groupId, seriesId } = props.appt;
  if (!groupId && !seriesId) return null;
  return (
    <>
      {groupId && (
        <span
          className="appt-mark appt-visit"
          data-group-id={groupId}
          title="One visit with other services"
          style={{ background: `hsl(${hueOf(groupId)} 70% 28%)` }}
        >
          <span aria-hidden="true">+</span>
          <span className="sr-only"> (part of a visit)</span>
        </span>
      )}
      {seriesId && (
        <span className="appt-mark appt-series" data-series-id={seriesId} title="Repeats">
          <span aria-hidden="true">↻</span>
          <span className="sr-only"> (repeats)</span>
        </span>
      )}
    </>
  );
}
