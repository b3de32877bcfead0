-- Store settings kept: `strictBooking` (store.updateSettings) had no column, so the server
-- answered the change `applied`, wrote every other setting and silently dropped it; the device's
-- setting reverted at its next pull and the server never refused a double booking. It gets its
-- column (off by default, as an absent setting meant), and STORE_COLUMNS maps it
-- (apps/server/src/db/entity-tables.ts); store-settings.pg.test.ts walks every field of the
-- store.updateSettings schema so a setting added later without a column fails a test.
ALTER TABLE stores ADD COLUMN strict_booking boolean NOT NULL DEFAULT false;

-- stores_before_write (0002, then 0011) listed the settings columns by hand, so a setting changed
-- outside sync (an admin tool) did not bump the store version unless it was added to that list.
-- It now compares the whole row except the bookkeeping columns: every settings column, present
-- and future, is covered. A bookkeeping column added to stores later must join this list, or
-- changing it would re-send the store row (harmless, but wasted pulls).
CREATE OR REPLACE FUNCTION stores_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bookkeeping constant text[] :=
    ARRAY['version', 'settings_version', 'min_kept_version', 'sync_epoch', 'created_at',
          'updated_at'];
BEGIN
  PERFORM now() AT TIME ZONE NEW.time_zone; -- raises on an unknown time zone
  IF TG_OP = 'INSERT' THEN
    NEW.version := greatest(NEW.version, 1);
    NEW.settings_version := NEW.version;
    RETURN NEW;
  END IF;
  NEW.updated_at := now();
  IF (to_jsonb(NEW) - bookkeeping) IS DISTINCT FROM (to_jsonb(OLD) - bookkeeping)
     AND NEW.settings_version = OLD.settings_version THEN
    IF NEW.version <= OLD.version THEN
      NEW.version := OLD.version + 1;
    END IF;
    NEW.settings_version := NEW.version;
  END IF;
  RETURN NEW;
END
$$;
