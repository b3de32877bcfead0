-- Sync epoch: which history of the store a device's pull cursor belongs to. A point-in-time
-- restore (or a failover to a replica that had not received the last commits) rewinds a store's
-- versions, and the versions after the restore point are then issued again to new writes: a
-- device holding a cursor from the lost history would skip them. `admin new-sync-epoch` gives
-- the store(s) a new epoch after such a recovery; a pull with another epoch gets 409
-- RESYNC_REQUIRED, and the device re-pushes what it had acknowledged past the restore point
-- (it keeps those mutations for a while) and hydrates again. Random, never a counter: a second
-- restore to before the first one must not bring an epoch back that devices still hold.
ALTER TABLE stores ADD COLUMN sync_epoch uuid NOT NULL DEFAULT gen_random_uuid();
