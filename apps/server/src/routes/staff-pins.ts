import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pinChangeRefusal } from '@mango/domain/accounts';
import {
  type AccessGate,
  assertDeviceOfStore,
  requireAuth,
  storeAccess,
} from '../auth/authenticate';
import {
  ensureApprovalKey,
  listPinVerifiers,
  setStaffPin,
  verifyStaffPin,
} from '../auth/staff-pin';
import { pinTarget } from '../auth/users';
import type { Db } from '../db/db';
import { HttpError, httpErrors } from '../http/errors';
import { parseOrThrow } from '../http/validate';

const pinSchema = z.string().regex(/^\d{4,6}$/, 'a PIN is 4 to 6 digits');
export const setPinSchema = z.strictObject({ pin: pinSchema });
export const verifyPinSchema = z.strictObject({ pin: pinSchema, deviceId: z.uuid() });
export const verifiersQuerySchema = z.strictObject({ deviceId: z.uuid() });

export function registerStaffPinRoutes(
  app: FastifyInstance,
  deps: { db: Db; gate: AccessGate },
): void {
  const auth = requireAuth(deps.gate);
  const staffIdOf = (raw: unknown) => {
    const parsed = z.uuid().safeParse(raw);
    if (!parsed.success) throw httpErrors.notFound('No such staff member.');
    return parsed.data;
  };

  app.put<{ Params: { storeId: string; staffId: string } }>(
    '/api/v1/stores/:storeId/staff/:staffId/pin',
    { preHandler: auth },
    async (request, reply) => {
      const access = storeAccess(request, request.params.storeId, 'pins.setOthers');
      const staffId = staffIdOf(request.params.staffId);
      const body = parseOrThrow(setPinSchema, request.body);
      // A manager sets their own PIN and those of front desk and technicians; only the owner
      // sets a manager's or an owner's (@mango/domain/accounts).
      const target = await pinTarget(deps.db, access, staffId);
      const refusal = pinChangeRefusal({
        actorRole: access.role,
        self: target.self,
        targetRole: target.role,
      });
      if (refusal) throw new HttpError(403, refusal.code, refusal.message);
      await setStaffPin(deps.db, access, staffId, body.pin);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { storeId: string; staffId: string } }>(
    '/api/v1/stores/:storeId/staff/:staffId/pin/verify',
    { preHandler: auth },
    async (request) => {
      const access = storeAccess(request, request.params.storeId);
      const staffId = staffIdOf(request.params.staffId);
      const body = parseOrThrow(verifyPinSchema, request.body);
      await assertDeviceOfStore(deps.db, access, body.deviceId);
      const verified = await verifyStaffPin(deps.db, deps.gate.clock, access, staffId, body.pin);
      // A PIN set before approvals existed gets its approval key now that the server sees it.
      await ensureApprovalKey(deps.db, access, staffId, body.pin);
      return verified;
    },
  );

  app.get<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/staff/pin-verifiers',
    { preHandler: auth },
    async (request) => {
      const access = storeAccess(request, request.params.storeId);
      const query = parseOrThrow(verifiersQuerySchema, request.query, 'query');
      await assertDeviceOfStore(deps.db, access, query.deviceId);
      return { verifiers: await listPinVerifiers(deps.db, access) };
    },
  );
}
