import type { FastifyInstance } from 'fastify';
import { ROLES } from '@mango/domain/entities';
import { emailSchema, passwordSchema } from '@mango/protocol';
import { z } from 'zod';
import { requireAuth, storeAccess } from '../auth/authenticate';
import type { TokenSigner } from '../auth/tokens';
import { addStoreUser } from '../auth/users';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { parseOrThrow } from '../http/validate';

export const newUserSchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  role: z.enum(ROLES),
  displayName: z.string().trim().min(1).max(120).optional(),
});

/** Invite or create staff users (owners and managers). */
export function registerUserRoutes(
  app: FastifyInstance,
  deps: { db: Db; signer: TokenSigner; clock: Clock },
): void {
  app.post<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/users',
    { preHandler: requireAuth(deps.signer, deps.clock) },
    async (request, reply) => {
      const access = storeAccess(request, request.params.storeId, ['owner', 'manager']);
      const body = parseOrThrow(newUserSchema, request.body);
      const result = await addStoreUser(deps.db, access, body);
      return reply
        .code(result.created ? 201 : 200)
        .send({ userId: result.userId, role: body.role });
    },
  );
}
