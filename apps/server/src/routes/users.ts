import type { FastifyInstance } from 'fastify';
import { ROLES } from '@mango/domain/entities';
import { emailSchema, passwordSchema } from '@mango/protocol';
import { z } from 'zod';
import { type AccessGate, requireAuth, storeAccess } from '../auth/authenticate';
import { addStoreUser, listStoreUsers, removeStoreUser, updateStoreUser } from '../auth/users';
import type { Db } from '../db/db';
import { httpErrors } from '../http/errors';
import { parseOrThrow } from '../http/validate';

export const newUserSchema = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  role: z.enum(ROLES),
  displayName: z.string().trim().min(1).max(120).optional(),
});

export const updateUserSchema = z
  .strictObject({ role: z.enum(ROLES).optional(), active: z.boolean().optional() })
  .refine((b) => b.role !== undefined || b.active !== undefined, {
    message: 'give a role, active, or both',
  });

/**
 * The store's sign-ins: list, create (or give an organization's user a role here), change role,
 * deactivate and reactivate, remove. Who may do what: `accountChangeRefusal`
 * (@mango/domain/accounts); `users.manage` to get in at all.
 */
export function registerUserRoutes(app: FastifyInstance, deps: { db: Db; gate: AccessGate }): void {
  const auth = requireAuth(deps.gate);
  const userIdOf = (raw: unknown) => {
    const parsed = z.uuid().safeParse(raw);
    if (!parsed.success) throw httpErrors.notFound('No such sign-in.');
    return parsed.data;
  };

  app.get<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/users',
    { preHandler: auth },
    async (request) => {
      const access = storeAccess(request, request.params.storeId, 'users.manage');
      return { users: await listStoreUsers(deps.db, access) };
    },
  );

  app.post<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/users',
    { preHandler: auth },
    async (request, reply) => {
      const access = storeAccess(request, request.params.storeId, 'users.manage');
      const body = parseOrThrow(newUserSchema, request.body);
      const result = await addStoreUser(deps.db, access, body);
      await deps.gate.forgetUser(result.userId);
      return reply
        .code(result.created ? 201 : 200)
        .send({ userId: result.userId, role: body.role });
    },
  );

  app.patch<{ Params: { storeId: string; userId: string } }>(
    '/api/v1/stores/:storeId/users/:userId',
    { preHandler: auth },
    async (request) => {
      const access = storeAccess(request, request.params.storeId, 'users.manage');
      const userId = userIdOf(request.params.userId);
      const body = parseOrThrow(updateUserSchema, request.body);
      const { sessionsRevoked: _revoked, ...user } = await updateStoreUser(
        deps.db,
        access,
        userId,
        body,
      );
      await deps.gate.forgetUser(userId);
      return user;
    },
  );

  app.delete<{ Params: { storeId: string; userId: string } }>(
    '/api/v1/stores/:storeId/users/:userId',
    { preHandler: auth },
    async (request, reply) => {
      const access = storeAccess(request, request.params.storeId, 'users.manage');
      const userId = userIdOf(request.params.userId);
      await removeStoreUser(deps.db, access, userId);
      await deps.gate.forgetUser(userId);
      return reply.code(204).send();
    },
  );
}
