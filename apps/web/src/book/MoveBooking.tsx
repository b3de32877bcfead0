import { useMemo, useState } from 'react';
import { BackButton } from './BackButton';
import { bookableDays, bookingWhen } from './booking-days';
import { DayPicker } from './DayPicker';
import {
  failureText,
  moveBooking,
  takenSlotTimes,
  type Booking,
  type FreeTime,
  type PublicStore,
} from './public-api';
import { StepHeading } from './StepHeading';
import { TimeList } from './TimeList';
import { useAvailability } from './useAvailability';

/** Moving a booking: a day, a free time with the same technician, then a confirm. */
export function MoveBooking(props: {
  token: string;
  slug: string;
  store: PublicStore;
  locale: string;
  serviceId: string;
  staffId: string;
  onMoved: (b: Booking) => void;
  onBack: () => void;
}) {
  const days = useMemo(
    () => bookableDays(new Date(), props.store.timeZone, props.store.horizonDays),
    [props.store.timeZone, props.store.horizonDays],
  );
  const [date, setDate] = useState(days[0] ?? null);
  const [picked, setPicked] = useState<FreeTime | null>(null);
  const [taken, setTaken] = useState<FreeTime[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const avail = useAvailability(
    props.slug,
    date ? { serviceId: props.serviceId, staffId: props.staffId, date } : null,
  );

  async function confirm(t: FreeTime) {
    setSending(true);
    setError(null);
    try {
      const res = await moveBooking(props.token, { start: t.start, staffId: props.staffId });
      props.onMoved(res.booking);
    } catch (e) {
      const fresh = takenSlotTimes(e);
      setSending(false);
      setPicked(null);
      if (fresh) {
        setTaken(fresh);
        avail.reload();
      } else setError(failureText(e));
    }
  }

  if (picked) {
    return (
      <section aria-labelledby="bk-move-confirm-h">
        <BackButton onBack={() => setPicked(null)} label="Other times" />
        <StepHeading id="bk-move-confirm-h">Move your booking?</StepHeading>
        <p>New time: {bookingWhen(picked.start, props.store.timeZone, props.locale)}</p>
        <button
          type="button"
          className="bk-primary"
          disabled={sending}
          onClick={() => void confirm(picked)}
        >
          {sending ? 'Moving…' : 'Move to this time'}
        </button>
      </section>
    );
  }
  return (
    <section aria-labelledby="bk-move-h">
      <BackButton onBack={props.onBack} label="Keep my booking" />
      <StepHeading id="bk-move-h">Choose a new time</StepHeading>
      {taken && (
        <p role="alert" className="bk-warn">
          Sorry, that time was just booked by someone else. Your booking is unchanged. Please choose
          another time.
        </p>
      )}
      {error && (
        <p role="alert" className="bk-error">
          Not moved: {error}
        </p>
      )}
      <DayPicker
        days={days}
        value={date}
        locale={props.locale}
        onPick={(d) => {
          setDate(d);
          setTaken(null);
        }}
      />
      <TimeList
        times={avail.times ?? taken}
        error={avail.error}
        timeZone={props.store.timeZone}
        locale={props.locale}
        onPick={setPicked}
        onRetry={avail.reload}
      />
    </section>
  );
}
