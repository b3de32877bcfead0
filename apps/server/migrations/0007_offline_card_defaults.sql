-- Offline card payments (issue 12): new stores allow a card payment taken offline up to $100, and up
-- to $500 per device before it syncs (Square's defaults). Existing stores keep what they chose: a
-- cap of 0 may be deliberate (offline cards refused), so it is not rewritten here.
ALTER TABLE stores
  ALTER COLUMN offline_card_max_per_payment_cents SET DEFAULT 10000,
  ALTER COLUMN offline_card_max_per_device_cents SET DEFAULT 50000;
