-- Foundation: roles, tenant-context helpers, the audit log, and the helpers every later
-- migration uses to secure a table (RLS), audit it and create partitions.
-- Runs as the tables' owner. See apps/server/src/db/README.md for the design.

-- Roles ---------------------------------------------------------------------------------------
-- mango_app: what the server logs in as. Not the owner, not superuser, no BYPASSRLS.
-- mango_maintenance: a NOLOGIN group; its members (a non-superuser owner) pass RLS, because
-- RLS is FORCED on every table, which would otherwise hide rows from the owner's jobs too.
-- Roles are cluster-wide: they may already exist (another database of the cluster created
-- them); that is fine, but an existing mango_app with dangerous attributes is refused.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mango_app') THEN
    BEGIN
      CREATE ROLE mango_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- created concurrently by a migration of another database
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mango_maintenance') THEN
    BEGIN
      CREATE ROLE mango_maintenance NOLOGIN NOSUPERUSER NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
  IF EXISTS (
    SELECT 1 FROM pg_roles
    WHERE rolname = 'mango_app' AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb)
  ) THEN
    RAISE EXCEPTION 'role mango_app exists with SUPERUSER, BYPASSRLS, CREATEROLE or CREATEDB; '
      'the application role must have none of these (ALTER ROLE mango_app NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB)';
  END IF;
  IF EXISTS (
    SELECT 1 FROM pg_auth_members m
    JOIN pg_roles r ON r.oid = m.roleid
    JOIN pg_roles u ON u.oid = m.member
    WHERE u.rolname = 'mango_app'
  ) THEN
    RAISE EXCEPTION 'role mango_app must not be a member of any role (it would inherit privileges or RLS exemptions)';
  END IF;
  -- A non-superuser owner joins mango_maintenance so that its jobs see every row.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT mango_maintenance TO %I', current_user);
  END IF;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO mango_app;

-- Tenant context ------------------------------------------------------------------------------
-- Set per transaction with set_config(name, value, true) by the server (db.ts). '' = not set.
-- Plain SQL functions, STABLE: the planner inlines them, so `store_id = app_store_id()` in a
-- policy is an index condition and prunes partitions like a parameter would.
CREATE FUNCTION app_store_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.store_id', true), '')::uuid $$;
CREATE FUNCTION app_org_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.org_id', true), '')::uuid $$;
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
CREATE FUNCTION app_staff_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.staff_id', true), '')::uuid $$;
CREATE FUNCTION app_device_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('app.device_id', true), '')::uuid $$;

-- Securing a table ----------------------------------------------------------------------------
-- RLS enabled and FORCED (the owner is subject to it too), plus the maintenance policy.
-- Tenant policies are added per table. Partitions get this too: reached through their parent
-- they follow the parent's policies; reached directly they deny the app everything.
CREATE FUNCTION mango_secure_table(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format(
    'CREATE POLICY maintenance_all ON %s TO mango_maintenance USING (true) WITH CHECK (true)', tbl);
END
$$;

-- Audit log (seed 5.1) ------------------------------------------------------------------------
CREATE SEQUENCE audit_log_id_seq AS bigint;

CREATE TABLE audit_log (
  id bigint NOT NULL DEFAULT nextval('audit_log_id_seq'),
  created_at timestamptz NOT NULL DEFAULT now(),
  store_id uuid,
  organization_id uuid,
  user_id uuid,
  staff_id uuid,
  device_id uuid,
  table_name text NOT NULL,
  row_id text NOT NULL,
  operation text NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
  old_data jsonb,
  new_data jsonb,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;
CREATE INDEX audit_log_store_time ON audit_log (store_id, created_at);
CREATE INDEX audit_log_row ON audit_log (table_name, row_id);
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

SELECT mango_secure_table('audit_log');
SELECT mango_secure_table('audit_log_default');
-- The app reads its store's log, or with an organization context its organization's (stores
-- and store-less rows). It may append rows (the audit trigger runs as the acting role) but
-- never update or delete them. The policies are completed in 0002 once `stores` exists.
GRANT SELECT, INSERT ON audit_log TO mango_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO mango_app;

-- The trigger runs as the acting role (not SECURITY DEFINER), so it can tell the app from the
-- owner: maintenance jobs that move or purge rows set mango.audit_skip = 'on' locally, and that
-- switch is ignored for mango_app, so the app can never silence its own audit trail.
-- Arguments: table name, column holding the store id ('' = none), key columns, columns left
-- out of the record (secrets, derived), columns whose changes alone are not worth a row
-- (sync bookkeeping such as stores.version).
CREATE FUNCTION mango_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tbl text := TG_ARGV[0];
  store_col text := TG_ARGV[1];
  key_cols text[] := TG_ARGV[2]::text[];
  omit_cols text[] := TG_ARGV[3]::text[];
  ignore_cols text[] := TG_ARGV[4]::text[];
  old_row jsonb;
  new_row jsonb;
  rec jsonb;
  row_key text;
BEGIN
  IF current_setting('mango.audit_skip', true) = 'on' AND current_user <> 'mango_app' THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - omit_cols; END IF;
  IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - omit_cols; END IF;
  IF TG_OP = 'UPDATE' AND (old_row - ignore_cols) = (new_row - ignore_cols) THEN
    RETURN NULL;
  END IF;
  rec := coalesce(new_row, old_row);
  SELECT string_agg(coalesce(rec ->> k, ''), ':' ORDER BY ord) INTO row_key
    FROM unnest(key_cols) WITH ORDINALITY AS u(k, ord);
  INSERT INTO audit_log (store_id, organization_id, user_id, staff_id, device_id,
                         table_name, row_id, operation, old_data, new_data)
  VALUES (
    CASE WHEN store_col = '' THEN NULL ELSE (rec ->> store_col)::uuid END,
    coalesce((rec ->> 'organization_id')::uuid, app_org_id()),
    app_user_id(), app_staff_id(), app_device_id(),
    tbl, row_key, TG_OP, old_row, new_row);
  RETURN NULL;
END
$$;

CREATE FUNCTION mango_attach_audit(
  tbl regclass, store_col text, key_cols text[],
  omit_cols text[] DEFAULT '{}', ignore_cols text[] DEFAULT '{}'
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(
    'CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW '
    'EXECUTE FUNCTION mango_audit(%L, %L, %L, %L, %L)',
    tbl, (SELECT relname FROM pg_class WHERE oid = tbl), store_col,
    key_cols::text, omit_cols::text, ignore_cols::text);
END
$$;

-- Monthly range partitions (seed 3.2) ---------------------------------------------------------
-- Creates <parent>_pYYYY_MM for the month of p_from (UTC) and the p_months_ahead next ones.
-- Rows that already landed in <parent>_default for such a month are moved into the new
-- partition first (PostgreSQL refuses a partition whose range overlaps rows in the default).
-- Returns the partitions created.
CREATE FUNCTION ensure_monthly_partitions(
  p_parent regclass, p_months_ahead integer, p_from timestamptz DEFAULT now()
) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  parent_name text := (SELECT relname FROM pg_class WHERE oid = p_parent);
  default_name text := parent_name || '_default';
  key_col text;
  first_month timestamp := date_trunc('month', p_from AT TIME ZONE 'UTC');
  lo timestamp;
  hi timestamp;
  part text;
  has_rows boolean;
BEGIN
  SELECT a.attname INTO key_col
    FROM pg_partitioned_table pt
    JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
   WHERE pt.partrelid = p_parent AND pt.partstrat = 'r';
  IF key_col IS NULL THEN
    RAISE EXCEPTION '% is not range partitioned', p_parent;
  END IF;
  PERFORM set_config('mango.audit_skip', 'on', true); -- moving rows is not a business change
  FOR i IN 0..p_months_ahead LOOP
    lo := first_month + make_interval(months => i);
    hi := lo + interval '1 month';
    part := format('%s_p%s', parent_name, to_char(lo, 'YYYY_MM'));
    CONTINUE WHEN to_regclass(part) IS NOT NULL;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)',
                   default_name, key_col, key_col)
      INTO has_rows USING lo AT TIME ZONE 'UTC', hi AT TIME ZONE 'UTC';
    IF has_rows THEN
      EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                     part, parent_name);
      EXECUTE format(
        'WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) '
        'INSERT INTO %I SELECT * FROM moved', default_name, key_col, key_col, part)
        USING lo AT TIME ZONE 'UTC', hi AT TIME ZONE 'UTC';
      EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                     parent_name, part, lo::text || '+00', hi::text || '+00');
    ELSE
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                     part, parent_name, lo::text || '+00', hi::text || '+00');
    END IF;
    PERFORM mango_secure_table(part::regclass);
    RETURN NEXT part;
  END LOOP;
  PERFORM set_config('mango.audit_skip', '', true);
END
$$;

-- Drops audit_log partitions whose whole month is older than p_retention_months before the
-- month of p_now, and deletes such rows from the default partition. Returns the dropped names.
CREATE FUNCTION drop_old_audit_partitions(p_retention_months integer, p_now timestamptz DEFAULT now())
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  cutoff timestamp := date_trunc('month', p_now AT TIME ZONE 'UTC')
                      - make_interval(months => p_retention_months);
  part record;
BEGIN
  FOR part IN
    SELECT c.relname
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'audit_log'::regclass AND c.relname ~ '^audit_log_p\d{4}_\d{2}$'
     ORDER BY c.relname
  LOOP
    -- The partition for month M holds [M, M + 1 month): droppable when M + 1 month <= cutoff.
    IF to_date(substr(part.relname, 12), 'YYYY_MM')::timestamp + interval '1 month' <= cutoff THEN
      EXECUTE format('DROP TABLE %I', part.relname);
      RETURN NEXT part.relname;
    END IF;
  END LOOP;
  DELETE FROM audit_log_default WHERE created_at < cutoff AT TIME ZONE 'UTC';
END
$$;

SELECT ensure_monthly_partitions('audit_log', 3);

-- Maintenance functions are the owner's: not callable by the app.
REVOKE EXECUTE ON FUNCTION mango_secure_table(regclass) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION mango_attach_audit(regclass, text, text[], text[], text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ensure_monthly_partitions(regclass, integer, timestamptz) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION drop_old_audit_partitions(integer, timestamptz) FROM PUBLIC;
