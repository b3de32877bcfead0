-- Booking e-mails (issue 21): a durable outbox. A message is a row written in the transaction
-- that makes the change it tells of (the push's afterApply, booking/booking-messages.ts), so it
-- exists exactly when the booking does; the sender (messages/sender.ts) claims due rows as the
-- owner across stores, sends them over SMTP and marks them sent in the claiming transaction.
CREATE TABLE email_outbox (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('booking_confirmation', 'booking_reminder',
                                     'booking_changed', 'booking_cancelled')),
  booking_id uuid NOT NULL,
  -- The appointment's start the message speaks of: a reminder whose appointment moved or was
  -- cancelled since is stale and is skipped, never sent (the sender checks).
  appointment_start timestamptz NOT NULL,
  recipient text NOT NULL,
  subject text NOT NULL,
  body_text text NOT NULL,
  -- Made from the row id: a re-send after a crash between the SMTP server's acceptance and our
  -- commit carries the same Message-ID, so a receiver can drop the copy.
  message_id text NOT NULL GENERATED ALWAYS AS ('<' || id::text || '@mango-pos.booking>') STORED,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
  send_after timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, id),
  FOREIGN KEY (store_id, booking_id) REFERENCES online_bookings (store_id, id)
);
-- One confirmation, one cancellation, one reminder per start per booking: a replayed booking
-- request or a reminder job run twice enqueues nothing more. A booking may be moved many times:
-- each applied move (exactly once, by the push) tells of itself.
CREATE UNIQUE INDEX email_outbox_once ON email_outbox (store_id, booking_id, kind, appointment_start)
  WHERE kind <> 'booking_changed';
-- What the sender claims: the due queued rows, oldest first.
CREATE INDEX email_outbox_due ON email_outbox (send_after) WHERE status = 'queued';
SELECT mango_secure_table('email_outbox');
CREATE POLICY tenant ON email_outbox TO mango_app
  USING (store_id = app_store_id()) WITH CHECK (store_id = app_store_id());
GRANT SELECT, INSERT ON email_outbox TO mango_app;

-- The reminder job (booking/booking-messages.ts) finds a store's appointments of the window by
-- (store_id, start_at), then their online booking by this.
CREATE INDEX online_bookings_appointment ON online_bookings (store_id, appointment_id);
