import type { Role } from './entities';
import { can, type PermissionName, roleRank } from './permissions';

/**
 * Who may create, change, deactivate and remove sign-ins (accounts) of a store, and set staff
 * PINs. Pure: the server route decides with it, the Team screen hides what it refuses.
 */

/** The signed-in person changing an account: their account id and their role in the store. */
export interface AccountActor {
  userId: string;
  role: Role;
}

/** The account being changed, as it is now in the store. */
export interface AccountTarget {
  userId: string;
  role: Role;
  active: boolean;
}

export type AccountChange =
  | { kind: 'create'; role: Role }
  | { kind: 'setRole'; role: Role }
  | { kind: 'deactivate' }
  | { kind: 'reactivate' }
  | { kind: 'remove' };

export type AccountRefusalCode = 'FORBIDDEN_ROLE' | 'LAST_OWNER' | 'SELF_CHANGE';

export interface AccountRefusal {
  code: AccountRefusalCode;
  message: string;
}

const MANAGER_ROLES: readonly Role[] = ['owner', 'manager'];

/** Managers and owners are changed only by an owner; front desk and technicians by managers too. */
export function accountPermissionFor(roles: readonly Role[]): PermissionName {
  return roles.some((r) => MANAGER_ROLES.includes(r)) ? 'users.manageManagers' : 'users.manage';
}

const roleName = (role: Role) => role.replace('_', ' ');

/**
 * Why `actor` may not make `change` to `target` (absent for a new account), or null when it may.
 * `activeOwners`: how many active owner accounts the store has now (the target included).
 *
 * - Only an owner creates or changes managers and owners; managers create and change front desk
 *   and technicians.
 * - Nobody takes away the store's last active owner (demote, deactivate, remove).
 * - Nobody raises their own role, deactivates or removes themselves.
 */
export function accountChangeRefusal(input: {
  actor: AccountActor;
  target: AccountTarget | null;
  change: AccountChange;
  activeOwners: number;
}): AccountRefusal | null {
  const { actor, target, change } = input;
  const newRole = change.kind === 'create' || change.kind === 'setRole' ? change.role : null;
  const touched: Role[] = [];
  if (target) touched.push(target.role);
  if (newRole) touched.push(newRole);
  const permission = accountPermissionFor(touched);
  if (!can(actor.role, permission)) {
    const what = touched.some((r) => MANAGER_ROLES.includes(r))
      ? 'managers and owners'
      : 'front desk and technician sign-ins';
    return {
      code: 'FORBIDDEN_ROLE',
      message: `A ${roleName(actor.role)} cannot change ${what}: ask ${permission === 'users.manageManagers' ? 'the owner' : 'a manager'}.`,
    };
  }
  if (!target) return null;
  const self = target.userId === actor.userId;
  if (self) {
    if (change.kind === 'deactivate' || change.kind === 'remove') {
      return {
        code: 'SELF_CHANGE',
        message: 'You cannot deactivate or remove your own sign-in: ask another owner.',
      };
    }
    if (newRole && roleRank(newRole) > roleRank(target.role)) {
      return { code: 'SELF_CHANGE', message: 'You cannot raise your own role.' };
    }
  }
  const losesOwner =
    target.role === 'owner' &&
    target.active &&
    (change.kind === 'deactivate' ||
      change.kind === 'remove' ||
      (newRole !== null && newRole !== 'owner'));
  if (losesOwner && input.activeOwners <= 1) {
    return {
      code: 'LAST_OWNER',
      message: 'This is the store’s only owner: make someone else owner first.',
    };
  }
  return null;
}

/**
 * Why `actor` may not set the PIN of a staff member whose role is `targetRole`, or null.
 * A manager sets their own PIN and those of front desk and technicians; only an owner sets a
 * manager's or an owner's. Nobody below manager sets PINs here (their PIN is set by a manager).
 */
export function pinChangeRefusal(input: {
  actorRole: Role;
  self: boolean;
  targetRole: Role;
}): AccountRefusal | null {
  if (!can(input.actorRole, 'pins.setOthers')) {
    return {
      code: 'FORBIDDEN_ROLE',
      message: `A ${roleName(input.actorRole)} cannot set PINs: ask a manager.`,
    };
  }
  if (input.self) return null;
  if (MANAGER_ROLES.includes(input.targetRole) && !can(input.actorRole, 'staff.manageManagers')) {
    return {
      code: 'FORBIDDEN_ROLE',
      message: `Only the owner can set a ${roleName(input.targetRole)}'s PIN.`,
    };
  }
  return null;
}
