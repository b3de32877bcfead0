-- Tombstone purging. A tombstone may go once every active device of its store has pulled past
-- it: horizon = least(store version, min(last_pulled_version) of the store's devices seen in
-- p_inactive_after). Devices silent for longer do not hold tombstones back; if they come back
-- with an old cursor they get RESYNC_REQUIRED. stores.min_kept_version is raised to the
-- highest purged version: a pull with a non-zero cursor below it must resync.
-- Returns the number of tombstones purged per table.
CREATE FUNCTION purge_tombstones(p_inactive_after interval DEFAULT interval '30 days')
RETURNS TABLE (table_name text, purged bigint) LANGUAGE plpgsql AS $$
DECLARE
  tbl text;
  n bigint;
BEGIN
  PERFORM set_config('mango.audit_skip', 'on', true); -- purging is not a business change
  FOREACH tbl IN ARRAY ARRAY['staff', 'services', 'products', 'clients', 'appointments',
                             'tickets', 'ticket_lines', 'payments', 'refunds', 'gift_cards',
                             'gift_card_movements', 'turns', 'turn_events', 'walk_ins',
                             'cash_drawer_sessions', 'cash_movements']
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

REVOKE EXECUTE ON FUNCTION purge_tombstones(interval) FROM PUBLIC;
