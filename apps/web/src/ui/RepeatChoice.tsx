import { MAX_SERIES_OCCURRENCES, MIN_SERIES_OCCURRENCES } from '@mango/domain/appointments';
import type { AppointmentRepeat } from '@mango/domain/entities';

/** The intervals a salon books regulars at; the domain accepts any from 1 to 12 weeks. */
const EVERY_WEEKS = [1, 2, 3, 4, 6, 8] as const;
const DEFAULT_COUNT = 4;

/** "Repeat": no repeat, or every N weeks, M times in all (appointment.bookSeries). */
export function RepeatChoice(props: {
  value: AppointmentRepeat | null;
  onChange: (value: AppointmentRepeat | null) => void;
}) {
  const v = props.value;
  return (
    <div className="row wrap">
      <label>
        Repeat
        <select
          value={v ? String(v.everyWeeks) : ''}
          onChange={(e) =>
            props.onChange(
              e.target.value
                ? { everyWeeks: Number(e.target.value), count: v?.count ?? DEFAULT_COUNT }
                : null,
            )
          }
        >
          <option value="">No repeat</option>
          {EVERY_WEEKS.map((weeks) => (
            <option key={weeks} value={weeks}>
              {weeks === 1 ? 'Every week' : `Every ${weeks} weeks`}
            </option>
          ))}
        </select>
      </label>
      {v && (
        <label>
          Times in all
          <input
            type="number"
            min={MIN_SERIES_OCCURRENCES}
            max={MAX_SERIES_OCCURRENCES}
            value={v.count}
            required
            onChange={(e) => props.onChange({ ...v, count: Number(e.target.value) })}
          />
        </label>
      )}
    </div>
  );
}
