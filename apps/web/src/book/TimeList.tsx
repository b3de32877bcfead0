import { byDayPart, clockTime } from './booking-days';
import type { FreeTime } from './public-api';

/** A day's free start times, grouped by morning, afternoon and evening. */
export function TimeList(props: {
  times: FreeTime[] | null;
  error: string | null;
  timeZone: string;
  locale: string;
  onPick: (t: FreeTime) => void;
  onRetry: () => void;
}) {
  if (props.error) {
    return (
      <div>
        <p role="alert">{props.error}</p>
        <button type="button" onClick={props.onRetry}>
          Try again
        </button>
      </div>
    );
  }
  if (!props.times) return <p role="status">Finding free times…</p>;
  if (props.times.length === 0) {
    return <p role="status">No free times on this day. Please try another day.</p>;
  }
  return (
    <div className="bk-times" aria-label="Free times">
      {byDayPart(props.times, props.timeZone).map(({ part, times }) => (
        <div key={part} role="group" aria-label={part}>
          <h3>{part}</h3>
          <ul className="bk-time-list">
            {times.map((t) => (
              <li key={t.start}>
                <button type="button" className="bk-time" onClick={() => props.onPick(t)}>
                  {clockTime(t.start, props.timeZone, props.locale)}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}
