import { randomUUID } from 'node:crypto';
import type { Role } from '@mango/domain/entities';
import { bpsToPpm } from '@mango/domain/tax-rate';
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
  /** A rotated refresh token may be presented again this long (its answer was lost). */
  refreshReuseGraceSec: number;
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
  parentId: string | null = null,
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
    `insert into refresh_tokens (id, user_id, family_id, token_hash, expires_at, parent_id)
     values ($1, $2, $3, $4, $5, $6)`,
    [
      randomUUID(),
      user.id,
      familyId,
      sha256(refreshToken),
      new Date(now.getTime() + deps.refreshTokenTtlSec * 1000).toISOString(),
      parentId,
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
        `insert into stores (id, organization_id, name, currency, tax_rate_ppm, time_zone)
         values ($1, $2, $3, $4, $5, $6)`,
        [
          storeId,
          organizationId,
          req.storeName,
          req.currency ?? 'USD',
          req.taxRatePpm ?? (req.taxRateBps === undefined ? 0 : bpsToPpm(req.taxRateBps)),
          req.timeZone ?? 'America/New_York',
        ],
      );
      // The store row is the store's version 1, logged as a push logs its versions: a device's
      // first pull from cursor 0 then reads by the log's keys too (migration 0027).
      await sql.query(
        `insert into sync_changes (store_id, to_version, from_version, entities, ids, id_counts)
         values ($1, 1, 1, '{store}', array[$1::uuid], '{1}')`,
        [storeId],
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
 * Locks a session (a refresh-token family) for the rest of the transaction. Every change to a
 * family's tokens takes this one lock first, always the same row (the family's lowest id), and
 * ending all of a user's sessions locks rows in id order too (auth_revoke_user_sessions): one
 * consistent order, so concurrent refreshes of one token queue up instead of deadlocking.
 */
async function lockFamily(sql: Sql, familyId: string): Promise<void> {
  await sql.query(
    'select id from refresh_tokens where family_id = $1 order by id limit 1 for update',
    [familyId],
  );
}

async function revokeFamily(sql: Sql, familyId: string): Promise<void> {
  await sql.query(
    'update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null',
    [familyId],
  );
}

const sessionEnded = () =>
  new HttpError(401, 'INVALID_REFRESH_TOKEN', 'Your session has ended: sign in again.');

/**
 * Rotates a refresh token: the presented token is marked rotated and a successor issued.
 *
 * A flaky network must not sign the desk out: when the answer to a refresh was lost, the device
 * presents the same token again. Within `refreshReuseGraceSec` of its rotation, and while none of
 * its successors has been used, that token is rotated again (a fresh pair, as Auth0's reuse
 * interval does); the unused successor stays valid until one of its siblings is used. Presenting
 * a token later, or an older one (whose successor was already used), means it was copied: the
 * whole family (every token descended from that login) is revoked.
 */
export async function refresh(
  deps: AuthDeps,
  refreshToken: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const tokenHash = sha256(refreshToken);
  const found = await deps.db.transaction(null, async (sql) => {
    const res = await sql.query<RefreshRecord>(
      'select id, user_id, organization_id, family_id from auth_find_refresh_token($1)',
      [tokenHash],
    );
    return res.rows[0];
  });
  if (!found) throw sessionEnded();
  const now = deps.clock.now();
  const outcome = await deps.db.transaction(
    { organizationId: found.organization_id, userId: found.user_id },
    async (sql) => {
      await lockFamily(sql, found.family_id);
      // Read again under the lock: a concurrent refresh may have rotated it meanwhile.
      const res = await sql.query<
        RefreshRecord & { parent_id: string | null; used_child: boolean }
      >(
        `select t.id, t.family_id, t.expires_at, t.rotated_at, t.revoked_at, t.parent_id,
                exists (select 1 from refresh_tokens c
                         where c.parent_id = t.id and c.rotated_at is not null) as used_child
           from refresh_tokens t where t.id = $1`,
        [found.id],
      );
      const record = res.rows[0];
      if (!record || record.revoked_at !== null) return { ended: true as const };
      if (new Date(record.expires_at).getTime() <= now.getTime()) return { ended: true as const };
      if (record.rotated_at !== null) {
        const sinceRotation = now.getTime() - new Date(record.rotated_at).getTime();
        const retry = sinceRotation <= deps.refreshReuseGraceSec * 1000 && !record.used_child;
        if (!retry) {
          await revokeFamily(sql, record.family_id);
          return { reused: true as const };
        }
      } else {
        await sql.query('update refresh_tokens set rotated_at = $2 where id = $1', [
          record.id,
          now.toISOString(),
        ]);
        // Its siblings (other answers to a retried refresh of its parent) are superseded now:
        // presented later than the grace, they revoke the family.
        if (record.parent_id !== null)
          await sql.query(
            `update refresh_tokens set rotated_at = $3
              where parent_id = $1 and id <> $2 and rotated_at is null`,
            [record.parent_id, record.id, now.toISOString()],
          );
      }
      const user = await sql.query<UserRecord>(
        'select id, organization_id, email, password_hash, disabled from users where id = $1',
        [found.user_id],
      );
      const u = user.rows[0];
      if (!u || u.disabled) return { ended: true as const };
      const session = await issueSession(
        deps,
        sql,
        u,
        await membershipsOf(sql, u.id),
        record.family_id,
        record.id,
      );
      return { accessToken: session.accessToken, refreshToken: session.refreshToken };
    },
  );
  // Refusals are thrown only after the transaction committed (the revocation must stay).
  if ('reused' in outcome)
    throw new HttpError(
      401,
      'REFRESH_TOKEN_REUSED',
      'This session was used from somewhere else and has been ended: sign in again.',
    );
  if ('ended' in outcome) throw sessionEnded();
  return outcome;
}

export async function logout(deps: AuthDeps, refreshToken: string): Promise<void> {
  const record = await deps.db.transaction(null, async (sql) => {
    const res = await sql.query<RefreshRecord>(
      'select id, user_id, organization_id, family_id from auth_find_refresh_token($1)',
      [sha256(refreshToken)],
    );
    return res.rows[0];
  });
  if (!record) return;
  await deps.db.transaction(
    { organizationId: record.organization_id, userId: record.user_id },
    async (sql) => {
      await lockFamily(sql, record.family_id);
      await revokeFamily(sql, record.family_id);
    },
  );
}
