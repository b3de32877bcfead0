import type { Role } from '@mango/domain/entities';
import { can, cappedRole, type PermissionName } from '@mango/domain/permissions';
import { ROLES } from '@mango/domain/entities';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Cache } from '../cache/cache';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { HttpError, httpErrors } from '../http/errors';
import type { AccessClaims, TokenSigner } from './tokens';

/** The header a desk sends while a staff member is switched in (by PIN) on it. */
export const ACTING_STAFF_HEADER = 'x-mango-acting-staff';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token, its `stores` replaced by the account's current active memberships. */
    auth?: AccessClaims;
    /** The staff member switched in on the desk (header above), checked against the URL's store. */
    actingStaff?: { storeId: string; staffId: string; role: Role };
  }
}

/**
 * Who is calling, checked on every request, so that a demoted, removed or deactivated account
 * loses its rights within `recheckMs`, not when its access token expires.
 *
 * Two layers before the database. In memory, each instance trusts its last look at an account
 * for `recheckMs` (default 2 s). Behind it, the shared read cache (`Cache`: Redis across
 * instances, in process when embedded) holds the answers filed under generations that every
 * change bumps after its commit — the account's (`forgetUser`) and the store's staff kind (each
 * push that writes staff) — so after a change no instance can find the old answer again and the
 * 2 s bound holds on every instance. A quiet pull thus costs no database statement (issue 20);
 * the database is read once per account per `CACHE_TTL_SEC.account` across all instances.
 * A lost invalidation (Redis failing between the commit and the bump) is bounded by that TTL;
 * with Redis down, every look goes to the database as before.
 */
export interface AccessGate {
  readonly signer: TokenSigner;
  readonly clock: Clock;
  /** The account's active memberships now: storeId → role (empty when disabled or removed). */
  currentStores(userId: string, organizationId: string): Promise<Record<string, Role>>;
  /** An active, not deleted staff member's role in the store, or null. */
  staffRole(
    ctx: { storeId: string; organizationId: string; userId: string },
    staffId: string,
  ): Promise<Role | null>;
  /** After a committed change to the account: drops what every instance remembers of it. */
  forgetUser(userId: string): Promise<void>;
  /** Database lookups made and answers served from memory, for the cost test and metrics. */
  stats(): { lookups: number; cached: number };
}

interface Remembered<T> {
  at: number;
  value: Promise<T>;
}

/**
 * The shared cache files an account's memberships under a scope of its own (the cache's scopes
 * are stores; a user id never collides with a store id: both are random UUIDs, and the prefix
 * keeps them apart anyway).
 */
export function accountScope(userId: string): string {
  return `user:${userId}`;
}
const ACCOUNT_KINDS = ['account'] as const;

/** After a committed change to an account's memberships or state, from anywhere (the admin CLI). */
export function forgetAccount(cache: Cache, userId: string): Promise<void> {
  return cache.invalidate(accountScope(userId), ACCOUNT_KINDS);
}
/** Staff roles are staff rows: every push that writes staff invalidates this kind already. */
const STAFF_KINDS = ['staff'] as const;

/** Beyond this many entries the memory is cleared (bounded per instance; entries live ≤ 2 s). */
const MAX_REMEMBERED = 50_000;

export function createAccessGate(deps: {
  db: Db;
  signer: TokenSigner;
  clock: Clock;
  recheckMs: number;
  /** The shared read cache (a pass-through one reads the database every `recheckMs`). */
  cache: Cache;
}): AccessGate {
  const users = new Map<string, Remembered<Record<string, Role>>>();
  const staff = new Map<string, Remembered<Role | null>>();
  let lookups = 0;
  let cached = 0;

  function remember<T>(
    map: Map<string, Remembered<T>>,
    key: string,
    load: () => Promise<T>,
  ): Promise<T> {
    const now = deps.clock.now().getTime();
    const hit = map.get(key);
    // A clock set back (tests) counts as stale, never as fresh for longer.
    if (hit && now >= hit.at && now - hit.at < deps.recheckMs) {
      cached++;
      return hit.value;
    }
    if (map.size >= MAX_REMEMBERED) map.clear();
    lookups++;
    const value = load();
    if (deps.recheckMs > 0) {
      const entry = { at: now, value };
      map.set(key, entry);
      // A failed lookup (database away) is not remembered: the next request asks again.
      value.catch(() => {
        if (map.get(key) === entry) map.delete(key);
      });
    }
    return value;
  }

  return {
    signer: deps.signer,
    clock: deps.clock,
    currentStores(userId, organizationId) {
      return remember(users, userId, () =>
        deps.cache.getOrLoad(accountScope(userId), ACCOUNT_KINDS, `stores:${organizationId}`, () =>
          deps.db.transaction({ organizationId, userId }, async (sql) => {
            const res = await sql.query<{ store_id: string; role: string }>(
              `select r.store_id, r.role from user_store_roles r join users u on u.id = r.user_id
              where r.user_id = $1 and r.active and not u.disabled`,
              [userId],
            );
            const stores: Record<string, Role> = {};
            for (const row of res.rows)
              if ((ROLES as readonly string[]).includes(row.role))
                stores[row.store_id] = row.role as Role;
            return stores;
          }),
        ),
      );
    },
    staffRole(ctx, staffId) {
      return remember(staff, `${ctx.storeId}:${staffId}`, () =>
        deps.cache.getOrLoad(ctx.storeId, STAFF_KINDS, `role:${staffId}`, () =>
          deps.db.transaction(ctx, async (sql) => {
            const res = await sql.query<{ role: string | null }>(
              `select data->>'role' as role from staff
              where store_id = $1 and id = $2 and not deleted
                and coalesce((data->>'active')::boolean, true)`,
              [ctx.storeId, staffId],
            );
            const role = res.rows[0]?.role;
            return role && (ROLES as readonly string[]).includes(role) ? (role as Role) : null;
          }),
        ),
      );
    },
    async forgetUser(userId) {
      users.delete(userId);
      await forgetAccount(deps.cache, userId);
    },
    stats: () => ({ lookups, cached }),
  };
}

const uuidSchema = z.uuid();

/**
 * preHandler: a valid bearer access token of an account that still has its rights, or 401; with
 * the acting-staff header, a staff member of the URL's store who is active, or 403.
 */
export function requireAuth(gate: AccessGate) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\w.-]{10,4096})$/.exec(header) : null;
    if (!match?.[1]) throw httpErrors.unauthorized('Sign in: this request has no access token.');
    const claims = await gate.signer.verify(match[1], gate.clock.now());
    if (!claims)
      throw httpErrors.unauthorized(
        'Your session has expired: refresh the token or sign in again.',
      );
    // The roles of the database, not of the token: a change takes effect within seconds.
    const stores = await gate.currentStores(claims.userId, claims.organizationId);
    request.auth = { ...claims, stores };
    const acting = request.headers[ACTING_STAFF_HEADER];
    if (acting === undefined) return;
    const staffId = uuidSchema.safeParse(acting);
    if (!staffId.success)
      throw httpErrors.validation(`Invalid ${ACTING_STAFF_HEADER} header: a staff id (uuid).`);
    const storeId = (request.params as { storeId?: unknown } | undefined)?.storeId;
    // No store in the URL, or not one of the caller's: storeAccess refuses it (or it is not a
    // store route, where nobody acts for anyone).
    if (typeof storeId !== 'string' || !stores[storeId]) return;
    const role = await gate.staffRole(
      { storeId, organizationId: claims.organizationId, userId: claims.userId },
      staffId.data,
    );
    if (!role) {
      throw new HttpError(
        403,
        'ACTING_STAFF_INVALID',
        'The staff member switched in on this device is not an active staff member of this store: switch in again.',
      );
    }
    request.actingStaff = { storeId, staffId: staffId.data, role };
  };
}

const storeIdSchema = z.uuid();

export interface StoreAccess {
  storeId: string;
  organizationId: string;
  userId: string;
  /**
   * The role the caller acts with: the account's current role in the store, or, with a staff
   * member switched in, that person's role capped by the account's (`cappedRole`).
   */
  role: Role;
  /** The signed-in account's own role in the store. */
  accountRole: Role;
  /** The staff member switched in on the desk (header `x-mango-acting-staff`), if any. */
  actingStaffId: string | null;
}

/**
 * The caller's access to the store named by the URL, or 403 (404 for a malformed id). With a
 * permission (THE table, `@mango/domain/permissions`), 403 FORBIDDEN_ROLE unless the acting role
 * has it.
 */
export function storeAccess(
  request: FastifyRequest,
  storeIdParam: unknown,
  permission?: PermissionName,
): StoreAccess {
  const auth = request.auth;
  if (!auth) throw httpErrors.unauthorized();
  const parsed = storeIdSchema.safeParse(storeIdParam);
  if (!parsed.success) throw httpErrors.notFound('No such store.');
  const accountRole = auth.stores[parsed.data];
  if (!accountRole) throw httpErrors.forbidden('You do not have access to this store.');
  const acting = request.actingStaff?.storeId === parsed.data ? request.actingStaff : undefined;
  const role = acting ? cappedRole(acting.role, accountRole) : accountRole;
  if (permission && !can(role, permission)) {
    throw httpErrors.forbidden(`Your role (${role}) may not do this.`, 'FORBIDDEN_ROLE');
  }
  return {
    storeId: parsed.data,
    organizationId: auth.organizationId,
    userId: auth.userId,
    role,
    accountRole,
    actingStaffId: acting?.staffId ?? null,
  };
}

/** The device must be registered to this very store (and so to the caller's organization), and not revoked. */
export async function assertDeviceOfStore(
  db: Db,
  access: StoreAccess,
  deviceId: string,
): Promise<void> {
  const found = await db.transaction(
    { storeId: access.storeId, organizationId: access.organizationId, userId: access.userId },
    async (sql) => {
      // RLS hides devices of other stores; the explicit store filter says the same in plain SQL.
      const res = await sql.query<{ revoked: boolean }>(
        'select revoked_at is not null as revoked from devices where id = $1 and store_id = $2',
        [deviceId, access.storeId],
      );
      return res.rows[0];
    },
  );
  const refused = deviceRefusal(found);
  if (refused) throw refused;
}

/**
 * Why a device may not sync, as the HTTP error to answer (null when it may), from its row in
 * this store (undefined: not registered here).
 */
export function deviceRefusal(device: { revoked: boolean } | undefined): HttpError | null {
  if (device?.revoked) {
    return new HttpError(
      403,
      'DEVICE_REVOKED',
      'This device was revoked by a manager: it can no longer sync. Clear the app data on this device and register it again.',
    );
  }
  if (!device) {
    return new HttpError(
      403,
      'DEVICE_NOT_REGISTERED',
      'This device is not registered to this store: a manager must sign it in.',
    );
  }
  return null;
}
