import { useEffect, useState } from 'react';
import { ApiError } from '../lib/api';
import { fetchBooking, type Booking, type PublicStore } from './public-api';

export type BookingState =
  | { state: 'loading' }
  | {
      state: 'ready';
      booking: Booking;
      store: Pick<PublicStore, 'name' | 'slug' | 'timeZone'>;
    }
  | { state: 'missing' }
  | { state: 'failed'; retry: () => void };

/** A booking by its manage token; `replace` puts the server's answer to a move or cancel in. */
export function useBooking(token: string): [BookingState, (b: Partial<Booking>) => void] {
  const [attempt, setAttempt] = useState(0);
  const [result, setResult] = useState<BookingState>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    fetchBooking(token).then(
      (r) => live && setResult({ state: 'ready', ...r }),
      (e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
          setResult({ state: 'missing' });
        } else setResult({ state: 'failed', retry: () => setAttempt((n) => n + 1) });
      },
    );
    return () => {
      live = false;
    };
  }, [token, attempt]);
  const replace = (b: Partial<Booking>) =>
    setResult((r) => (r.state === 'ready' ? { ...r, booking: { ...r.booking, ...b } } : r));
  return [result, replace];
}
