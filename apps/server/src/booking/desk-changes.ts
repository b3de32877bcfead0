import { bookingNoticeOf, type AppointmentRow, type BookingNotice } from '@mango/domain';
import type { Sql } from '../db/db';
import type { RowChange } from '../sync/push-overlay';
import {
  enqueueBookingMessage,
  scheduleReminder,
  visitFactsOf,
  type BookingVisitRow,
} from './booking-messages';

type Appointment = Pick<
  AppointmentRow,
  'id' | 'start' | 'staffId' | 'serviceId' | 'status' | 'source'
>;

/**
 * The e-mails a desk push owes the clients who booked online: one per booking it moved or
 * cancelled (bookingNoticeOf), from the first image of the push to the last, so a booking moved
 * twice in one push is told its final time once. Pure.
 */
export function deskBookingNotices(
  changes: readonly RowChange[],
  nowIso: string,
): { appointmentId: string; notice: BookingNotice }[] {
  const first = new Map<string, Appointment | null>();
  const last = new Map<string, Appointment | null>();
  for (const c of changes) {
    if (c.entity !== 'appointment') continue;
    if (!first.has(c.id)) first.set(c.id, c.before as Appointment | null);
    last.set(c.id, c.after as Appointment | null);
  }
  const out: { appointmentId: string; notice: BookingNotice }[] = [];
  for (const [id, before] of first) {
    const notice = bookingNoticeOf(before, last.get(id) ?? null, nowIso);
    if (notice) out.push({ appointmentId: id, notice });
  }
  return out;
}

/**
 * The step a desk push adds to a chunk that moved or cancelled online bookings: it queues, in
 * the chunk's transaction, the e-mails of those bookings, so they commit with the change or not
 * at all (a replayed push applies nothing and queues nothing). Null when the chunk changed no
 * online booking, which is almost always: then the push costs no statement more and its COMMIT
 * rides with its writes. A cancelled booking's record is marked cancelled, as the client's own
 * cancel marks it.
 */
export function tellClientsOfDeskChanges(
  storeId: string,
  changes: readonly RowChange[],
  nowIso: string,
): ((sql: Sql) => Promise<void>) | null {
  const notices = deskBookingNotices(changes, nowIso);
  if (notices.length === 0) return null;
  return (sql) => queueNotices(sql, storeId, notices, nowIso);
}

async function queueNotices(
  sql: Sql,
  storeId: string,
  notices: readonly { appointmentId: string; notice: BookingNotice }[],
  nowIso: string,
): Promise<void> {
  const res = await sql.query<BookingVisitRow & { appointment_id: string }>(
    // The appointment as the push just wrote it (its batch is flushed before this runs).
    `select a.id as appointment_id, b.store_id, b.id as booking_id, b.contact_name, b.contact_email,
            a.start_at, s.name as store_name, s.time_zone, svc.name as service_name,
            st.display_name as staff_name
       from online_bookings b
       join stores s on s.id = b.store_id
       join appointments a on a.store_id = b.store_id and a.id = b.appointment_id
       left join services svc on svc.store_id = a.store_id and svc.id = a.service_id
       left join staff st on st.store_id = a.store_id and st.id = a.staff_id
      where b.store_id = $1 and b.appointment_id = any($2::uuid[])`,
    [storeId, notices.map((n) => n.appointmentId)],
  );
  const byAppointment = new Map(res.rows.map((r) => [r.appointment_id, r]));
  for (const { appointmentId, notice } of notices) {
    const r = byAppointment.get(appointmentId);
    if (!r) continue; // marked online but booked before the bookings table knew it: no address
    if (notice === 'booking_cancelled') {
      await sql.query(
        `update online_bookings set status = 'cancelled', updated_at = now()
          where store_id = $1 and id = $2`,
        [storeId, r.booking_id],
      );
    }
    const facts = visitFactsOf(r);
    await enqueueBookingMessage(sql, notice, r.contact_email, facts);
    if (notice === 'booking_changed') await scheduleReminder(sql, r.contact_email, facts, nowIso);
  }
}
