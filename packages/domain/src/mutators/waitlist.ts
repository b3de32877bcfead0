import { z } from 'zod';
import type { WaitlistEntryRow } from '../entities';
import { reject } from '../error-codes';
import { addMinutes, toUtcIso } from '../time';
import type { MutatorContext } from '../tx';
import { MAX_WAITLIST_NOTES, MAX_WAITLIST_SERVICES, waitlistRangeProblem } from '../waitlist';
import { bookAppointment } from './appointment';
import { defineMutator } from './define';
import { createOnce, definedOnly, now, requireRow } from './rows';
import { id, isoDateTime } from './schemas';

const ymd = z.iso.date();
const hhmm = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM (00:00 to 23:59)');
const notes = z.string().trim().max(MAX_WAITLIST_NOTES);
/** 1 to 8 distinct ids: the services of a visit, or the appointments booking them. */
const distinctIds = (what: string) =>
  z
    .array(id)
    .min(1)
    .max(MAX_WAITLIST_SERVICES)
    .refine((list) => new Set(list).size === list.length, { message: `${what} is listed twice` });
const serviceIds = distinctIds('a service');

/** The fields a client tells the desk; the same bounds for adding and changing an entry. */
const wishes = {
  clientId: id,
  serviceIds,
  /** null or absent: anyone. */
  staffId: id.nullable().optional(),
  fromDate: ymd,
  toDate: ymd,
  windowStart: hhmm.nullable().optional(),
  windowEnd: hhmm.nullable().optional(),
  notes: notes.nullable().optional(),
};

async function requireEntry(ctx: MutatorContext, entryId: string): Promise<WaitlistEntryRow> {
  return requireRow(
    ctx,
    'waitlistEntry',
    entryId,
    'WAITLIST_ENTRY_NOT_FOUND',
    'The waitlist entry',
  );
}

function requireWaiting(entry: WaitlistEntryRow): void {
  if (entry.status !== 'waiting') {
    reject('WAITLIST_ENTRY_NOT_WAITING', `This waitlist entry is already ${entry.status}.`, {
      status: entry.status,
    });
  }
}

/** Checks what an entry names exists here, so a wrong id is refused at the desk, not at booking. */
async function requireNamedRows(
  ctx: MutatorContext,
  entry: Pick<WaitlistEntryRow, 'clientId' | 'serviceIds' | 'staffId'>,
): Promise<void> {
  await requireRow(ctx, 'client', entry.clientId, 'CLIENT_NOT_FOUND', 'The client');
  for (const serviceId of entry.serviceIds) {
    await requireRow(ctx, 'service', serviceId, 'SERVICE_NOT_FOUND', 'The service');
  }
  if (entry.staffId) {
    const staff = await requireRow(
      ctx,
      'staff',
      entry.staffId,
      'STAFF_NOT_FOUND',
      'The technician',
    );
    if (!staff.active) {
      reject('STAFF_INACTIVE', `${staff.displayName} is no longer active.`, { staffId: staff.id });
    }
  }
}

export const waitlistAdd = defineMutator({
  name: 'waitlist.add',
  description:
    'Puts a client on the waitlist for services (1 to 8, booked back to back) with a technician or anyone, between two store-local dates (at most 92 days) and optionally inside a daily time window. The entry stops being offered after `toDate`.',
  permission: 'appointments.book',
  args: z.strictObject({ id, ...wishes }).superRefine((entry, issues) => {
    const problem = waitlistRangeProblem(entry);
    if (problem) issues.addIssue({ code: 'custom', message: problem, path: ['toDate'] });
  }),
  async run(ctx, args) {
    const entry: WaitlistEntryRow = {
      id: args.id,
      clientId: args.clientId,
      serviceIds: args.serviceIds,
      staffId: args.staffId ?? null,
      fromDate: args.fromDate,
      toDate: args.toDate,
      windowStart: args.windowStart ?? null,
      windowEnd: args.windowEnd ?? null,
      notes: args.notes || null,
      status: 'waiting',
      appointmentId: null,
      createdAt: now(ctx),
    };
    await requireNamedRows(ctx, entry);
    await createOnce(ctx, 'waitlistEntry', entry, ['clientId', 'serviceIds', 'staffId']);
  },
});

export const waitlistUpdate = defineMutator({
  name: 'waitlist.update',
  description:
    'Changes a waiting entry: any of its services, technician (null: anyone), dates, time window (null: none) and notes. The other fields stay.',
  permission: 'appointments.book',
  args: z.strictObject({ id, ...wishes, clientId: id.optional() }).partial({
    serviceIds: true,
    fromDate: true,
    toDate: true,
  }),
  async run(ctx, args) {
    const before = await requireEntry(ctx, args.id);
    requireWaiting(before);
    const after: WaitlistEntryRow = {
      ...before,
      ...(definedOnly(args) as Partial<WaitlistEntryRow>),
    };
    if (args.notes !== undefined) after.notes = args.notes || null;
    const problem = waitlistRangeProblem(after);
    if (problem) reject('WAITLIST_INVALID_RANGE', `The waitlist entry: ${problem}.`);
    await requireNamedRows(ctx, after);
    await ctx.tx.put('waitlistEntry', after);
  },
});

export const waitlistRemove = defineMutator({
  name: 'waitlist.remove',
  description:
    'Takes a waiting entry off the waitlist (the client no longer wants the time). The row stays for the record.',
  permission: 'appointments.book',
  args: z.strictObject({ id }),
  async run(ctx, args) {
    const entry = await requireEntry(ctx, args.id);
    requireWaiting(entry);
    await ctx.tx.put('waitlistEntry', { ...entry, status: 'removed' });
  },
});

export const waitlistBook = defineMutator({
  name: 'waitlist.book',
  description:
    'Books a waiting entry into a freed time: its services back to back from `start` with technician `staffId`, one appointment per service (ids `appointmentIds`, in the entry’s order), exactly as appointment.book books them, and marks the entry booked, all or nothing.',
  permission: 'appointments.book',
  args: z.strictObject({
    id,
    staffId: id,
    start: isoDateTime,
    appointmentIds: distinctIds('an appointment id'),
  }),
  async run(ctx, args) {
    const entry = await requireEntry(ctx, args.id);
    requireWaiting(entry);
    if (args.appointmentIds.length !== entry.serviceIds.length) {
      reject(
        'INVALID_ARGS',
        `This entry books ${entry.serviceIds.length} service(s): send one appointment id for each.`,
        { services: entry.serviceIds.length, appointmentIds: args.appointmentIds.length },
      );
    }
    let start = toUtcIso(args.start);
    // With bookAppointment, the book's own checks: overlaps flagged, or refused in strict mode
    // unless approved. Several services are one visit (the book marks them as such).
    const visit = entry.serviceIds.length > 1 ? { groupId: entry.id } : {};
    for (const [i, serviceId] of entry.serviceIds.entries()) {
      const booked = await bookAppointment(
        ctx,
        {
          id: args.appointmentIds[i]!,
          staffId: args.staffId,
          serviceId,
          start,
          clientId: entry.clientId,
          notes: i === 0 ? (entry.notes ?? undefined) : undefined,
        },
        visit,
      );
      start = addMinutes(start, booked.durationMin);
    }
    await ctx.tx.put('waitlistEntry', {
      ...entry,
      status: 'booked',
      appointmentId: args.appointmentIds[0]!,
    });
  },
});
