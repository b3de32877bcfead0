import { useState } from 'react';
import { usePageTitle } from '../hooks/usePageTitle';
import { storeLocale } from '../lib/time';
import { BookingFacts } from './BookingFacts';
import { CancelBooking } from './CancelBooking';
import { MoveBooking } from './MoveBooking';
import { NotLoaded } from './NotLoaded';
import { StoreHeader } from './StoreHeader';
import { useBooking } from './useBooking';
import { useStorePage } from './useStorePage';

/**
 * /book/{slug}/manage/{token}: the booking, and (while the store's rules allow) moving it to
 * another free time or cancelling it. The token is the only key; the page shows nothing else.
 */
export function ManageBooking({ slug, token }: { slug: string; token: string }) {
  const [loaded, replace] = useBooking(token);
  // The store page gives the horizon (the days a move may go to) and the currency.
  const storePage = useStorePage(slug);
  const [mode, setMode] = useState<'view' | 'move' | 'cancel'>('view');
  const [done, setDone] = useState<string | null>(null);
  usePageTitle('Your booking');

  if (loaded.state !== 'ready') {
    return (
      <NotLoaded
        loaded={loaded}
        missing={{
          title: 'Booking not found',
          text: 'This link does not match a booking. Check the link, or call the salon.',
        }}
        failedTitle="Could not load your booking"
      />
    );
  }

  const { booking, store } = loaded;
  const page = storePage.state === 'ready' ? storePage.page : null;
  const locale = storeLocale(page?.store.currency);
  const cancelled = booking.status === 'cancelled';
  const mayChange = !cancelled && booking.canChange !== false;
  const { serviceId, staffId } = booking;

  return (
    <main className="bk">
      <StoreHeader store={{ name: store.name, address: page?.store.address ?? null }} />
      <h2 className="bk-step">Your booking</h2>
      {done && (
        <p role="status" className="bk-ok">
          {done}
        </p>
      )}
      {cancelled && <p className="bk-warn">This booking is cancelled.</p>}
      <BookingFacts booking={booking} timeZone={store.timeZone} locale={locale} />
      {!cancelled && !mayChange && (
        <p>It is too close to the appointment to change it online. Please call the salon.</p>
      )}
      {mayChange && mode === 'view' && (
        <div className="bk-actions">
          {page && (
            <button type="button" className="bk-primary" onClick={() => setMode('move')}>
              Move to another time
            </button>
          )}
          <button type="button" className="bk-danger" onClick={() => setMode('cancel')}>
            Cancel booking
          </button>
        </div>
      )}
      {mayChange && mode === 'move' && page && (
        <MoveBooking
          token={token}
          slug={slug}
          store={{ ...page.store, timeZone: store.timeZone }}
          locale={locale}
          serviceId={serviceId}
          staffId={staffId}
          onMoved={(b) => {
            replace(b);
            setMode('view');
            setDone('Your booking was moved.');
          }}
          onBack={() => setMode('view')}
        />
      )}
      {mayChange && mode === 'cancel' && (
        <CancelBooking
          token={token}
          onCancelled={(b) => {
            replace(b);
            setMode('view');
            setDone('Your booking was cancelled.');
          }}
          onBack={() => setMode('view')}
        />
      )}
      <p>
        <a className="bk-link" href={`/book/${encodeURIComponent(slug)}`}>
          Book another appointment
        </a>
      </p>
    </main>
  );
}
