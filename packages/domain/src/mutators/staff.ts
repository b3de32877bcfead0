import { z } from 'zod';
import { ROLES, type StaffRow } from '../entities';
import { reject } from '../error-codes';
import { MANAGERS } from '../permissions';
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
    'Creates or updates a staff member: name, role, active, and optionally commission, color, the services they perform and their weekly working hours (null clears them). Only an owner can create or change an owner.',
  roles: MANAGERS,
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
    if (ctx.actor.role === 'owner') return;
    const existing = await ctx.tx.get('staff', args.id);
    if (args.role === 'owner' || existing?.role === 'owner') {
      reject('FORBIDDEN_ROLE', 'Only an owner can add or change an owner.', {
        role: ctx.actor.role,
      });
    }
  },
  async run(ctx, args) {
    const existing = await ctx.tx.get('staff', args.id);
    const row = { ...existing, ...definedOnly(args) } as StaffRow;
    await ctx.tx.put('staff', row);
  },
});
