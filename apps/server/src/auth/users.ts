import { randomUUID } from 'node:crypto';
import type { Role } from '@mango/domain/entities';
import type { Db } from '../db/db';
import { httpErrors } from '../http/errors';
import type { StoreAccess } from './authenticate';
import { hashSecret } from './passwords';

export interface NewStoreUser {
  email: string;
  password: string;
  role: Role;
  displayName?: string | undefined;
}

/** Roles a role may hand out: an owner any; a manager only the roles below it. */
const GRANTABLE: Record<Role, readonly Role[]> = {
  owner: ['owner', 'manager', 'front_desk', 'technician'],
  manager: ['front_desk', 'technician'],
  front_desk: [],
  technician: [],
};

/**
 * Creates a staff user of the organization with a role in this store, or gives an existing user
 * of the same organization that role here. A user of another organization is never touched.
 */
export async function addStoreUser(
  db: Db,
  access: StoreAccess,
  input: NewStoreUser,
): Promise<{ userId: string; created: boolean }> {
  if (!GRANTABLE[access.role].includes(input.role)) {
    throw httpErrors.forbidden(
      `A ${access.role} may not grant the ${input.role} role.`,
      'FORBIDDEN_ROLE',
    );
  }
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashSecret(input.password);
  try {
    return await db.transaction(access, async (sql) => {
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
      return { userId, created: !found };
    });
  } catch (e) {
    if ((e as { code?: string }).code === '23505') {
      throw httpErrors.conflict('EMAIL_TAKEN', 'An account with this email already exists.');
    }
    throw e;
  }
}
