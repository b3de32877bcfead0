-- Booking reminders are queued with the booking (and again when it moves), due 24 h before the
-- visit, instead of by a job that looked every 5 minutes, on every instance, for the
-- appointments of every store starting in 24-25 h (at 100,000 stores that job read 130,000
-- buffers in 1.5-1.9 s a run: docs/PERFORMANCE.md, session 10). A reminder's text is written by
-- the sender when it goes (booking/booking-messages.ts scheduleReminder, messages/sender.ts), so
-- its row holds none. The bookings made before this migration get their reminder here.
INSERT INTO email_outbox (store_id, id, kind, booking_id, appointment_start, recipient,
                          subject, body_text, send_after)
SELECT b.store_id, gen_random_uuid(), 'booking_reminder', b.id, a.start_at, b.contact_email,
       '', '', a.start_at - interval '24 hours'
  FROM online_bookings b
  JOIN appointments a ON a.store_id = b.store_id AND a.id = b.appointment_id
 WHERE b.status = 'booked' AND b.contact_email IS NOT NULL
   AND NOT a.deleted AND a.status = 'booked'
   AND a.start_at - interval '24 hours' > now()
ON CONFLICT (store_id, booking_id, kind, appointment_start) WHERE kind <> 'booking_changed'
DO NOTHING;
