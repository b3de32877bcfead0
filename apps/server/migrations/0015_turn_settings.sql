-- Turn settings: whether a technician's appointments count on the turn list when their ticket
-- closes (store.updateSettings `appointmentsCountAsTurns`). Off by default, as an absent setting
-- meant: most nail salons count only walk-ins. Half turns need no column of their own: a service
-- below full_turn_threshold_cents counts half, and a threshold of 0 makes every turn full.
-- stores_before_write (0012) compares whole rows, so changing it bumps the store version.
ALTER TABLE stores ADD COLUMN appointments_count_as_turns boolean NOT NULL DEFAULT false;
