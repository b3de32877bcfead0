import type { Clock } from '../clock';
import type { Db, Sql } from '../db/db';
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

/**
 * Queues the reminders of the online bookings (with an address) whose appointment starts in 24
 * to 25 h and is not cancelled, as the owner across stores. Run every few minutes (under an
 * hour apart): a booking is in the window for an hour; the unique index queues one reminder
 * per start, so a moved booking gets one for its new start and none for the old (the sender
 * skips a reminder whose start is no longer the appointment's). Returns how many were queued.
 */
export async function enqueueDueReminders(db: Db, clock: Clock): Promise<number> {
  const now = clock.now().getTime();
  const from = new Date(now + 24 * 3600_000).toISOString();
  const to = new Date(now + 25 * 3600_000).toISOString();
  let queued = 0;
  // With shards, this runs on each shard's database in turn.
  await db.ownerTransaction(async (sql) => {
    const due = await sql.query<BookingVisitRow>(
      `select b.store_id, b.id as booking_id, b.contact_name, b.contact_email, a.start_at,
              s.name as store_name, s.time_zone, svc.name as service_name,
              st.display_name as staff_name
         from stores s
         -- Store by store, the window through the (store_id, start_at) index: not a scan of
         -- every store's book.
         cross join lateral (
           select * from appointments x
            where x.store_id = s.id and x.start_at >= $1::timestamptz and x.start_at < $2::timestamptz
         ) a
         join online_bookings b on b.store_id = a.store_id and b.appointment_id = a.id
         left join services svc on svc.store_id = a.store_id and svc.id = a.service_id
         left join staff st on st.store_id = a.store_id and st.id = a.staff_id
        where s.online_booking is not null
          and not a.deleted and a.status is distinct from 'cancelled'
          and b.contact_email is not null
          and not exists (select 1 from email_outbox o
                           where o.store_id = b.store_id and o.booking_id = b.id
                             and o.kind = 'booking_reminder' and o.appointment_start = a.start_at)`,
      [from, to],
    );
    for (const r of due.rows) {
      const added = await enqueueBookingMessage(
        sql,
        'booking_reminder',
        r.contact_email,
        visitFactsOf(r),
      );
      if (added) queued++;
    }
  });
  return queued;
}
