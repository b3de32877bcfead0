import { useState } from 'react';
import { dayLabel, longDay } from './booking-days';

const WEEK = 7;

/** The bookable days, a week at a time; the chosen one is pressed. */
export function DayPicker(props: {
  days: string[];
  value: string | null;
  locale: string;
  onPick: (ymd: string) => void;
}) {
  const at = props.value ? Math.max(0, props.days.indexOf(props.value)) : 0;
  const [page, setPage] = useState(Math.floor(at / WEEK));
  const shown = props.days.slice(page * WEEK, page * WEEK + WEEK);
  const pages = Math.ceil(props.days.length / WEEK);
  const months = [...new Set(shown.map((d) => dayLabel(d, props.locale).month))].join(' – ');
  return (
    <div className="bk-days" role="group" aria-label="Day">
      <div className="bk-days-nav">
        <button
          type="button"
          className="bk-page"
          aria-label="Earlier days"
          disabled={page === 0}
          onClick={() => setPage((p) => p - 1)}
        >
          ‹ Earlier
        </button>
        <span className="bk-month">{months}</span>
        <button
          type="button"
          className="bk-page"
          aria-label="Later days"
          disabled={page >= pages - 1}
          onClick={() => setPage((p) => p + 1)}
        >
          Later ›
        </button>
      </div>
      <ul className="bk-day-list">
        {shown.map((d) => {
          const { weekday, day } = dayLabel(d, props.locale);
          return (
            <li key={d}>
              <button
                type="button"
                className="bk-day"
                aria-pressed={d === props.value}
                aria-label={longDay(d, props.locale)}
                onClick={() => props.onPick(d)}
              >
                <span aria-hidden="true">{weekday}</span>
                <span aria-hidden="true" className="bk-day-num">
                  {day}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
