-- Retail stock settings (store.updateSettings): `allow_negative_stock` lets the desk sell a
-- product past zero in stock (it then only warns; off by default: the device refuses with
-- OUT_OF_STOCK), and `low_stock_at` is the count at or below which a product is listed as low
-- (3 by default, DEFAULT_LOW_STOCK_AT in packages/domain/src/stock.ts). The server itself never
-- refuses a sale on stock: two desks selling the last unit offline must both keep their sale, so a
-- product's count may go negative whatever the setting (stock.ts explains why).
-- Products keep their own threshold, received deliveries and counts in their row's data (the
-- stock_count column already exists); refunds keep their lines and tax there too. Nothing else
-- needs a column. stores_before_write (0012) compares whole rows, so a changed setting bumps the
-- store version and reaches every device.
ALTER TABLE stores ADD COLUMN allow_negative_stock boolean NOT NULL DEFAULT false;
ALTER TABLE stores ADD COLUMN low_stock_at integer NOT NULL DEFAULT 3;
