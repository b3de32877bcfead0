import type { Role } from './entities';
import { reject } from './error-codes';
import type { MutatorContext } from './tx';

/** Role sets. `owner` is in every set: the owner may do everything. */
export const OWNER_ONLY: readonly Role[] = ['owner'];
export const MANAGERS: readonly Role[] = ['owner', 'manager'];
export const FRONT_DESK: readonly Role[] = ['owner', 'manager', 'front_desk'];
export const EVERYONE: readonly Role[] = ['owner', 'manager', 'front_desk', 'technician'];

/** Higher ranks may do what lower ranks may (the role sets above are all upward-closed). */
const ROLE_RANK: Readonly<Record<Role, number>> = {
  technician: 0,
  front_desk: 1,
  manager: 2,
  owner: 3,
};

export function roleRank(role: Role): number {
  return ROLE_RANK[role];
}

/**
 * The role someone acts with: a staff member's own role, capped by the signed-in account's role
 * (a device signed in as front desk never acts as a manager, whoever switches in by PIN).
 */
export function cappedRole(staffRole: Role, accountRole: Role): Role {
  return ROLE_RANK[staffRole] <= ROLE_RANK[accountRole] ? staffRole : accountRole;
}

export function isManager(role: Role): boolean {
  return role === 'owner' || role === 'manager';
}

export interface Permission {
  /** Roles allowed outright. */
  readonly roles: readonly Role[];
  /**
   * Roles allowed only with a manager's approval that the server verifies (a PIN-keyed MAC
   * carried by the mutation: docs/SECURITY.md). Absent: no approval can lift the refusal.
   */
  readonly withApproval?: readonly Role[];
  /** What it allows, as the permission table in docs/SECURITY.md reads. */
  readonly description: string;
}

/**
 * THE permission table. Mutators name a permission (`defineMutator({ permission })`), server
 * routes check one (`storeAccess(request, storeId, 'users.manage')`), and the web app hides or
 * disables what `can(role, permission)` refuses. No route or screen decides on its own.
 */
export const PERMISSIONS = {
  'store.settings': {
    roles: MANAGERS,
    description: 'Change store settings: tax, time zone, booking rules, offline card caps',
  },
  'catalog.manage': { roles: MANAGERS, description: 'Add and change services and products' },
  'staff.manage': {
    roles: MANAGERS,
    description:
      'Add and change front desk and technician staff: names, hours, services, commission',
  },
  'staff.manageManagers': {
    roles: OWNER_ONLY,
    description: 'Make someone a manager or owner, or change a manager or owner',
  },
  'pins.setOthers': {
    roles: MANAGERS,
    description:
      "Set or reset another person's PIN (a manager: front desk and technicians; only the owner: managers and owners)",
  },
  'users.manage': {
    roles: MANAGERS,
    description: 'Create, deactivate and remove front desk and technician sign-ins',
  },
  'users.manageManagers': {
    roles: OWNER_ONLY,
    description: 'Create, change, deactivate and remove manager and owner sign-ins',
  },
  'devices.manage': {
    roles: MANAGERS,
    description: 'Register a new device to the store (its first sign-in), list and revoke devices',
  },
  'reports.view': {
    roles: MANAGERS,
    description: 'Sales reports, history exports and error reports',
  },
  'plan.view': {
    roles: OWNER_ONLY,
    description: "The store's plan: usage against its limits (billing is the owner's)",
  },
  'clients.manage': { roles: FRONT_DESK, description: 'Add, change and delete clients' },
  'appointments.book': {
    roles: FRONT_DESK,
    description: 'Book, reschedule, cancel and mark no-show',
  },
  'appointments.doubleBook': {
    roles: MANAGERS,
    withApproval: ['front_desk'],
    description: 'Book over another appointment when the store refuses double bookings',
  },
  'appointments.work': {
    roles: EVERYONE,
    description: 'Check in, start and complete appointments (a technician: their own)',
  },
  'tickets.sell': {
    roles: FRONT_DESK,
    description:
      'Open tickets, add lines, take payments, close tickets, sell and reload gift cards',
  },
  'tickets.discount': { roles: FRONT_DESK, description: 'Discount a line or a ticket' },
  'tickets.comp': {
    roles: MANAGERS,
    withApproval: ['front_desk'],
    description: 'Comp (give away) a line',
  },
  'tickets.removePayment': {
    roles: MANAGERS,
    withApproval: ['front_desk'],
    description: 'Remove a payment from a ticket',
  },
  'tickets.void': {
    roles: MANAGERS,
    withApproval: ['front_desk'],
    description: 'Void a ticket',
  },
  'tickets.refund': {
    roles: MANAGERS,
    withApproval: ['front_desk'],
    description: 'Refund a closed ticket',
  },
  'giftCards.adjust': { roles: MANAGERS, description: "Adjust a gift card's balance by hand" },
  'cashDrawer.operate': {
    roles: FRONT_DESK,
    description: 'Open, count and close the cash drawer; pay in and pay out',
  },
  'turns.clock': {
    // The front desk clocks technicians in as they arrive, as nail salons run their turn list.
    roles: EVERYONE,
    description: 'Clock staff in and out of the turn list (a technician: only themselves)',
  },
  'turns.assign': { roles: FRONT_DESK, description: 'Assign turns and walk-ins, complete turns' },
  'turns.adjust': { roles: MANAGERS, description: 'Skip a turn, adjust turn counts' },
} as const satisfies Record<string, Permission>;

export type PermissionName = keyof typeof PERMISSIONS;

export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as PermissionName[];

/** Whether `role` may do it without an approval. */
export function can(role: Role, permission: PermissionName): boolean {
  return PERMISSIONS[permission].roles.includes(role);
}

/** Whether `role` may do it with a manager's approval (and not without). */
export function canWithApproval(role: Role, permission: PermissionName): boolean {
  const p: Permission = PERMISSIONS[permission];
  return !can(role, permission) && (p.withApproval ?? []).includes(role);
}

function roleName(role: Role): string {
  return role.replace('_', ' ');
}

/**
 * The mutator-level check: allowed outright, or (for the approval roles) allowed now and the
 * approval checked by `requireApproval` inside the mutator, which knows when it is needed.
 */
export function requirePermission(
  ctx: MutatorContext,
  permission: PermissionName,
  action: string,
): void {
  const p: Permission = PERMISSIONS[permission];
  const role = ctx.actor.role;
  if (p.roles.includes(role) || (p.withApproval ?? []).includes(role)) return;
  reject(
    'FORBIDDEN_ROLE',
    `A ${roleName(role)} cannot ${action}. Ask a ${p.roles.includes('manager') ? 'manager' : 'owner'}.`,
    { role, permission, allowed: p.roles },
  );
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
 * Overrides (voids, refunds, comps, removing payments, double booking in strict mode): allowed
 * outright for the permission's roles; for its approval roles only with a verified manager's
 * approval. On the server `actor.approvedBy` is set only after the approval's MAC was checked
 * against the approving manager's PIN key; on a device it is the device's own belief, which the
 * server re-checks.
 */
export function requireApproval(
  ctx: MutatorContext,
  permission: PermissionName,
  action: string,
): void {
  const role = ctx.actor.role;
  if (can(role, permission)) return;
  if (canWithApproval(role, permission) && ctx.actor.approvedBy) return;
  if (canWithApproval(role, permission)) {
    reject(
      'APPROVAL_REQUIRED',
      `Only a manager can ${action}: ask a manager to approve it with their PIN.`,
      { role, permission },
    );
  }
  reject('FORBIDDEN_ROLE', `A ${roleName(role)} cannot ${action}.`, { role, permission });
}

/** Whether the actor may do it now (allowed outright, or approved). */
export function isAllowedOrApproved(ctx: MutatorContext, permission: PermissionName): boolean {
  return (
    can(ctx.actor.role, permission) ||
    (canWithApproval(ctx.actor.role, permission) && Boolean(ctx.actor.approvedBy))
  );
}
