import { bookingWhen } from './booking-days';
import type { Booking } from './public-api';

/** What was booked, where and when, as a list of facts. */
export function BookingFacts(props: { booking: Booking; timeZone: string; locale: string }) {
  const b = props.booking;
  return (
    <dl className="bk-facts">
      <dt>When</dt>
      <dd>{bookingWhen(b.start, props.timeZone, props.locale)}</dd>
      <dt>Service</dt>
      <dd>{b.serviceName}</dd>
      <dt>With</dt>
      <dd>{b.staffName}</dd>
      <dt>Salon</dt>
      <dd>{b.storeName}</dd>
    </dl>
  );
}
