-- Accounts and sessions (docs/SECURITY.md "Sessions and accounts").

-- A sign-in may be deactivated in a store without losing its role there (reactivated later).
-- An inactive membership grants nothing: it is left out of tokens and of every request's check.
ALTER TABLE user_store_roles ADD COLUMN active boolean NOT NULL DEFAULT true;

-- The token this one was issued for (rotated into it): a retry within the grace, after a reply
-- was lost, is allowed only for the immediately previous token, i.e. one none of whose
-- successors was used yet.
ALTER TABLE refresh_tokens ADD COLUMN parent_id uuid;
CREATE INDEX refresh_tokens_parent ON refresh_tokens (parent_id) WHERE parent_id IS NOT NULL;

-- Memberships that grant access: active ones (login and refresh put them in tokens).
CREATE OR REPLACE FUNCTION auth_user_memberships(p_user_id uuid)
RETURNS TABLE (store_id uuid, organization_id uuid, store_name text, role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT s.id, s.organization_id, s.name, r.role
    FROM user_store_roles r JOIN stores s ON s.id = r.store_id
   WHERE r.user_id = p_user_id AND r.active
   ORDER BY s.name, s.id
$$;

-- Ends every session (refresh token) of a user of the caller's organization: a manager who
-- demotes, deactivates or removes someone cannot otherwise reach that user's tokens (RLS keeps
-- refresh tokens to their own user). Rows are locked in id order, the order a refresh locks
-- its family in (auth-service.ts), so the two never deadlock.
CREATE FUNCTION auth_revoke_user_sessions(p_user_id uuid)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM users u
                  WHERE u.id = p_user_id AND u.organization_id = app_org_id()) THEN
    RETURN 0;
  END IF;
  PERFORM 1 FROM refresh_tokens t
   WHERE t.user_id = p_user_id AND t.revoked_at IS NULL ORDER BY t.id FOR UPDATE;
  UPDATE refresh_tokens t SET revoked_at = now()
   WHERE t.user_id = p_user_id AND t.revoked_at IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION auth_revoke_user_sessions(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_revoke_user_sessions(uuid) TO mango_app;
