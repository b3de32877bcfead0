-- Error tracking without an outside service (observability): the web app's error boundary and
-- unhandled errors, and the server's own 5xx, stored per store. And the device-side PIN verifier
-- (PBKDF2, checkable with WebCrypto) so staff can switch by PIN while the device is offline.

CREATE TABLE client_errors (
  id uuid PRIMARY KEY,
  -- null when the reporter had no store (e.g. the sign-in screen crashed): readable by nobody
  -- but maintenance, since no tenant can claim it.
  store_id uuid REFERENCES stores (id),
  user_id uuid,
  device_id uuid,
  kind text NOT NULL CHECK (kind IN ('boundary', 'unhandled', 'rejection', 'server')),
  message text NOT NULL,
  stack text,
  component_stack text,
  release text,
  url text,
  user_agent text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX client_errors_store_time ON client_errors (store_id, created_at DESC);

SELECT mango_secure_table('client_errors');
CREATE POLICY tenant_read ON client_errors FOR SELECT TO mango_app
  USING (store_id = app_store_id());
CREATE POLICY tenant_append ON client_errors FOR INSERT TO mango_app
  WITH CHECK (store_id IS NULL OR store_id = app_store_id());
GRANT SELECT, INSERT ON client_errors TO mango_app;

-- {"salt": base64, "iterations": n, "hash": base64} of PBKDF2-SHA256(pin). Served only to devices
-- registered to the store; argon2id (pin_hash) stays the server's own check.
ALTER TABLE staff_pins ADD COLUMN device_verifier jsonb;
