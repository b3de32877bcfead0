import { segments, usePath } from '../lib/router';
import { BookingPage } from './BookingPage';
import { ManageBooking } from './ManageBooking';
import { Notice } from './Notice';

/** Routes of the public booking page: /book/{slug} and /book/{slug}/manage/{token}. */
export function BookApp() {
  const [, slug, sub, token] = segments(usePath());
  if (slug && sub === 'manage' && token) return <ManageBooking slug={slug} token={token} />;
  if (slug && sub === undefined) return <BookingPage key={slug} slug={slug} />;
  return <Notice title="Page not found">Check the booking link the salon gave you.</Notice>;
}
