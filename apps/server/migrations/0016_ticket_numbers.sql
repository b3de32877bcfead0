-- Ticket numbers ("A-017": packages/domain/src/ticket-numbers.ts). Each device of a store gets a
-- short code when it registers; the device numbers its own tickets <code>-<sequence of that
-- business day>, so devices offline at the same time never give the same number. Codes are
-- never reused in a store (a revoked device keeps its code), so old tickets keep meaning.

-- The n-th code of a store, 0 → A, 23 → Z, 24 → AA: bijective base 24 over the letters without
-- I and O. The same as deviceCodeAt() in the domain.
CREATE FUNCTION mango_device_code(n integer) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  alphabet constant text := 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  code text := '';
  k integer := n;
BEGIN
  LOOP
    code := substr(alphabet, k % 24 + 1, 1) || code;
    k := k / 24 - 1;
    EXIT WHEN k < 0;
  END LOOP;
  RETURN code;
END $$;

ALTER TABLE devices ADD COLUMN short_code text;

-- Devices registered before: codes in registration order, per store.
UPDATE devices d SET short_code = mango_device_code((o.n - 1)::integer)
  FROM (SELECT id, row_number() OVER (PARTITION BY store_id ORDER BY created_at, id) AS n
          FROM devices) o
 WHERE d.id = o.id;

-- Every insert gets the store's next free code, whichever path inserts (registration route, demo
-- seed, tests). Registrations of one store take turns on an advisory lock, so two at once cannot
-- pick the same code; other stores never wait. An insert that names a code (a shard move copies
-- rows as they are) keeps it.
CREATE FUNCTION devices_assign_short_code() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  IF NEW.short_code IS NOT NULL THEN
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('mango.device_code:' || NEW.store_id::text, 0));
  SELECT count(*) INTO n FROM devices WHERE store_id = NEW.store_id;
  LOOP
    NEW.short_code := mango_device_code(n);
    EXIT WHEN NOT EXISTS (
      SELECT 1 FROM devices WHERE store_id = NEW.store_id AND short_code = NEW.short_code);
    n := n + 1;
  END LOOP;
  RETURN NEW;
END $$;

CREATE TRIGGER devices_short_code BEFORE INSERT ON devices
  FOR EACH ROW EXECUTE FUNCTION devices_assign_short_code();

ALTER TABLE devices ALTER COLUMN short_code SET NOT NULL;
ALTER TABLE devices ADD CONSTRAINT devices_short_code_shape
  CHECK (short_code ~ '^[A-HJ-NP-Z]{1,3}$');
CREATE UNIQUE INDEX devices_store_short_code ON devices (store_id, short_code);

-- Promoted from the ticket row (entity-tables.ts): ticket.open looks a number up in its business
-- day to refuse one already used. Not a unique index: the domain refuses a duplicate with a code
-- (TICKET_NUMBER_TAKEN) before it is written. Tickets opened before have neither (null).
ALTER TABLE tickets ADD COLUMN business_date date;
ALTER TABLE tickets ADD COLUMN number text;
CREATE INDEX tickets_number ON tickets (store_id, business_date, number) WHERE number IS NOT NULL;
