import type { AppointmentRow } from '@mango/domain/entities';

/** A hue of its own per visit, so a visit's bookings in different lanes show as one. */
function hueOf(groupId: string): number {
  let hash = 0;
  for (const ch of groupId) hash = (hash * 31 + ch.charCodeAt(0)) % 360;
  return hash;
}

/**
 * On a booking of the book (day and week views): booked online by the client, the visit it
 * belongs to (a shared mark) and a series (↻).
 */
export function AppointmentMarkers(props: { appt: AppointmentRow }) {
  const { groupId, seriesId, source } = props.appt;
  if (!groupId && !seriesId && source !== 'online') return null;
  return (
    <>
      {source === 'online' && (
        // A word, not only a colour or a symbol: the desk reads it at a glance and so does a
        // screen reader (the booking's name ends with it).
        <span className="appt-mark appt-online" title="Booked online by the client">
          Online
        </span>
      )}
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
