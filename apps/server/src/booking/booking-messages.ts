import type { Sql } from '../db/db';
import { enqueueMessage, type MessageKind } from '../messages/outbox';

/** What a booking e-mail tells: the visit as the client sees it on the page. */
export interface VisitFacts {
  storeId: string;
  bookingId: string;
  storeName: string;
  timeZone: string;
  clientName: string;
  serviceName: string;
  staffName: string;
  /** ISO instant of the appointment's start. */
  start: string;
}

/** "Tuesday, December 8, 2026 at 2:30 PM" in the store's zone (the client's visit is there). */
function when(start: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    dateStyle: 'full',
    timeStyle: 'short',
  }).format(new Date(start));
}

function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

/** A booking as the queries of the reminder job and the desk's changes read it. */
export interface BookingVisitRow {
  store_id: string;
  booking_id: string;
  contact_name: string;
  contact_email: string | null;
  start_at: Date | string;
  store_name: string;
  time_zone: string;
  service_name: string | null;
  staff_name: string | null;
}

export function visitFactsOf(r: BookingVisitRow): VisitFacts {
  return {
    storeId: r.store_id,
    bookingId: r.booking_id,
    storeName: r.store_name,
    timeZone: r.time_zone,
    clientName: r.contact_name,
    serviceName: r.service_name ?? '',
    staffName: r.staff_name ?? '',
    start: new Date(r.start_at).toISOString(),
  };
}

/** Subject and text of one booking e-mail. `manageUrl` exists only at booking time. */
export function bookingMessageText(
  kind: MessageKind,
  v: VisitFacts,
  manageUrl?: string,
): { subject: string; bodyText: string } {
  const visit = `${v.serviceName}${v.staffName ? ` with ${v.staffName}` : ''}`;
  const at = when(v.start, v.timeZone);
  const hello = `Hello ${firstName(v.clientName)},`;
  const sign = `\n\n${v.storeName}\n`;
  switch (kind) {
    case 'booking_confirmation':
      return {
        subject: `Your booking at ${v.storeName}: ${at}`,
        bodyText:
          `${hello}\n\nYou are booked: ${visit}, ${at}.` +
          (manageUrl
            ? `\n\nTo see, move or cancel this booking, keep this link (it is yours alone):\n${manageUrl}`
            : '') +
          sign,
      };
    case 'booking_reminder':
      return {
        subject: `Reminder: ${v.storeName} tomorrow, ${at}`,
        bodyText:
          `${hello}\n\nA reminder of your visit: ${visit}, ${at}.` +
          `\n\nTo move or cancel it, use the link in your confirmation e-mail.` +
          sign,
      };
    case 'booking_changed':
      return {
        subject: `Your booking at ${v.storeName} moved: ${at}`,
        bodyText: `${hello}\n\nYour booking is now: ${visit}, ${at}.${sign}`,
      };
    case 'booking_cancelled':
      return {
        subject: `Your booking at ${v.storeName} is cancelled`,
        bodyText: `${hello}\n\nYour booking (${visit}, ${at}) is cancelled.${sign}`,
      };
  }
}

/** Queues one booking e-mail in `sql`'s transaction; nothing when there is no address. */
export async function enqueueBookingMessage(
  sql: Sql,
  kind: MessageKind,
  recipient: string | null | undefined,
  v: VisitFacts,
  manageUrl?: string,
): Promise<boolean> {
  if (!recipient) return false;
  return enqueueMessage(sql, {
    storeId: v.storeId,
    kind,
    bookingId: v.bookingId,
    appointmentStart: v.start,
    recipient,
    ...bookingMessageText(kind, v, manageUrl),
  });
}

/** How long before the visit its reminder is sent. */
export const REMINDER_LEAD_MS = 24 * 3600_000;

/**
 * Queues the reminder of a booking made or moved (`v.start`), due REMINDER_LEAD_MS before the
 * visit; none when that moment has passed (the client has just booked) or there is no address.
 * Its text is written when it is sent (the sender, from the booking as it is then), and the
 * sender skips it if the visit has moved or been cancelled since. Queued with the booking, so no
 * job has to scan the appointments of every store for the ones due (that job took 1.5–1.9 s of
 * database and 130,000 buffers a run at 100,000 stores with 10 days of appointments each:
 * docs/PERFORMANCE.md, session 10).
 */
export async function scheduleReminder(
  sql: Sql,
  recipient: string | null | undefined,
  v: Pick<VisitFacts, 'storeId' | 'bookingId' | 'start'>,
  nowIso: string,
): Promise<boolean> {
  const due = Date.parse(v.start) - REMINDER_LEAD_MS;
  if (!recipient || due <= Date.parse(nowIso)) return false;
  return enqueueMessage(sql, {
    storeId: v.storeId,
    kind: 'booking_reminder',
    bookingId: v.bookingId,
    appointmentStart: v.start,
    recipient,
    subject: '',
    bodyText: '',
    sendAfter: new Date(due).toISOString(),
  });
}
