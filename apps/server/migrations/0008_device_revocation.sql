-- Device revocation (issue 8): an owner or manager can revoke a lost or retired device. The row is
-- kept (its last mutation id and its rejected mutations still refer to it) and marked instead, so
-- the same id can never sync or register again; a revoked tablet registers afresh under a new id.
ALTER TABLE devices ADD COLUMN revoked_at timestamptz;
ALTER TABLE devices ADD COLUMN revoked_by uuid REFERENCES users (id);
