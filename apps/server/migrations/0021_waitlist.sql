-- The waitlist (issue 23): clients waiting for a time that is not free yet, the synced entity
-- `waitlistEntry` (packages/domain/src/entities.ts; mapping in apps/server/src/db/entity-tables.ts).
-- Set up as every synced table is after 0020: the sync columns, the pull index, store-scoped RLS
-- and grants (mango_setup_entity_table, 0003), no foreign key to stores (0020's header says why),
-- the audit trigger that stands aside for the push's own audit (0019), and the tombstone purge,
-- which from now on finds the synced tables itself.
CREATE TABLE waitlist_entries (
  store_id uuid NOT NULL,
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  status text,
  client_id uuid,
  staff_id uuid,
  from_date date,
  to_date date,
  appointment_id uuid,
  created_at timestamptz,
  PRIMARY KEY (store_id, id)
);
-- The desk's list: the waiting entries, by when they expire.
CREATE INDEX waitlist_entries_status ON waitlist_entries (store_id, status, to_date);
CREATE INDEX waitlist_entries_client ON waitlist_entries (store_id, client_id);
SELECT mango_setup_entity_table('waitlist_entries');
DROP TRIGGER audit ON waitlist_entries;
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON waitlist_entries FOR EACH ROW
  WHEN (current_setting('app.audit', true) IS DISTINCT FROM 'push')
  EXECUTE FUNCTION mango_audit('waitlist_entries', 'store_id', '{id}', '{search,phone_digits_rev}',
                               '{updated_at}');

-- 0005's purge, over every synced table instead of a list written out: a table added later (as
-- this one) is purged without a copy of the function. A synced table is one with the sync
-- columns (0003); partitions are reached through their parent.
CREATE OR REPLACE FUNCTION purge_tombstones(p_inactive_after interval DEFAULT interval '30 days')
RETURNS TABLE (table_name text, purged bigint) LANGUAGE plpgsql AS $$
DECLARE
  tbl text;
  n bigint;
BEGIN
  PERFORM set_config('mango.audit_skip', 'on', true); -- purging is not a business change
  FOR tbl IN
    SELECT c.relname::text
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace
       AND c.relkind IN ('r', 'p')
       AND NOT c.relispartition
       AND (SELECT count(*) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND NOT a.attisdropped
               AND a.attname IN ('store_id', 'id', 'version', 'deleted', 'updated_at', 'data')) = 6
     ORDER BY c.relname
  LOOP
    EXECUTE format($q$
      WITH horizon AS (
        SELECT s.id AS store_id,
               least(s.version, coalesce(min(d.last_pulled_version), s.version)) AS horizon
          FROM stores s
          LEFT JOIN devices d
            ON d.store_id = s.id AND coalesce(d.last_seen_at, d.created_at) > now() - $1
         GROUP BY s.id, s.version
      ),
      del AS (
        DELETE FROM %I t USING horizon h
         WHERE t.store_id = h.store_id AND t.deleted AND t.version <= h.horizon
        RETURNING t.store_id, t.version
      ),
      per_store AS (
        SELECT store_id, max(version) AS max_version, count(*) AS n FROM del GROUP BY store_id
      ),
      raised AS (
        UPDATE stores s SET min_kept_version = p.max_version
          FROM per_store p
         WHERE s.id = p.store_id AND s.min_kept_version < p.max_version
      )
      SELECT coalesce(sum(n), 0)::bigint FROM per_store
    $q$, tbl) INTO n USING p_inactive_after;
    table_name := tbl;
    purged := n;
    RETURN NEXT;
  END LOOP;
  PERFORM set_config('mango.audit_skip', '', true);
END
$$;
