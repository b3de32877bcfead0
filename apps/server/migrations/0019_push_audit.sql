-- Audit per mutation, not per row (issue 19). The row trigger (0001) wrote an audit_log row with
-- the old and new image of every row a push wrote: 63 % of a push's WAL bytes and 2.3 of its
-- 3.2 inserted rows per mutation. A push now writes its own audit: one record per applied
-- mutation — who (user, acting staff, approver, device), what (name, arguments), when (device
-- and server time) and every row it wrote with its before and after image — kept together as
-- one push_audit row per push transaction, so that the records of a push are one insert, and
-- PostgreSQL compresses them (TOAST) as one value: a ticket's before and after images repeat
-- each other and the records of one visit repeat the same ticket.
--
-- `mutation_audit` is the per-mutation view of it (one row per applied mutation); the log is
-- queried by entity with `changes @> '[{"entity": "ticket", "id": "…"}]'` over a store's
-- months (see docs/OPERATIONS.md).
CREATE TABLE push_audit (
  created_at timestamptz NOT NULL DEFAULT now(),
  store_id uuid NOT NULL,
  organization_id uuid,
  user_id uuid,
  device_id uuid NOT NULL,
  first_mutation_id bigint NOT NULL,
  last_mutation_id bigint NOT NULL,
  -- [{id, name, args, clientTime, staffId, approvedBy, changes: [{entity, id, before, after}]}]
  mutations jsonb NOT NULL
) PARTITION BY RANGE (created_at);
CREATE INDEX push_audit_store_time ON push_audit (store_id, created_at);
CREATE TABLE push_audit_default PARTITION OF push_audit DEFAULT;
SELECT mango_secure_table('push_audit');
SELECT mango_secure_table('push_audit_default');
CREATE POLICY tenant_read ON push_audit FOR SELECT TO mango_app
  USING (store_id = app_store_id()
         OR store_id IN (SELECT s.id FROM stores s WHERE s.organization_id = app_org_id()));
CREATE POLICY tenant_append ON push_audit FOR INSERT TO mango_app
  WITH CHECK (store_id = app_store_id());
-- Append only, as audit_log: never updated or deleted by the app.
GRANT SELECT, INSERT ON push_audit TO mango_app;
SELECT ensure_monthly_partitions('push_audit', 3);

CREATE VIEW mutation_audit WITH (security_invoker = true) AS
SELECT p.created_at,
       p.store_id,
       p.organization_id,
       p.user_id,
       p.device_id,
       (m ->> 'id')::bigint AS mutation_id,
       m ->> 'name' AS name,
       nullif(m ->> 'staffId', '')::uuid AS staff_id,
       nullif(m ->> 'approvedBy', '')::uuid AS approved_by,
       m ->> 'clientTime' AS client_time,
       m -> 'args' AS args,
       m -> 'changes' AS changes
  FROM push_audit p
 CROSS JOIN LATERAL jsonb_array_elements(p.mutations) AS m;
GRANT SELECT ON mutation_audit TO mango_app;

-- The push marks its transaction `app.audit = 'push'` (transaction-local, with the tenant) and
-- writes push_audit itself; the row trigger stays for every other writer (admin tools, the
-- demo seed, a per-mutation retry of a push whose batch hit a data error). The WHEN clause is
-- evaluated without calling the trigger function, so the push pays nothing for it.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT c.relname AS tbl,
           CASE c.relname WHEN 'stores' THEN 'id' ELSE 'store_id' END AS store_col,
           CASE c.relname WHEN 'stores' THEN '{}' WHEN 'devices' THEN '{}'
                ELSE '{search,phone_digits_rev}' END AS omit_cols,
           CASE c.relname WHEN 'stores' THEN '{version,updated_at}'
                WHEN 'devices' THEN '{last_mutation_id,last_pulled_version,last_seen_at}'
                ELSE '{updated_at}' END AS ignore_cols
      FROM pg_class c
     WHERE c.relname IN ('stores', 'devices', 'staff', 'services', 'products', 'clients',
                         'appointments', 'tickets', 'ticket_lines', 'payments', 'refunds',
                         'gift_cards', 'gift_card_movements', 'turns', 'turn_events', 'walk_ins',
                         'cash_drawer_sessions', 'cash_movements')
       AND c.relkind IN ('r', 'p')
       AND c.relnamespace = 'public'::regnamespace
  LOOP
    EXECUTE format('DROP TRIGGER audit ON %I', t.tbl);
    EXECUTE format(
      'CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW '
      'WHEN (current_setting(''app.audit'', true) IS DISTINCT FROM ''push'') '
      'EXECUTE FUNCTION mango_audit(%L, %L, %L, %L, %L)',
      t.tbl, t.tbl, t.store_col, '{id}', t.omit_cols, t.ignore_cols);
  END LOOP;
END
$$;

-- Retention covers both logs: whole months past the window are dropped, in either parent.
CREATE OR REPLACE FUNCTION drop_old_audit_partitions(p_retention_months integer, p_now timestamptz DEFAULT now())
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  cutoff timestamp := date_trunc('month', p_now AT TIME ZONE 'UTC')
                      - make_interval(months => p_retention_months);
  part record;
BEGIN
  FOR part IN
    SELECT c.relname, p.relname AS parent
      FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      JOIN pg_class p ON p.oid = i.inhparent
     WHERE p.relname IN ('audit_log', 'push_audit')
       AND c.relname ~ ('^' || p.relname || '_p\d{4}_\d{2}$')
     ORDER BY c.relname
  LOOP
    -- The partition for month M holds [M, M + 1 month): droppable when M + 1 month <= cutoff.
    IF to_date(right(part.relname, 7), 'YYYY_MM')::timestamp + interval '1 month' <= cutoff THEN
      EXECUTE format('DROP TABLE %I', part.relname);
      RETURN NEXT part.relname;
    END IF;
  END LOOP;
  DELETE FROM audit_log_default WHERE created_at < cutoff AT TIME ZONE 'UTC';
  DELETE FROM push_audit_default WHERE created_at < cutoff AT TIME ZONE 'UTC';
END
$$;
REVOKE EXECUTE ON FUNCTION drop_old_audit_partitions(integer, timestamptz) FROM PUBLIC;
