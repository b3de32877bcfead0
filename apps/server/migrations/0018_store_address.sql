-- The store's postal address (store.updateSettings `address`): printed under the store's name on
-- every receipt. Multi-line text, at most 300 characters (the mutator's rule); empty means none,
-- as for stores made before it existed. stores_before_write (0012) compares whole rows, so a
-- changed address bumps the store version and reaches every device.
ALTER TABLE stores ADD COLUMN address text NOT NULL DEFAULT '';
