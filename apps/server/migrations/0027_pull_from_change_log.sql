-- Pulls served from the change log; no (store_id, version) index on the synced tables (issue 19).
--
-- Every synced table had a `<table>_pull` index on (store_id, version) for the pull's keyset.
-- Each push rewrites `version` on every row it touches, so every update re-inserted the row into
-- every index of its table (no HOT update) and every insert paid one more index entry. The
-- change log (`sync_changes`, 0022) now records the ids each push transaction wrote, grouped by
-- entity in the order of `entities` (`id_counts[i]` ids of `entities[i]`): a pull reads the log
-- after its cursor and the rows by primary key (apps/server/src/db/change-log.ts keyedPage).
-- Entries written before this migration have no ids: a pull over them reads the tables they
-- name without an index on version (as slow as the store is big, gone with the retention).
ALTER TABLE sync_changes ADD COLUMN ids uuid[], ADD COLUMN id_counts integer[];

-- The retention job now also raises the stores' min_kept_version past the entries it deletes:
-- a cursor older than the kept log is answered RESYNC_REQUIRED (the device pushes, then syncs
-- again from a snapshot) instead of a read of every table without an index.
CREATE OR REPLACE FUNCTION purge_sync_changes(p_keep interval DEFAULT interval '14 days')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  PERFORM set_config('mango.audit_skip', 'on', true); -- retention is not a business change
  WITH gone AS (
    DELETE FROM sync_changes WHERE created_at < now() - p_keep RETURNING store_id, to_version
  ),
  per_store AS (
    SELECT store_id, max(to_version) AS max_version, count(*) AS n FROM gone GROUP BY store_id
  ),
  raised AS (
    UPDATE stores s SET min_kept_version = p.max_version
      FROM per_store p
     WHERE s.id = p.store_id AND s.min_kept_version < p.max_version
  )
  SELECT coalesce(sum(per_store.n), 0)::bigint INTO n FROM per_store;
  RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION purge_sync_changes(interval) FROM PUBLIC;

-- The pull indexes go. The tombstone purge (purge_tombstones) found its rows through them; a
-- partial index of the tombstones alone keeps it from reading whole tables. Its columns
-- (store_id, and `deleted` in its predicate) do not change on an ordinary update, so updates
-- that change `version`, `data` and unindexed columns can be HOT.
DO $$
DECLARE
  tbl text;
BEGIN
  FOR tbl IN
    SELECT c.relname::text
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace
       AND c.relkind IN ('r', 'p')
       AND NOT c.relispartition
       AND (SELECT count(*) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND NOT a.attisdropped
               AND a.attname IN ('store_id', 'id', 'version', 'deleted', 'updated_at', 'data')) = 6
  LOOP
    EXECUTE format('DROP INDEX IF EXISTS %I', tbl || '_pull');
    EXECUTE format('CREATE INDEX %I ON %I (store_id) WHERE deleted', tbl || '_tombstones', tbl);
  END LOOP;
END
$$;

-- Tables made later are set up the same way (0021 waitlist_entries used this function).
CREATE OR REPLACE FUNCTION mango_setup_entity_table(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  name text := (SELECT relname FROM pg_class WHERE oid = tbl);
BEGIN
  EXECUTE format('CREATE INDEX %I ON %s (store_id) WHERE deleted', name || '_tombstones', tbl);
  PERFORM mango_secure_table(tbl);
  EXECUTE format('CREATE POLICY tenant ON %s TO mango_app '
                 'USING (store_id = app_store_id()) WITH CHECK (store_id = app_store_id())', tbl);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %s TO mango_app', tbl);
  PERFORM mango_attach_audit(tbl, 'store_id', '{id}', '{search,phone_digits_rev}', '{updated_at}');
END
$$;
REVOKE EXECUTE ON FUNCTION mango_setup_entity_table(regclass) FROM PUBLIC;

-- A ticket is updated several times per visit (lines, payments, close): room on its page for
-- the new version, so that the update can stay HOT. Set on each partition (a partitioned table
-- takes no storage parameters); pages written from now on keep 10 % free.
DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'tickets'::regclass LOOP
    EXECUTE format('ALTER TABLE %s SET (fillfactor = 90)', part);
  END LOOP;
END
$$;
