import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assertDeviceOfStore, requireAuth, storeAccess } from '../auth/authenticate';
import { listPinVerifiers, setStaffPin, verifyStaffPin } from '../auth/staff-pin';
import type { TokenSigner } from '../auth/tokens';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { httpErrors } from '../http/errors';
import { parseOrThrow } from '../http/validate';

const pinSchema = z.string().regex(/^\d{4,6}$/, 'a PIN is 4 to 6 digits');
export const setPinSchema = z.strictObject({ pin: pinSchema });
export const verifyPinSchema = z.strictObject({ pin: pinSchema, deviceId: z.uuid() });
export const verifiersQuerySchema = z.strictObject({ deviceId: z.uuid() });

export function registerStaffPinRoutes(
  app: FastifyInstance,
  deps: { db: Db; signer: TokenSigner; clock: Clock },
): void {
  const auth = requireAuth(deps.signer, deps.clock);
  const staffIdOf = (raw: unknown) => {
    const parsed = z.uuid().safeParse(raw);
    if (!parsed.success) throw httpErrors.notFound('No such staff member.');
    return parsed.data;
  };

  app.put<{ Params: { storeId: string; staffId: string } }>(
    '/api/v1/stores/:storeId/staff/:staffId/pin',
    { preHandler: auth },
    async (request, reply) => {
      const access = storeAccess(request, request.params.storeId, ['owner', 'manager']);
      const staffId = staffIdOf(request.params.staffId);
      const body = parseOrThrow(setPinSchema, request.body);
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
      return verifyStaffPin(deps.db, deps.clock, access, staffId, body.pin);
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
