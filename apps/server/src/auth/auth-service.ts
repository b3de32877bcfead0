import { randomUUID } from 'node:crypto';
import type { Role } from '@mango/domain/entities';
import type { SessionResponse, SignupRequest } from '@mango/protocol';
import type { Clock } from '../clock';
import type { Db, Sql } from '../db/db';
import { HttpError, httpErrors } from '../http/errors';
import { dummyPasswordHash, hashSecret, verifySecret } from './passwords';
import { type AccessClaims, newOpaqueToken, sha256, type TokenSigner } from './tokens';

export interface AuthDeps {
  db: Db;
  signer: TokenSigner;
  clock: Clock;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
}

interface Membership {
  store_id: string;
  store_name: string;
  role: Role;
}

interface UserRecord {
  id: string;
  organization_id: string;
  email: string;
  password_hash: string;
  disabled: boolean;
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

async function membershipsOf(sql: Sql, userId: string): Promise<Membership[]> {
  const res = await sql.query<Membership>(
    'select store_id, store_name, role from auth_user_memberships($1)',
    [userId],
  );
  return res.rows;
}

async function issueSession(
  deps: AuthDeps,
  sql: Sql,
  user: { id: string; organization_id: string; email: string },
  memberships: Membership[],
  familyId: string = randomUUID(),
): Promise<SessionResponse> {
  const now = deps.clock.now();
  const stores: Record<string, Role> = {};
  for (const m of memberships) stores[m.store_id] = m.role;
  const claims: AccessClaims = {
    userId: user.id,
    organizationId: user.organization_id,
    email: user.email,
    stores,
  };
  const accessToken = await deps.signer.sign(claims, deps.accessTokenTtlSec, now);
  const refreshToken = newOpaqueToken();
  await sql.query(
    `insert into refresh_tokens (id, user_id, family_id, token_hash, expires_at)
     values ($1, $2, $3, $4, $5)`,
    [
      randomUUID(),
      user.id,
      familyId,
      sha256(refreshToken),
      new Date(now.getTime() + deps.refreshTokenTtlSec * 1000).toISOString(),
    ],
  );
  return {
    accessToken,
    refreshToken,
    user: { id: user.id, email: user.email, organizationId: user.organization_id },
    stores: memberships.map((m) => ({ id: m.store_id, name: m.store_name, role: m.role })),
  };
}

/** A new organization, its first store and its owner (who is also the store's first staff member). */
export async function signup(deps: AuthDeps, req: SignupRequest): Promise<SessionResponse> {
  const email = normalizeEmail(req.email);
  const passwordHash = await hashSecret(req.password);
  const organizationId = randomUUID();
  const storeId = randomUUID();
  const userId = randomUUID();
  try {
    return await deps.db.transaction({ organizationId, storeId, userId }, async (sql) => {
      const existing = await sql.query('select id from auth_find_user_by_email($1)', [email]);
      if (existing.rowCount > 0)
        throw httpErrors.conflict(
          'EMAIL_TAKEN',
          'An account with this email already exists: sign in instead.',
        );
      await sql.query('insert into organizations (id, name) values ($1, $2)', [
        organizationId,
        req.organizationName,
      ]);
      await sql.query(
        `insert into stores (id, organization_id, name, currency, tax_rate_bps, time_zone)
         values ($1, $2, $3, $4, $5, $6)`,
        [
          storeId,
          organizationId,
          req.storeName,
          req.currency ?? 'USD',
          req.taxRateBps ?? 0,
          req.timeZone ?? 'America/New_York',
        ],
      );
      await sql.query(
        'insert into users (id, organization_id, email, password_hash) values ($1, $2, $3, $4)',
        [userId, organizationId, email, passwordHash],
      );
      await sql.query(
        'insert into user_store_roles (user_id, store_id, role) values ($1, $2, $3)',
        [userId, storeId, 'owner'],
      );
      const memberships = await membershipsOf(sql, userId);
      return issueSession(
        deps,
        sql,
        { id: userId, organization_id: organizationId, email },
        memberships,
      );
    });
  } catch (e) {
    // Two sign-ups racing for one email: the unique index decides.
    if ((e as { code?: string }).code === '23505') {
      throw httpErrors.conflict(
        'EMAIL_TAKEN',
        'An account with this email already exists: sign in instead.',
      );
    }
    throw e;
  }
}

export async function login(
  deps: AuthDeps,
  emailInput: string,
  password: string,
): Promise<SessionResponse> {
  const email = normalizeEmail(emailInput);
  const user = await deps.db.transaction(null, async (sql) => {
    const res = await sql.query<UserRecord>(
      'select id, organization_id, email, password_hash, disabled from auth_find_user_by_email($1)',
      [email],
    );
    return res.rows[0];
  });
  const ok = await verifySecret(user?.password_hash ?? (await dummyPasswordHash()), password);
  if (!user || !ok || user.disabled) {
    throw new HttpError(401, 'INVALID_CREDENTIALS', 'The email or password is not right.');
  }
  return deps.db.transaction(
    { organizationId: user.organization_id, userId: user.id },
    async (sql) => {
      const memberships = await membershipsOf(sql, user.id);
      return issueSession(deps, sql, user, memberships);
    },
  );
}

interface RefreshRecord {
  id: string;
  user_id: string;
  organization_id: string;
  family_id: string;
  expires_at: string;
  rotated_at: string | null;
  revoked_at: string | null;
}

/**
 * Rotates a refresh token. Presenting a token that was already rotated means it was copied:
 * the whole family (every token descended from that login) is revoked.
 */
export async function refresh(
  deps: AuthDeps,
  refreshToken: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const tokenHash = sha256(refreshToken);
  const record = await deps.db.transaction(null, async (sql) => {
    const res = await sql.query<RefreshRecord>(
      'select id, user_id, organization_id, family_id, expires_at, rotated_at, revoked_at from auth_find_refresh_token($1)',
      [tokenHash],
    );
    return res.rows[0];
  });
  const invalid = new HttpError(
    401,
    'INVALID_REFRESH_TOKEN',
    'Your session has ended: sign in again.',
  );
  if (!record) throw invalid;
  return deps.db
    .transaction(
      { organizationId: record.organization_id, userId: record.user_id },
      async (sql) => {
        if (record.rotated_at !== null || record.revoked_at !== null) {
          await sql.query(
            'update refresh_tokens set revoked_at = coalesce(revoked_at, now()) where family_id = $1',
            [record.family_id],
          );
          return { revoked: true as const };
        }
        if (new Date(record.expires_at).getTime() <= deps.clock.now().getTime()) throw invalid;
        const rotated = await sql.query(
          'update refresh_tokens set rotated_at = now() where id = $1 and rotated_at is null and revoked_at is null',
          [record.id],
        );
        if (rotated.rowCount !== 1) {
          await sql.query(
            'update refresh_tokens set revoked_at = coalesce(revoked_at, now()) where family_id = $1',
            [record.family_id],
          );
          return { revoked: true as const };
        }
        const user = await sql.query<UserRecord>(
          'select id, organization_id, email, password_hash, disabled from users where id = $1',
          [record.user_id],
        );
        const u = user.rows[0];
        if (!u || u.disabled) throw invalid;
        const session = await issueSession(
          deps,
          sql,
          u,
          await membershipsOf(sql, u.id),
          record.family_id,
        );
        return {
          revoked: false as const,
          accessToken: session.accessToken,
          refreshToken: session.refreshToken,
        };
      },
    )
    .then((r) => {
      // The revocation must commit before we refuse, hence the refusal outside the transaction.
      if (r.revoked)
        throw new HttpError(
          401,
          'REFRESH_TOKEN_REUSED',
          'This session was used from somewhere else and has been ended: sign in again.',
        );
      return { accessToken: r.accessToken, refreshToken: r.refreshToken };
    });
}

export async function logout(deps: AuthDeps, refreshToken: string): Promise<void> {
  const record = await deps.db.transaction(null, async (sql) => {
    const res = await sql.query<RefreshRecord>(
      'select id, user_id, organization_id, family_id, expires_at, rotated_at, revoked_at from auth_find_refresh_token($1)',
      [sha256(refreshToken)],
    );
    return res.rows[0];
  });
  if (!record) return;
  await deps.db.transaction(
    { organizationId: record.organization_id, userId: record.user_id },
    async (sql) => {
      await sql.query(
        'update refresh_tokens set revoked_at = coalesce(revoked_at, now()) where family_id = $1',
        [record.family_id],
      );
    },
  );
}
