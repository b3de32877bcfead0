-- One table per synced entity (packages/domain/src/entities.ts; mapping in
-- apps/server/src/db/entity-tables.ts). Every table has the same sync columns:
--   store_id, id (made on the device), version (the store version of the row's last change),
--   deleted (tombstone), updated_at, data (the entity row as JSON; NULL for tombstones)
-- plus typed columns promoted from `data` for the fields that are queried (ListQuery fields,
-- reports, search). Money is bigint cents. The row itself always comes from `data`.
--
-- Partitioning (seed 3.2): tickets, ticket_lines, payments by HASH (store_id), 16 partitions
-- (a store's rows live in one partition; the key is in every query). appointments by RANGE
-- (start_at), monthly, with a DEFAULT partition (see ensure_monthly_partitions).

-- Common setup: the pull index, RLS (store-scoped), grants, audit.
CREATE FUNCTION mango_setup_entity_table(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  name text := (SELECT relname FROM pg_class WHERE oid = tbl);
BEGIN
  -- Pulls: keyset on (store_id, version).
  EXECUTE format('CREATE INDEX %I ON %s (store_id, version)', name || '_pull', tbl);
  PERFORM mango_secure_table(tbl);
  EXECUTE format('CREATE POLICY tenant ON %s TO mango_app '
                 'USING (store_id = app_store_id()) WITH CHECK (store_id = app_store_id())', tbl);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %s TO mango_app', tbl);
  PERFORM mango_attach_audit(tbl, 'store_id', '{id}', '{search,phone_digits_rev}', '{updated_at}');
END
$$;

CREATE FUNCTION mango_hash_partitions(tbl regclass, modulus integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  name text := (SELECT relname FROM pg_class WHERE oid = tbl);
BEGIN
  FOR r IN 0..modulus - 1 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                   name || '_p' || r, tbl, modulus, r);
    PERFORM mango_secure_table((name || '_p' || r)::regclass);
  END LOOP;
END
$$;

CREATE TABLE staff (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  display_name text,
  role text,
  active boolean,
  user_id uuid,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX staff_active ON staff (store_id) WHERE active AND NOT deleted;
CREATE INDEX staff_user ON staff (store_id, user_id) WHERE user_id IS NOT NULL;

CREATE TABLE services (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  name text,
  category text,
  duration_min integer,
  price_cents bigint,
  taxable boolean,
  active boolean,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX services_active ON services (store_id) WHERE active IS NOT FALSE AND NOT deleted;

CREATE TABLE products (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  name text,
  sku text,
  price_cents bigint,
  stock_count integer,
  taxable boolean,
  active boolean,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX products_sku ON products (store_id, sku) WHERE sku IS NOT NULL;
CREATE INDEX products_active ON products (store_id) WHERE active IS NOT FALSE AND NOT deleted;

-- Clients: name/email/phone search (GIN over a generated tsvector; to_tsvector with an explicit
-- configuration is IMMUTABLE), exact phone/email lookups, and partial phone lookups by digits:
-- leading digits (starts_with(phone_digits, '555')) or trailing digits
-- (starts_with(phone_digits_rev, reverse('4567'))), both btree text_pattern_ops.
-- Under RLS only LEAKPROOF operators may be index conditions: starts_with and text comparisons
-- are, LIKE, reverse() and the full-text match (@@) are not. Hence the stored reversed digits,
-- and full-text search through search_clients() below.
CREATE TABLE clients (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  first_name text,
  last_name text,
  phone text,
  email text,
  phone_digits text,
  phone_digits_rev text GENERATED ALWAYS AS (reverse(phone_digits)) STORED,
  search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig,
      coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
      coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(phone_digits, ''))
  ) STORED,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX clients_name ON clients (store_id, last_name, first_name) WHERE NOT deleted;
CREATE INDEX clients_phone ON clients (store_id, phone);
CREATE INDEX clients_email ON clients (store_id, email);
CREATE INDEX clients_phone_prefix ON clients (store_id, phone_digits text_pattern_ops)
  WHERE NOT deleted;
CREATE INDEX clients_phone_suffix ON clients (store_id, phone_digits_rev text_pattern_ops)
  WHERE NOT deleted;
CREATE INDEX clients_search ON clients USING gin (search);

CREATE TABLE appointments (
  store_id uuid NOT NULL REFERENCES stores (id),
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
  -- The partition key must be part of the key; an id is still unique per store because all
  -- writes of a store are serialized by its version row (see entity-store.ts put()).
  PRIMARY KEY (store_id, id, start_at)
) PARTITION BY RANGE (start_at);
CREATE TABLE appointments_default PARTITION OF appointments DEFAULT;
CREATE INDEX appointments_start ON appointments (store_id, start_at);
CREATE INDEX appointments_staff_start ON appointments (store_id, staff_id, start_at);
CREATE INDEX appointments_status ON appointments (store_id, status, start_at);
CREATE INDEX appointments_client ON appointments (store_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX appointments_ticket ON appointments (store_id, ticket_id) WHERE ticket_id IS NOT NULL;
SELECT mango_secure_table('appointments_default');

CREATE TABLE tickets (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  status text,
  client_id uuid,
  appointment_id uuid,
  subtotal_cents bigint,
  discount_cents bigint,
  tax_cents bigint,
  total_cents bigint,
  tip_cents bigint,
  paid_cents bigint,
  change_cents bigint,
  refunded_cents bigint,
  opened_at timestamptz,
  closed_at timestamptz,
  voided_at timestamptz,
  PRIMARY KEY (store_id, id)
) PARTITION BY HASH (store_id);
SELECT mango_hash_partitions('tickets', 16);
CREATE INDEX tickets_status ON tickets (store_id, status) WHERE NOT deleted;
CREATE INDEX tickets_closed ON tickets (store_id, closed_at DESC)
  WHERE closed_at IS NOT NULL AND NOT deleted;
CREATE INDEX tickets_opened ON tickets (store_id, opened_at);
CREATE INDEX tickets_client ON tickets (store_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX tickets_appointment ON tickets (store_id, appointment_id)
  WHERE appointment_id IS NOT NULL;

CREATE TABLE ticket_lines (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  ticket_id uuid,
  kind text,
  item_id uuid,
  staff_id uuid,
  quantity integer,
  unit_price_cents bigint,
  discount_cents bigint,
  line_total_cents bigint,
  comp boolean,
  taxable boolean,
  PRIMARY KEY (store_id, id)
) PARTITION BY HASH (store_id);
SELECT mango_hash_partitions('ticket_lines', 16);
CREATE INDEX ticket_lines_ticket ON ticket_lines (store_id, ticket_id);
CREATE INDEX ticket_lines_staff ON ticket_lines (store_id, staff_id) WHERE staff_id IS NOT NULL;

CREATE TABLE payments (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  ticket_id uuid,
  method text,
  amount_cents bigint,
  tip_cents bigint,
  change_cents bigint,
  gift_card_id uuid,
  cash_drawer_id uuid,
  created_at timestamptz,
  offline boolean,
  PRIMARY KEY (store_id, id)
) PARTITION BY HASH (store_id);
SELECT mango_hash_partitions('payments', 16);
CREATE INDEX payments_ticket ON payments (store_id, ticket_id);
CREATE INDEX payments_cash_drawer ON payments (store_id, cash_drawer_id)
  WHERE cash_drawer_id IS NOT NULL;
CREATE INDEX payments_gift_card ON payments (store_id, gift_card_id) WHERE gift_card_id IS NOT NULL;
CREATE INDEX payments_created ON payments (store_id, created_at);

CREATE TABLE refunds (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  ticket_id uuid,
  method text,
  amount_cents bigint,
  cash_drawer_id uuid,
  created_at timestamptz,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX refunds_ticket ON refunds (store_id, ticket_id);
CREATE INDEX refunds_cash_drawer ON refunds (store_id, cash_drawer_id)
  WHERE cash_drawer_id IS NOT NULL;
CREATE INDEX refunds_created ON refunds (store_id, created_at);

CREATE TABLE gift_cards (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  code text,
  status text,
  balance_cents bigint,
  initial_cents bigint,
  issued_at timestamptz,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX gift_cards_code ON gift_cards (store_id, code);

CREATE TABLE gift_card_movements (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  gift_card_id uuid,
  kind text,
  amount_cents bigint,
  ticket_id uuid,
  payment_id uuid,
  created_at timestamptz,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX gift_card_movements_card ON gift_card_movements (store_id, gift_card_id);

CREATE TABLE turns (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  staff_id uuid,
  business_date date,
  status text,
  half_turns integer,
  clock_in_at timestamptz,
  clock_out_at timestamptz,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX turns_day ON turns (store_id, business_date, staff_id);
CREATE INDEX turns_staff ON turns (store_id, staff_id);

CREATE TABLE turn_events (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  turn_id uuid,
  staff_id uuid,
  business_date date,
  kind text,
  half_turns integer,
  walk_in_id uuid,
  ticket_id uuid,
  occurred_at timestamptz,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX turn_events_day ON turn_events (store_id, business_date);
CREATE INDEX turn_events_turn ON turn_events (store_id, turn_id);

CREATE TABLE walk_ins (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  status text,
  business_date date,
  client_id uuid,
  service_id uuid,
  staff_id uuid,
  arrived_at timestamptz,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX walk_ins_day ON walk_ins (store_id, business_date, status);
CREATE INDEX walk_ins_status ON walk_ins (store_id, status) WHERE NOT deleted;

CREATE TABLE cash_drawer_sessions (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  status text,
  opened_at timestamptz,
  closed_at timestamptz,
  opened_by_staff_id uuid,
  float_cents bigint,
  counted_cents bigint,
  expected_cents bigint,
  over_short_cents bigint,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX cash_drawer_sessions_status ON cash_drawer_sessions (store_id, status)
  WHERE NOT deleted;

CREATE TABLE cash_movements (
  store_id uuid NOT NULL REFERENCES stores (id),
  id uuid NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  data jsonb,
  cash_drawer_id uuid,
  kind text,
  amount_cents bigint,
  occurred_at timestamptz,
  PRIMARY KEY (store_id, id)
);
CREATE INDEX cash_movements_drawer ON cash_movements (store_id, cash_drawer_id);

SELECT mango_setup_entity_table(t::regclass)
  FROM unnest(ARRAY['staff', 'services', 'products', 'clients', 'appointments', 'tickets',
                    'ticket_lines', 'payments', 'refunds', 'gift_cards', 'gift_card_movements',
                    'turns', 'turn_events', 'walk_ins', 'cash_drawer_sessions',
                    'cash_movements']) AS t;

-- The first months of appointments (the partition job keeps creating them ahead).
SELECT ensure_monthly_partitions('appointments', 3);

-- Full-text client search. The match operator is not LEAKPROOF, so under the app's RLS the
-- planner may not use the GIN index for it (it must check the policy first, row by row). This
-- function runs as the owner, where the index is usable, and applies the tenant filter itself:
-- the store asked for must be the transaction's store (app.store_id).
CREATE FUNCTION search_clients(p_store_id uuid, p_query tsquery, p_limit integer DEFAULT 50)
RETURNS SETOF jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH hits AS MATERIALIZED ( -- the matches (through the GIN index), at most 1 000
    SELECT c.id, c.data, c.first_name, c.last_name FROM clients c
     WHERE c.store_id = p_store_id AND p_store_id = app_store_id()
       AND NOT c.deleted AND c.search @@ p_query
     LIMIT 1000
  )
  SELECT data FROM hits ORDER BY last_name, first_name, id
   LIMIT least(greatest(p_limit, 1), 500)
$$;
REVOKE EXECUTE ON FUNCTION search_clients(uuid, tsquery, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_clients(uuid, tsquery, integer) TO mango_app;

REVOKE EXECUTE ON FUNCTION mango_setup_entity_table(regclass) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mango_hash_partitions(regclass, integer) FROM PUBLIC;
