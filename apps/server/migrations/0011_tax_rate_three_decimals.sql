-- Tax rates with three decimals of a percent (New York City's 8.875 %). Basis points could not
-- hold them, so the rate is now parts per million of the taxed amount (8.875 % = 88 750), the
-- `store` entity's `taxRatePpm` (packages/domain/src/tax-rate.ts). Every basis-point rate
-- converts exactly (× 100).
ALTER TABLE stores ADD COLUMN tax_rate_ppm integer NOT NULL DEFAULT 0
  CHECK (tax_rate_ppm BETWEEN 0 AND 1000000);

-- Same as in 0002, with tax_rate_ppm in place of tax_rate_bps: the old column is dropped below,
-- and a settings change made outside sync (an admin tool) to the new one must still bump the
-- store version.
CREATE OR REPLACE FUNCTION stores_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM now() AT TIME ZONE NEW.time_zone; -- raises on an unknown time zone
  IF TG_OP = 'INSERT' THEN
    NEW.version := greatest(NEW.version, 1);
    NEW.settings_version := NEW.version;
    RETURN NEW;
  END IF;
  NEW.updated_at := now();
  IF (NEW.name, NEW.currency, NEW.tax_rate_ppm, NEW.time_zone, NEW.plan,
      NEW.full_turn_threshold_cents, NEW.offline_card_max_per_payment_cents,
      NEW.offline_card_max_per_device_cents, NEW.organization_id)
     IS DISTINCT FROM
     (OLD.name, OLD.currency, OLD.tax_rate_ppm, OLD.time_zone, OLD.plan,
      OLD.full_turn_threshold_cents, OLD.offline_card_max_per_payment_cents,
      OLD.offline_card_max_per_device_cents, OLD.organization_id)
     AND NEW.settings_version = OLD.settings_version THEN
    IF NEW.version <= OLD.version THEN
      NEW.version := OLD.version + 1;
    END IF;
    NEW.settings_version := NEW.version;
  END IF;
  RETURN NEW;
END
$$;

-- Every store is versioned here, not only those whose rate changes: a store at 0 % keeps the
-- same value, yet its row on devices still lacks `taxRatePpm` until they pull it again. Setting
-- settings_version ourselves (the store's next version) is what the trigger would do for a
-- changed setting.
UPDATE stores
   SET tax_rate_ppm = tax_rate_bps * 100,
       version = version + 1,
       settings_version = version + 1;

-- Dropped, not kept beside it: two columns for one setting could disagree (8.875 % has no exact
-- basis-point value), and nothing reads it any more. A device of an older version still sending
-- `taxRateBps` goes through store.updateSettings, which converts it.
ALTER TABLE stores DROP COLUMN tax_rate_bps;
