import type { Role } from '@mango/domain/entities';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { HttpError, httpErrors } from '../http/errors';
import type { AccessClaims, TokenSigner } from './tokens';

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AccessClaims;
  }
}

/** preHandler: a valid bearer access token, or 401. */
export function requireAuth(signer: TokenSigner, clock: Clock) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\w.-]{10,4096})$/.exec(header) : null;
    if (!match?.[1]) throw httpErrors.unauthorized('Sign in: this request has no access token.');
    const claims = await signer.verify(match[1], clock.now());
    if (!claims)
      throw httpErrors.unauthorized(
        'Your session has expired: refresh the token or sign in again.',
      );
    request.auth = claims;
  };
}

const storeIdSchema = z.uuid();

export interface StoreAccess {
  storeId: string;
  organizationId: string;
  userId: string;
  role: Role;
}

/** The caller's role in the store named by the URL, or 403 (404 for a malformed id). */
export function storeAccess(
  request: FastifyRequest,
  storeIdParam: unknown,
  allowed?: readonly Role[],
): StoreAccess {
  const auth = request.auth;
  if (!auth) throw httpErrors.unauthorized();
  const parsed = storeIdSchema.safeParse(storeIdParam);
  if (!parsed.success) throw httpErrors.notFound('No such store.');
  const role = auth.stores[parsed.data];
  if (!role) throw httpErrors.forbidden('You do not have access to this store.');
  if (allowed && !allowed.includes(role)) {
    throw httpErrors.forbidden(`Your role (${role}) may not do this.`, 'FORBIDDEN_ROLE');
  }
  return { storeId: parsed.data, organizationId: auth.organizationId, userId: auth.userId, role };
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
