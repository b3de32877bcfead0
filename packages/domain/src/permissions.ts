import type { Role } from './entities';
import { reject } from './error-codes';
import type { MutatorContext } from './tx';

/** Role sets the mutators declare. `owner` is in every set: the owner may do everything. */
export const OWNER_ONLY: readonly Role[] = ['owner'];
export const MANAGERS: readonly Role[] = ['owner', 'manager'];
export const FRONT_DESK: readonly Role[] = ['owner', 'manager', 'front_desk'];
export const EVERYONE: readonly Role[] = ['owner', 'manager', 'front_desk', 'technician'];
/** Managers, and technicians acting on themselves (checked by `requireSelfUnlessManager`). */
export const MANAGERS_AND_SELF: readonly Role[] = ['owner', 'manager', 'technician'];

export function isManager(role: Role): boolean {
  return role === 'owner' || role === 'manager';
}

export function requireRole(ctx: MutatorContext, roles: readonly Role[], action: string): void {
  if (!roles.includes(ctx.actor.role)) {
    reject(
      'FORBIDDEN_ROLE',
      `A ${ctx.actor.role.replace('_', ' ')} cannot ${action}. Ask a ${roles.includes('manager') ? 'manager' : 'owner'}.`,
      { role: ctx.actor.role, allowed: roles },
    );
  }
}

/** A technician may act only on their own schedule and turns. */
export function requireSelfIfTechnician(ctx: MutatorContext, staffId: string, action: string) {
  if (ctx.actor.role === 'technician' && ctx.actor.staffId !== staffId) {
    reject('FORBIDDEN_ROLE', `A technician can only ${action} for themselves.`, {
      role: ctx.actor.role,
    });
  }
}

/**
 * Overrides (voids, refunds, comps, removing payments, double booking in strict mode) need a
 * manager: either a manager acting, or the front desk with a manager's approval on the device.
 */
export function requireManagerOrOverride(ctx: MutatorContext, action: string): void {
  if (isManager(ctx.actor.role)) return;
  if (ctx.actor.role === 'front_desk' && ctx.actor.managerOverride === true) return;
  reject('FORBIDDEN_ROLE', `Only a manager can ${action}; ask a manager to approve it.`, {
    role: ctx.actor.role,
  });
}
