import { useMemo } from 'react';
import { BackButton } from './BackButton';
import { DayPicker } from './DayPicker';
import { bookableDays } from './booking-days';
import type { FreeTime, PublicStore } from './public-api';
import { StepHeading } from './StepHeading';
import { TimeList } from './TimeList';
import { useAvailability } from './useAvailability';
import { ZoneNote } from './ZoneNote';

/**
 * Step 3: a day, then one of its free times. After a 409 the times the server sent with it are
 * shown at once (then refreshed), with a plain word that the chosen time went to someone else.
 */
export function TimeStep(props: {
  slug: string;
  store: PublicStore;
  locale: string;
  serviceId: string;
  staffId: string;
  date: string | null;
  taken: FreeTime[] | null;
  onDate: (ymd: string) => void;
  onPick: (t: FreeTime) => void;
  onBack: () => void;
}) {
  const days = useMemo(
    () => bookableDays(new Date(), props.store.timeZone, props.store.horizonDays),
    [props.store.timeZone, props.store.horizonDays],
  );
  const date = props.date ?? days[0] ?? null;
  const avail = useAvailability(
    props.slug,
    date ? { serviceId: props.serviceId, staffId: props.staffId, date } : null,
  );
  return (
    <section aria-labelledby="bk-time-h">
      <BackButton onBack={props.onBack} />
      <StepHeading id="bk-time-h">Choose a day and time</StepHeading>
      {props.taken && (
        <p role="alert" className="bk-warn">
          Sorry, that time was just booked by someone else. It is not booked for you. Please choose
          another time below.
        </p>
      )}
      <ZoneNote timeZone={props.store.timeZone} />
      <DayPicker days={days} value={date} locale={props.locale} onPick={props.onDate} />
      <TimeList
        times={avail.times ?? props.taken}
        error={avail.error}
        timeZone={props.store.timeZone}
        locale={props.locale}
        onPick={props.onPick}
        onRetry={avail.reload}
      />
    </section>
  );
}
