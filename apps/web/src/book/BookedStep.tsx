import { BookingFacts } from './BookingFacts';
import type { Booking } from './public-api';
import { StepHeading } from './StepHeading';

/** The confirmation: shown only after the server answered 201 with the booking. */
export function BookedStep(props: {
  booking: Booking;
  manageUrl: string;
  timeZone: string;
  locale: string;
}) {
  const b = props.booking;
  const link = new URL(props.manageUrl, location.origin).href;
  return (
    <section aria-labelledby="bk-booked-h">
      <StepHeading id="bk-booked-h">Booked</StepHeading>
      <p>You are booked. See you soon!</p>
      <BookingFacts booking={b} timeZone={props.timeZone} locale={props.locale} />
      <p>
        Keep this link to see, move or cancel your booking:
        <br />
        <a href={link} className="bk-link">
          Manage your booking
        </a>
      </p>
      <p className="bk-muted bk-url">{link}</p>
    </section>
  );
}
