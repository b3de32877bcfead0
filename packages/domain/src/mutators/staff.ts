import { z } from 'zod';
import { ROLES, type StaffRow } from '../entities';
import { reject } from '../error-codes';
import { can, roleRank } from '../permissions';
import { overlappingShifts } from '../working-hours';
import { defineMutator } from './define';
import { definedOnly } from './rows';
import { bps, cents, id, name } from './schemas';

const minuteOfDay = z
  .int()
  .min(0)
  .max(24 * 60)
  .multipleOf(5);

/** A week of shifts: each ends after it starts, and shifts of one weekday do not overlap. */
const workingHours = z
  .array(
    z
      .strictObject({ weekday: z.int().min(0).max(6), startMin: minuteOfDay, endMin: minuteOfDay })
      .refine((s) => s.endMin > s.startMin, { message: 'A shift must end after it starts.' }),
  )
  .max(28)
  .refine((shifts) => overlappingShifts(shifts).length === 0, {
    message: 'Two shifts on the same day overlap.',
  });

export const staffUpsert = defineMutator({
  name: 'staff.upsert',
  description:
    'Creates or updates a staff member: name, role, active, and optionally commission, color, the services they perform and their weekly working hours (null clears them). Only the owner can create or change managers and owners; nobody changes their own role; the last active owner stays.',
  permission: 'staff.manage',
  args: z.strictObject({
    id,
    displayName: name,
    role: z.enum(ROLES),
    active: z.boolean(),
    userId: z.uuid().nullable().optional(),
    color: z.string().trim().max(32).nullable().optional(),
    commissionBps: bps.optional(),
    commissionTiers: z
      .array(z.strictObject({ fromCents: cents, bps }))
      .max(20)
      .optional(),
    serviceIds: z.array(z.uuid()).max(500).optional(),
    workingHours: workingHours.nullable().optional(),
  }),
  async authorize(ctx, args) {
    const existing = await ctx.tx.get('staff', args.id);
    const actor = ctx.actor;
    // Nobody changes their own role (a manager cannot make themselves owner, nor step down by
    // accident and lock the store out): another person with the right does it.
    if (existing && actor.staffId === existing.id && existing.role !== args.role) {
      reject('FORBIDDEN_ROLE', 'You cannot change your own role: ask the owner.', {
        role: actor.role,
      });
    }
    const touchesManagers =
      roleRank(args.role) >= roleRank('manager') ||
      (existing !== undefined && roleRank(existing.role) >= roleRank('manager'));
    if (touchesManagers && !can(actor.role, 'staff.manageManagers')) {
      reject('FORBIDDEN_ROLE', 'Only the owner can add or change managers and owners.', {
        role: actor.role,
        permission: 'staff.manageManagers',
      });
    }
    // The last active owner stays an active owner: a store without one cannot be managed.
    if (existing?.role === 'owner' && (args.role !== 'owner' || !args.active)) {
      const owners = await ctx.tx.list('staff', { where: { active: true } });
      if (!owners.some((s) => s.role === 'owner' && s.id !== existing.id)) {
        reject('FORBIDDEN_ROLE', 'The store must keep an active owner.', { role: actor.role });
      }
    }
  },
  async run(ctx, args) {
    const existing = await ctx.tx.get('staff', args.id);
    const row = { ...existing, ...definedOnly(args) } as StaffRow;
    await ctx.tx.put('staff', row);
  },
});
