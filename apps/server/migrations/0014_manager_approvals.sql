-- Manager approvals the server can verify, offline too (docs/SECURITY.md, "Approvals").
-- When a manager approves a void, refund or comp at the desk with their PIN, the device derives
-- K = PBKDF2-SHA256(pin, approval_salt, iterations) and sends HMAC-SHA256(K, the mutation) with
-- it. The server keeps K (approval_key) to check that MAC; the device never stores K, only the
-- salt (served with the offline PIN verifier), so a device's copy of the verifiers cannot forge
-- an approval without guessing the PIN. PINs set before this migration get their key the next
-- time they are set or verified online (the server sees the PIN then).
ALTER TABLE staff_pins ADD COLUMN approval_salt text;
ALTER TABLE staff_pins ADD COLUMN approval_key text;

-- The key is a secret like the PIN hash: the audit log never copies it.
DROP TRIGGER audit ON staff_pins;
SELECT mango_attach_audit('staff_pins', 'store_id', '{store_id,staff_id}',
                          '{pin_hash,approval_key}', '{updated_at}');

-- Each approval carries a random nonce and is good for one mutation: a copy replayed as another
-- mutation (even an identical one under a new id) finds its nonce used. Written in the
-- mutation's savepoint, so a rejected mutation does not use up its approval.
CREATE TABLE used_approvals (
  store_id uuid NOT NULL REFERENCES stores (id),
  nonce text NOT NULL,
  approver_staff_id uuid NOT NULL,
  device_id uuid NOT NULL,
  mutation_id bigint NOT NULL,
  used_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, nonce)
);
SELECT mango_secure_table('used_approvals');
CREATE POLICY tenant ON used_approvals TO mango_app
  USING (store_id = app_store_id()) WITH CHECK (store_id = app_store_id());
GRANT SELECT, INSERT ON used_approvals TO mango_app;
