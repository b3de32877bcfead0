import { useNow } from '../hooks/useNow';
import { useStoreClock } from '../hooks/useStoreClock';
import { localMinutes } from '../lib/time';

/** The current time across today's book, moved on each minute. */
export function NowLine(props: { bookStartMin: number; bookEndMin: number; pxPerMin: number }) {
  const now = useNow();
  const { timeZone, clock } = useStoreClock();
  const iso = now.toISOString();
  const minutes = localMinutes(iso, timeZone);
  if (minutes < props.bookStartMin || minutes >= props.bookEndMin) return null;
  return (
    <div
      className="cal-now"
      // A cell of the book's row (role="grid"): an image is not allowed there (axe).
      role="gridcell"
      aria-label={`Now ${clock(iso)}`}
      style={{ top: (minutes - props.bookStartMin) * props.pxPerMin }}
    >
      <span className="cal-now-label">{clock(iso)}</span>
    </div>
  );
}
