-- Tenancy and authentication: organizations, stores, users and their store roles, refresh
-- tokens, devices, staff PINs and rejected mutations; their RLS policies, grants, audit
-- triggers, and the narrow SECURITY DEFINER lookups auth needs before any tenant context.

CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A store is a tenant's location and also the synced `store` entity (its settings columns).
-- version: the store version, +1 per committed write (the sync server bumps it).
-- settings_version: the store version of the last change to the settings (the `store` row's
--   version in pulls); see stores_before_write.
-- min_kept_version: tombstones at or below it may have been purged; a pull whose cursor is
--   non-zero and below it must resync (RESYNC_REQUIRED).
CREATE TABLE stores (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  tax_rate_bps integer NOT NULL DEFAULT 0 CHECK (tax_rate_bps BETWEEN 0 AND 100000),
  time_zone text NOT NULL DEFAULT 'UTC',
  plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro', 'enterprise')),
  full_turn_threshold_cents bigint NOT NULL DEFAULT 0 CHECK (full_turn_threshold_cents >= 0),
  offline_card_max_per_payment_cents bigint NOT NULL DEFAULT 0
    CHECK (offline_card_max_per_payment_cents >= 0),
  offline_card_max_per_device_cents bigint NOT NULL DEFAULT 0
    CHECK (offline_card_max_per_device_cents >= 0),
  version bigint NOT NULL DEFAULT 0,
  settings_version bigint NOT NULL DEFAULT 0,
  min_kept_version bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stores_organization ON stores (organization_id);

-- Keeps the `store` row visible to pulls:
-- - a new store starts at version 1 with its settings at version 1, so the first pull
--   (cursor 0) hydrates it;
-- - a settings change whose caller did not version it (settings_version unchanged, e.g. an
--   admin tool) bumps the store version and versions the settings with it. The sync path
--   (MutatorTx.put('store', …)) sets settings_version itself to the push's version.
CREATE FUNCTION stores_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM now() AT TIME ZONE NEW.time_zone; -- raises on an unknown time zone
  IF TG_OP = 'INSERT' THEN
    NEW.version := greatest(NEW.version, 1);
    NEW.settings_version := NEW.version;
    RETURN NEW;
  END IF;
  NEW.updated_at := now();
  IF (NEW.name, NEW.currency, NEW.tax_rate_bps, NEW.time_zone, NEW.plan,
      NEW.full_turn_threshold_cents, NEW.offline_card_max_per_payment_cents,
      NEW.offline_card_max_per_device_cents, NEW.organization_id)
     IS DISTINCT FROM
     (OLD.name, OLD.currency, OLD.tax_rate_bps, OLD.time_zone, OLD.plan,
      OLD.full_turn_threshold_cents, OLD.offline_card_max_per_payment_cents,
      OLD.offline_card_max_per_device_cents, OLD.organization_id)
     AND NEW.settings_version = OLD.settings_version THEN
    IF NEW.version <= OLD.version THEN
      NEW.version := OLD.version + 1;
    END IF;
    NEW.settings_version := NEW.version;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER stores_before_write BEFORE INSERT OR UPDATE ON stores
  FOR EACH ROW EXECUTE FUNCTION stores_before_write();

CREATE TABLE users (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  email text NOT NULL CHECK (email <> ''),
  display_name text,
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique across all organizations, case-insensitively (login is by email alone).
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_organization ON users (organization_id);

CREATE TABLE user_store_roles (
  user_id uuid NOT NULL REFERENCES users (id),
  store_id uuid NOT NULL REFERENCES stores (id),
  role text NOT NULL CHECK (role IN ('owner', 'manager', 'front_desk', 'technician')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, store_id)
);
CREATE INDEX user_store_roles_store ON user_store_roles (store_id);

-- Refresh tokens rotate: each use marks the token rotated and issues a new one in the same
-- family; reuse of a rotated token revokes the family.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  family_id uuid NOT NULL,
  token_hash text NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  rotated_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- A device (one install of the POS). Its id is made on the device.
-- last_mutation_id: the push bookkeeping; last_pulled_version: the highest cursor the device
-- has pulled to (the sync server updates it; tombstone purging waits for every active device).
CREATE TABLE devices (
  id uuid PRIMARY KEY,
  store_id uuid NOT NULL REFERENCES stores (id),
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL DEFAULT '',
  last_mutation_id bigint NOT NULL DEFAULT 0,
  last_pulled_version bigint NOT NULL DEFAULT 0,
  registered_by uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz
);
CREATE INDEX devices_store ON devices (store_id);

CREATE TABLE staff_pins (
  store_id uuid NOT NULL REFERENCES stores (id),
  staff_id uuid NOT NULL,
  pin_hash text NOT NULL,
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, staff_id)
);

-- Permanent rejections of pushed mutations, shown to people until acknowledged.
CREATE TABLE rejected_mutations (
  store_id uuid NOT NULL REFERENCES stores (id),
  device_id uuid NOT NULL REFERENCES devices (id),
  mutation_id bigint NOT NULL,
  name text NOT NULL,
  code text NOT NULL,
  message text NOT NULL,
  details jsonb,
  acknowledged_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, device_id, mutation_id)
);
CREATE INDEX rejected_mutations_open ON rejected_mutations (store_id, device_id, mutation_id)
  WHERE acknowledged_at IS NULL;

-- Row level security ----------------------------------------------------------------------------
SELECT mango_secure_table(t::regclass)
  FROM unnest(ARRAY['organizations', 'stores', 'users', 'user_store_roles', 'refresh_tokens',
                    'devices', 'staff_pins', 'rejected_mutations']) AS t;

-- An organization context (app.org_id) reads its organization; a store context its store.
CREATE POLICY tenant ON organizations TO mango_app
  USING (id = app_org_id()) WITH CHECK (id = app_org_id());

-- Stores: read by store or by organization (an owner lists all the organization's stores);
-- created within the organization; updated in the store's own context.
CREATE POLICY tenant_read ON stores FOR SELECT TO mango_app
  USING (id = app_store_id() OR organization_id = app_org_id());
CREATE POLICY tenant_insert ON stores FOR INSERT TO mango_app
  WITH CHECK (organization_id = app_org_id());
CREATE POLICY tenant_update ON stores FOR UPDATE TO mango_app
  USING (id = app_store_id()) WITH CHECK (id = app_store_id());

CREATE POLICY tenant ON users TO mango_app
  USING (organization_id = app_org_id() OR id = app_user_id())
  WITH CHECK (organization_id = app_org_id());

-- Memberships: those of the current store, of the organization's stores, and the user's own.
CREATE POLICY tenant ON user_store_roles TO mango_app
  USING (store_id = app_store_id() OR user_id = app_user_id()
         OR store_id IN (SELECT s.id FROM stores s WHERE s.organization_id = app_org_id()))
  WITH CHECK (store_id = app_store_id()
              OR store_id IN (SELECT s.id FROM stores s WHERE s.organization_id = app_org_id()));

CREATE POLICY tenant ON refresh_tokens TO mango_app
  USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());

CREATE POLICY tenant ON devices TO mango_app
  USING (store_id = app_store_id()) WITH CHECK (store_id = app_store_id());
CREATE POLICY tenant ON staff_pins TO mango_app
  USING (store_id = app_store_id()) WITH CHECK (store_id = app_store_id());
CREATE POLICY tenant ON rejected_mutations TO mango_app
  USING (store_id = app_store_id()) WITH CHECK (store_id = app_store_id());

-- audit_log (0001): the store's rows, the organization's stores' rows and its store-less rows.
CREATE POLICY tenant_read ON audit_log FOR SELECT TO mango_app
  USING (store_id = app_store_id()
         OR (store_id IS NULL AND organization_id = app_org_id())
         OR store_id IN (SELECT s.id FROM stores s WHERE s.organization_id = app_org_id()));
CREATE POLICY tenant_append ON audit_log FOR INSERT TO mango_app
  WITH CHECK (store_id IS NULL OR store_id = app_store_id()
              OR store_id IN (SELECT s.id FROM stores s WHERE s.organization_id = app_org_id()));

-- Grants: no TRUNCATE anywhere; DELETE only where rows are really removed (memberships,
-- tokens, PINs, acknowledged rejections). Synced data is never deleted by the app: tombstones.
GRANT SELECT, INSERT, UPDATE ON organizations, stores, users, user_store_roles, refresh_tokens,
  devices, staff_pins, rejected_mutations TO mango_app;
GRANT DELETE ON user_store_roles, refresh_tokens, staff_pins, rejected_mutations TO mango_app;

-- Audit ----------------------------------------------------------------------------------------
SELECT mango_attach_audit('organizations', '', '{id}');
SELECT mango_attach_audit('stores', 'id', '{id}', '{}',
                          '{version,updated_at}');
SELECT mango_attach_audit('users', '', '{id}', '{password_hash}', '{updated_at}');
SELECT mango_attach_audit('user_store_roles', 'store_id', '{user_id,store_id}');
SELECT mango_attach_audit('refresh_tokens', '', '{id}', '{token_hash}');
SELECT mango_attach_audit('devices', 'store_id', '{id}', '{}',
                          '{last_mutation_id,last_pulled_version,last_seen_at}');
SELECT mango_attach_audit('staff_pins', 'store_id', '{store_id,staff_id}', '{pin_hash}',
                          '{updated_at}');
SELECT mango_attach_audit('rejected_mutations', 'store_id', '{device_id,mutation_id}');

-- Lookups before any tenant context (login, refresh, device check) --------------------------
-- SECURITY DEFINER, owned by the owner, search_path pinned; each returns only what its caller
-- needs for one key. The app may execute them; nobody else.
CREATE FUNCTION auth_find_user_by_email(p_email text)
RETURNS TABLE (id uuid, organization_id uuid, email text, display_name text,
               password_hash text, disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.id, u.organization_id, u.email, u.display_name, u.password_hash, u.disabled
    FROM users u WHERE lower(u.email) = lower(p_email)
$$;

CREATE FUNCTION auth_find_refresh_token(p_token_hash text)
RETURNS TABLE (id uuid, user_id uuid, organization_id uuid, family_id uuid,
               expires_at timestamptz, rotated_at timestamptz, revoked_at timestamptz,
               user_disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id, t.user_id, u.organization_id, t.family_id, t.expires_at, t.rotated_at,
         t.revoked_at, u.disabled
    FROM refresh_tokens t JOIN users u ON u.id = t.user_id
   WHERE t.token_hash = p_token_hash
$$;

CREATE FUNCTION auth_user_memberships(p_user_id uuid)
RETURNS TABLE (store_id uuid, organization_id uuid, store_name text, role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT s.id, s.organization_id, s.name, r.role
    FROM user_store_roles r JOIN stores s ON s.id = r.store_id
   WHERE r.user_id = p_user_id
   ORDER BY s.name, s.id
$$;

CREATE FUNCTION auth_find_device(p_device_id uuid)
RETURNS TABLE (id uuid, store_id uuid, organization_id uuid, last_mutation_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT d.id, d.store_id, d.organization_id, d.last_mutation_id
    FROM devices d WHERE d.id = p_device_id
$$;

REVOKE EXECUTE ON FUNCTION auth_find_user_by_email(text), auth_find_refresh_token(text),
  auth_user_memberships(uuid), auth_find_device(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_find_user_by_email(text), auth_find_refresh_token(text),
  auth_user_memberships(uuid), auth_find_device(uuid) TO mango_app;
REVOKE EXECUTE ON FUNCTION stores_before_write() FROM PUBLIC;
