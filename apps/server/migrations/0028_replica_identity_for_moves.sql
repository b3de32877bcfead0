-- Tenant moves by logical replication (issue 24, apps/server/src/shards/move.ts). A move
-- publishes one organization's rows with a row filter; PostgreSQL then refuses every UPDATE and
-- DELETE on a published table whose filter column is not part of its replica identity — for all
-- tenants of the shard, not only the one moving. These mutable tables are found by a column
-- outside their primary key (users and devices by organization_id, refresh tokens by user_id),
-- so they log their whole old row instead. This costs WAL only while wal_level = logical: below
-- that, PostgreSQL writes no replica identity at all. (Append-only tables — audit_log,
-- push_audit, client_errors, online_booking_tokens — are published for inserts only and need
-- none; every other table's filter column, store_id or id, is in its primary key.)
ALTER TABLE users REPLICA IDENTITY FULL;
ALTER TABLE devices REPLICA IDENTITY FULL;
ALTER TABLE refresh_tokens REPLICA IDENTITY FULL;
