/**
 * The public booking API (no sign-in), as the server's contract describes it
 * (apps/server/src/routes/public-booking.ts, docs/openapi.json). The page reads nothing else.
 */
import type {
  BookingRequest,
  PublicBooking,
  PublicFreeTime,
  PublicStore as PublicStorePage,
} from '@mango/protocol';
import { api, ApiError } from '../lib/api';

// The shapes are the protocol's (packages/protocol/src/public-booking.ts), imported as types only:
// nothing of the protocol package (zod) reaches the page's bundle.

export type StorePage = PublicStorePage;
export type PublicStore = StorePage['store'];
export type PublicService = StorePage['services'][number];
export type PublicStaff = StorePage['staff'][number];
/** A free start time and who could take it ("anyone" lists several). */
export type FreeTime = PublicFreeTime;
export type Booking = PublicBooking;
export type BookingForm = BookingRequest;

export interface Availability {
  date: string;
  timeZone: string;
  times: FreeTime[];
}

export const ANYONE = 'anyone';

const enc = encodeURIComponent;

export const fetchStorePage = (slug: string) =>
  api<StorePage>(`/api/v1/public/stores/${enc(slug)}`);

export const fetchAvailability = (
  slug: string,
  q: { serviceId: string; staffId: string; date: string },
) =>
  api<Availability>(
    `/api/v1/public/stores/${enc(slug)}/availability?${new URLSearchParams(q).toString()}`,
  );

/**
 * Books. `idempotencyKey` is made once per submitted form and sent again on a retry of the same
 * submit, so a double tap or a lost answer books once.
 */
export const createBooking = (slug: string, form: BookingForm, idempotencyKey: string) =>
  api<{ booking: Booking; manageUrl: string }>(`/api/v1/public/stores/${enc(slug)}/bookings`, {
    body: form,
    headers: { 'idempotency-key': idempotencyKey },
  });

type BookingAnswer = { booking: Booking; store: Pick<PublicStore, 'name' | 'slug' | 'timeZone'> };

export const fetchBooking = (token: string) =>
  api<BookingAnswer>(`/api/v1/public/bookings/${enc(token)}`);

/** Moving to a time (and technician): answers the booking as it is now, or 409 SLOT_TAKEN. */
export const moveBooking = (token: string, to: { start: string; staffId?: string }) =>
  api<BookingAnswer>(`/api/v1/public/bookings/${enc(token)}`, { method: 'PATCH', body: to });

/** Cancelling; a second cancel answers the same. */
export const cancelBooking = (token: string) =>
  api<BookingAnswer>(`/api/v1/public/bookings/${enc(token)}`, { method: 'DELETE' });

/** The fresh free times a 409 SLOT_TAKEN carries, or null when the error is anything else. */
export function takenSlotTimes(e: unknown): FreeTime[] | null {
  if (!(e instanceof ApiError) || e.status !== 409 || e.code !== 'SLOT_TAKEN') return null;
  const times = (e.body as { times?: unknown } | null)?.times;
  return Array.isArray(times) ? (times as FreeTime[]) : [];
}

/**
 * Whether a failed call may still have taken effect: no answer (the network) or a server error.
 * A 4xx is a refusal: nothing changed.
 */
export function mayHaveGoneThrough(e: unknown): boolean {
  return !(e instanceof ApiError && e.status >= 400 && e.status < 500);
}

/** What to tell the client when a call failed: the server's own words, or the network's. */
export function failureText(e: unknown): string {
  if (e instanceof ApiError && e.status !== 0 && e.status < 500) return e.message;
  if (e instanceof TypeError) return 'No connection. Check your internet and try again.';
  return 'Something went wrong on our side. Please try again in a moment.';
}
