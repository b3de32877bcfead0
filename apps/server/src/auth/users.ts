import { randomUUID } from 'node:crypto';
import {
  type AccountChange,
  accountChangeRefusal,
  type AccountRefusal,
  type AccountTarget,
} from '@mango/domain/accounts';
import type { Role } from '@mango/domain/entities';
import { roleRank } from '@mango/domain/permissions';
import type { Db, Sql } from '../db/db';
import { HttpError, httpErrors } from '../http/errors';
import type { StoreAccess } from './authenticate';
import { hashSecret } from './passwords';

export interface NewStoreUser {
  email: string;
  password: string;
  role: Role;
  displayName?: string | undefined;
}

export interface StoreUser {
  userId: string;
  email: string;
  displayName: string | null;
  role: Role;
  active: boolean;
}

/** What changing an account did, so the caller can drop what it remembers of that account. */
export interface AccountChangeOutcome {
  userId: string;
  /** Its sessions were ended: it lost rights (demoted, deactivated, removed). */
  sessionsRevoked: boolean;
}

function refusalError(r: AccountRefusal): HttpError {
  return new HttpError(r.code === 'LAST_OWNER' ? 409 : 403, r.code, r.message);
}

interface Membership {
  user_id: string;
  role: Role;
  active: boolean;
}

/**
 * The store's memberships, locked: account changes of one store run one at a time, so two
 * owners demoting each other at once cannot leave the store without an owner.
 */
async function lockMemberships(sql: Sql, storeId: string): Promise<Membership[]> {
  const res = await sql.query<Membership>(
    'select user_id, role, active from user_store_roles where store_id = $1 order by user_id for update',
    [storeId],
  );
  return res.rows;
}

function decide(
  access: StoreAccess,
  memberships: Membership[],
  target: Membership | undefined,
  change: AccountChange,
): void {
  const refusal = accountChangeRefusal({
    actor: { userId: access.userId, role: access.role },
    target: target
      ? ({ userId: target.user_id, role: target.role, active: target.active } as AccountTarget)
      : null,
    change,
    activeOwners: memberships.filter((m) => m.role === 'owner' && m.active).length,
  });
  if (refusal) throw refusalError(refusal);
}

/** Ends every session of the account (its refresh tokens); its access tokens stop at the gate. */
async function revokeSessions(sql: Sql, userId: string): Promise<void> {
  await sql.query('select auth_revoke_user_sessions($1)', [userId]);
}

/**
 * Creates a sign-in of the organization with a role in this store, or gives an existing user
 * of the same organization that role here (a role change when they already have one). A user
 * of another organization is never touched.
 */
export async function addStoreUser(
  db: Db,
  access: StoreAccess,
  input: NewStoreUser,
): Promise<{ userId: string; created: boolean; sessionsRevoked: boolean }> {
  // The permission alone first: a refusal costs no password hash.
  decide(access, [], undefined, { kind: 'create', role: input.role });
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashSecret(input.password);
  try {
    return await db.transaction(access, async (sql) => {
      const memberships = await lockMemberships(sql, access.storeId);
      const existing = await sql.query<{ id: string; organization_id: string }>(
        'select id, organization_id from auth_find_user_by_email($1)',
        [email],
      );
      const found = existing.rows[0];
      if (found && found.organization_id !== access.organizationId) {
        throw httpErrors.conflict(
          'EMAIL_TAKEN',
          'This email belongs to an account of another business.',
        );
      }
      const userId = found?.id ?? randomUUID();
      const current = memberships.find((m) => m.user_id === userId);
      decide(
        access,
        memberships,
        current,
        current ? { kind: 'setRole', role: input.role } : { kind: 'create', role: input.role },
      );
      if (!found) {
        await sql.query(
          'insert into users (id, organization_id, email, display_name, password_hash) values ($1, $2, $3, $4, $5)',
          [userId, access.organizationId, email, input.displayName ?? null, passwordHash],
        );
      }
      await sql.query(
        `insert into user_store_roles (user_id, store_id, role) values ($1, $2, $3)
         on conflict (user_id, store_id) do update set role = excluded.role`,
        [userId, access.storeId, input.role],
      );
      const lowered = current !== undefined && roleRank(input.role) < roleRank(current.role);
      if (lowered) await revokeSessions(sql, userId);
      return { userId, created: !found, sessionsRevoked: lowered };
    });
  } catch (e) {
    if ((e as { code?: string }).code === '23505') {
      throw httpErrors.conflict('EMAIL_TAKEN', 'An account with this email already exists.');
    }
    throw e;
  }
}

/** The store's sign-ins for the Team screen (inactive ones included). */
export async function listStoreUsers(db: Db, access: StoreAccess): Promise<StoreUser[]> {
  return db.transaction(access, async (sql) => {
    const res = await sql.query<{
      user_id: string;
      email: string;
      display_name: string | null;
      role: Role;
      active: boolean;
    }>(
      `select r.user_id, u.email, u.display_name, r.role, r.active
         from user_store_roles r join users u on u.id = r.user_id
        where r.store_id = $1
        order by lower(u.email)`,
      [access.storeId],
    );
    return res.rows.map((r) => ({
      userId: r.user_id,
      email: r.email,
      displayName: r.display_name,
      role: r.role,
      active: r.active,
    }));
  });
}

function notFound(): HttpError {
  return new HttpError(404, 'USER_NOT_FOUND', 'No such sign-in in this store.');
}

/** Changes a sign-in's role and/or active state in this store. */
export async function updateStoreUser(
  db: Db,
  access: StoreAccess,
  userId: string,
  patch: { role?: Role | undefined; active?: boolean | undefined },
): Promise<StoreUser & AccountChangeOutcome> {
  return db.transaction(access, async (sql) => {
    const memberships = await lockMemberships(sql, access.storeId);
    const target = memberships.find((m) => m.user_id === userId);
    if (!target) throw notFound();
    // Each part is decided on its own: demoting and deactivating at once needs both allowed.
    // A patch that changes nothing still needs the right to change this account.
    const changes: AccountChange[] = [];
    if (patch.role !== undefined && patch.role !== target.role)
      changes.push({ kind: 'setRole', role: patch.role });
    if (patch.active !== undefined && patch.active !== target.active)
      changes.push({ kind: patch.active ? 'reactivate' : 'deactivate' });
    if (changes.length === 0) changes.push({ kind: 'setRole', role: target.role });
    for (const change of changes) decide(access, memberships, target, change);
    const role = patch.role ?? target.role;
    const active = patch.active ?? target.active;
    await sql.query(
      'update user_store_roles set role = $3, active = $4 where store_id = $1 and user_id = $2',
      [access.storeId, userId, role, active],
    );
    const lostRights = (target.active && !active) || roleRank(role) < roleRank(target.role);
    if (lostRights) await revokeSessions(sql, userId);
    const user = await sql.query<{ email: string; display_name: string | null }>(
      'select email, display_name from users where id = $1',
      [userId],
    );
    return {
      userId,
      email: user.rows[0]?.email ?? '',
      displayName: user.rows[0]?.display_name ?? null,
      role,
      active,
      sessionsRevoked: lostRights,
    };
  });
}

/** Removes a sign-in from this store (the account stays, with its other stores). */
export async function removeStoreUser(
  db: Db,
  access: StoreAccess,
  userId: string,
): Promise<AccountChangeOutcome> {
  return db.transaction(access, async (sql) => {
    const memberships = await lockMemberships(sql, access.storeId);
    const target = memberships.find((m) => m.user_id === userId);
    if (!target) throw notFound();
    decide(access, memberships, target, { kind: 'remove' });
    await sql.query('delete from user_store_roles where store_id = $1 and user_id = $2', [
      access.storeId,
      userId,
    ]);
    await revokeSessions(sql, userId);
    return { userId, sessionsRevoked: true };
  });
}

/**
 * The staff member whose PIN is being set: their role, and whether it is the caller (the staff
 * member switched in on the desk, or the staff row linked to the signed-in account).
 */
export async function pinTarget(
  db: Db,
  access: StoreAccess,
  staffId: string,
): Promise<{ role: Role; self: boolean }> {
  const row = await db.transaction(access, async (sql) => {
    const res = await sql.query<{ role: Role | null; user_id: string | null }>(
      `select data->>'role' as role, data->>'userId' as user_id from staff
        where store_id = $1 and id = $2 and not deleted`,
      [access.storeId, staffId],
    );
    return res.rows[0];
  });
  if (!row) throw new HttpError(404, 'STAFF_NOT_FOUND', 'No such staff member in this store.');
  const self = access.actingStaffId
    ? access.actingStaffId === staffId
    : row.user_id !== null && row.user_id === access.userId;
  // A row without a role is treated as the most protected (only an owner sets its PIN).
  return { role: row.role ?? 'owner', self };
}
