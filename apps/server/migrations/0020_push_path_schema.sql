-- The synced tables' foreign keys to stores (0003) cost a lookup in stores' primary key for every
-- row a push inserts or moves (2.3 per mutation, counted in issue 19), and guard nothing a push
-- does not already guarantee: the push holds the store's row lock (`for update`) and every row it
-- writes passes the RLS WITH CHECK `store_id = app_store_id()`, the store it locked. Stores are
-- never deleted by the app (no DELETE grant); a shard move deletes a tenant's rows in every
-- table itself. Other tables (devices, memberships, tokens, PINs) keep theirs.
DO $$
DECLARE
  fk record;
BEGIN
  FOR fk IN
    SELECT c.conname, t.relname
      FROM pg_constraint c
      JOIN pg_class t ON t.oid = c.conrelid
     WHERE c.contype = 'f'
       AND c.confrelid = 'stores'::regclass
       AND c.conparentid = 0
       AND t.relname IN ('staff', 'services', 'products', 'clients', 'appointments', 'tickets',
                         'ticket_lines', 'payments', 'refunds', 'gift_cards',
                         'gift_card_movements', 'turns', 'turn_events', 'walk_ins',
                         'cash_drawer_sessions', 'cash_movements')
  LOOP
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', fk.relname, fk.conname);
  END LOOP;
END
$$;

-- Appointments by store, not by month. A push reads and writes appointments by id, without the
-- start (a reschedule does not know the old one): under RANGE (start_at) partitioning every such
-- lookup visited every month's partition (43 % of a push's relation scans, issue 19), and a write
-- was an update then an insert because the key had to include start_at. Partitioned by
-- HASH (store_id) like tickets, a lookup by id and the book's time queries — (store_id, start_at)
-- ranges — each touch the one partition of the store. Old appointments stay (client history), so
-- dropping whole months was never used for them; the audit logs keep their monthly partitions.
SELECT set_config('mango.audit_skip', 'on', true); -- moving rows is not a business change

ALTER TABLE appointments RENAME TO appointments_by_month;
CREATE TABLE appointments (
  store_id uuid NOT NULL,
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  staff_id uuid,
  service_id uuid,
  client_id uuid,
  status text,
  start_at timestamptz NOT NULL,
  end_at timestamptz,
  duration_min integer,
  conflict boolean,
  ticket_id uuid,
  PRIMARY KEY (store_id, id)
) PARTITION BY HASH (store_id);
SELECT mango_hash_partitions('appointments', 16);
INSERT INTO appointments (store_id, id, version, deleted, updated_at, data, staff_id, service_id,
                          client_id, status, start_at, end_at, duration_min, conflict, ticket_id)
SELECT store_id, id, version, deleted, updated_at, data, staff_id, service_id,
       client_id, status, start_at, end_at, duration_min, conflict, ticket_id
  FROM appointments_by_month;
DROP TABLE appointments_by_month;

CREATE INDEX appointments_start ON appointments (store_id, start_at);
CREATE INDEX appointments_staff_start ON appointments (store_id, staff_id, start_at);
CREATE INDEX appointments_status ON appointments (store_id, status, start_at);
CREATE INDEX appointments_client ON appointments (store_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX appointments_ticket ON appointments (store_id, ticket_id) WHERE ticket_id IS NOT NULL;
SELECT mango_setup_entity_table('appointments');
-- The audit trigger as 0019 has it on every synced table: the push audits itself.
DROP TRIGGER audit ON appointments;
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON appointments FOR EACH ROW
  WHEN (current_setting('app.audit', true) IS DISTINCT FROM 'push')
  EXECUTE FUNCTION mango_audit('appointments', 'store_id', '{id}', '{search,phone_digits_rev}',
                               '{updated_at}');
SELECT set_config('mango.audit_skip', '', true);
