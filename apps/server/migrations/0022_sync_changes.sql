-- Which tables each push changed (issues 19 and 20). A pull read every synced table — a
-- 17-branch UNION, each branch an index probe on (store_id, version) — whatever changed; at the
-- Phase 4 peak, pulls after pokes were most of the database's buffers. Each push transaction now
-- writes one row here: the versions it issued (from_version..to_version) and the entities it
-- wrote. A pull whose range of versions is covered by these rows, without a gap, reads only the
-- tables they name (apps/server/src/db/entity-store.ts readChangesSince). A version written by
-- anything else (admin tools, seeds, a test fixture) has no row here: its range is not covered and
-- the pull reads every table, as before — so no writer has to remember this table to stay
-- correct. Versions are never reused within an epoch, so a row stays true for as long as it is
-- kept; rows older than the retention are deleted (purge_sync_changes), which only makes older
-- cursors read every table.
CREATE TABLE sync_changes (
  store_id uuid NOT NULL,
  to_version bigint NOT NULL,
  from_version bigint NOT NULL,
  entities text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, to_version),
  CHECK (from_version <= to_version)
);
SELECT mango_secure_table('sync_changes');
CREATE POLICY tenant ON sync_changes TO mango_app
  USING (store_id = app_store_id()) WITH CHECK (store_id = app_store_id());
GRANT SELECT, INSERT ON sync_changes TO mango_app;

-- Retention (a maintenance job, as the owner): the rows of changes older than `p_keep`.
CREATE FUNCTION purge_sync_changes(p_keep interval DEFAULT interval '14 days')
RETURNS bigint LANGUAGE sql AS $$
  WITH gone AS (DELETE FROM sync_changes WHERE created_at < now() - p_keep RETURNING 1)
  SELECT count(*) FROM gone
$$;
REVOKE EXECUTE ON FUNCTION purge_sync_changes(interval) FROM PUBLIC;
