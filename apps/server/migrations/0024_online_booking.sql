-- Online booking (issue 21): a public page per store at /book/{slug}.
--
-- The settings are the store row's `onlineBooking` (store.updateSettings, checked by the domain's
-- onlineBookingSettingsSchema), one jsonb column like the row's other settings columns;
-- stores_before_write (0012) compares whole rows, so a change bumps the store version. A slug
-- names one store, whatever its case (the schema only lets lower case through; the index holds
-- even for a value written by hand).
ALTER TABLE stores ADD COLUMN online_booking jsonb;
CREATE UNIQUE INDEX stores_booking_slug ON stores (lower(online_booking ->> 'slug'))
  WHERE online_booking IS NOT NULL;

-- The page books through a device of the server's own per store (booking/online-device.ts), so
-- its bookings take the one push path (exactly once, audit, change log, pokes). `kind` tells it
-- from the desk's devices: the desk cannot revoke it, and there is one per store.
ALTER TABLE devices ADD COLUMN kind text NOT NULL DEFAULT 'desk' CHECK (kind IN ('desk', 'online'));
CREATE UNIQUE INDEX devices_one_online ON devices (store_id) WHERE kind = 'online';

-- One booking made on the page: the appointment it made, the client's contact as typed (for
-- the messages), the client's Idempotency-Key (a double submit books once).
CREATE TABLE online_bookings (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  idempotency_key text NOT NULL,
  appointment_id uuid NOT NULL,
  client_id uuid NOT NULL,
  contact_name text NOT NULL,
  contact_phone text NOT NULL,
  contact_email text,
  status text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, id),
  UNIQUE (store_id, idempotency_key)
);
SELECT mango_secure_table('online_bookings');
CREATE POLICY tenant ON online_bookings TO mango_app
  USING (store_id = app_store_id()) WITH CHECK (store_id = app_store_id());
GRANT SELECT, INSERT, UPDATE ON online_bookings TO mango_app;

-- The links a client manages a booking with: only the SHA-256 of each 32-byte random token is
-- kept. A replayed POST (same Idempotency-Key) is answered with a new token for the same
-- booking, so a booking may have a few.
CREATE TABLE online_booking_tokens (
  token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  store_id uuid NOT NULL REFERENCES stores (id),
  booking_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (store_id, booking_id) REFERENCES online_bookings (store_id, id)
);
CREATE INDEX online_booking_tokens_booking ON online_booking_tokens (store_id, booking_id);
SELECT mango_secure_table('online_booking_tokens');
CREATE POLICY tenant ON online_booking_tokens TO mango_app
  USING (store_id = app_store_id()) WITH CHECK (store_id = app_store_id());
GRANT SELECT, INSERT ON online_booking_tokens TO mango_app;

-- The public routes have no tenant: these two answer "which store" and nothing else, as the
-- tables' owner (auth_find_device's pattern, 0002). A slug of a store whose page is off, or an
-- unknown token, finds nothing.
CREATE FUNCTION online_booking_store(p_slug text)
RETURNS TABLE (store_id uuid, organization_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT s.id, s.organization_id FROM stores s
   WHERE lower(s.online_booking ->> 'slug') = lower(p_slug) AND s.online_booking IS NOT NULL
$$;
CREATE FUNCTION online_booking_token_store(p_token_hash bytea)
RETURNS TABLE (store_id uuid, organization_id uuid, booking_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.store_id, s.organization_id, t.booking_id
    FROM online_booking_tokens t JOIN stores s ON s.id = t.store_id
   WHERE t.token_hash = p_token_hash
$$;
REVOKE EXECUTE ON FUNCTION online_booking_store(text), online_booking_token_store(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION online_booking_store(text), online_booking_token_store(bytea) TO mango_app;
