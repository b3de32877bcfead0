import { z } from 'zod';
import {
  appointmentEnd,
  assertTransition,
  findOverlaps,
  isActiveAppointment,
  MAX_APPOINTMENT_MINUTES,
  serviceTermsFor,
} from '../appointments';
import type { AppointmentRow, AppointmentStatus, StaffRow } from '../entities';
import { reject } from '../error-codes';
import { isAllowedOrApproved, requireSelfIfTechnician } from '../permissions';
import { addMinutes, businessDate, toUtcIso } from '../time';
import type { MutatorContext } from '../tx';
import { defineMutator } from './define';
import { createOnce, definedOnly, loadStore, now, requireRow } from './rows';
import { id, isoDateTime, reason, shortText, ticketNumber } from './schemas';
import { newTicket, recalculate, requireIssuableNumber } from './ticket-state';

/** A resized length: whole 5-minute steps, at most a 12-hour day. */
const appointmentLength = z.int().min(5).max(720).multipleOf(5);

/** Ids a device made for the rows of one mutation: the same id twice would be one row. */
export function distinctIds(ids: readonly string[]): boolean {
  return new Set(ids).size === ids.length;
}

export async function requireActiveStaff(ctx: MutatorContext, staffId: string): Promise<StaffRow> {
  const staff = await requireRow(ctx, 'staff', staffId, 'STAFF_NOT_FOUND', 'The staff member');
  if (!staff.active) {
    reject('STAFF_INACTIVE', `${staff.displayName} is no longer active.`, { staffId });
  }
  return staff;
}

async function requireAppointment(ctx: MutatorContext, appointmentId: string) {
  return requireRow(ctx, 'appointment', appointmentId, 'APPOINTMENT_NOT_FOUND', 'The appointment');
}

/**
 * The same staff member's appointments that could overlap `appt`. Bounded by the longest
 * bookable duration, so it is an index range on (staffId, start), never a scan.
 */
export async function overlapsOf(
  ctx: MutatorContext,
  appt: AppointmentRow,
): Promise<AppointmentRow[]> {
  if (!isActiveAppointment(appt.status)) return [];
  const window = await ctx.tx.list('appointment', {
    where: { staffId: appt.staffId },
    range: { field: 'start', gte: addMinutes(appt.start, -MAX_APPOINTMENT_MINUTES), lt: appt.end },
  });
  return findOverlaps(appt, window);
}

/**
 * Stores `after` and brings every affected `conflict` flag up to date: the appointment itself,
 * the ones it now overlaps, and the ones it used to overlap (which may be free of conflict now).
 * In strict mode a new overlap is refused unless a manager books it.
 */
export async function saveWithConflicts(
  ctx: MutatorContext,
  before: AppointmentRow | undefined,
  after: AppointmentRow,
): Promise<void> {
  const previous = before ? await overlapsOf(ctx, before) : [];
  if (ctx.actor.online && isActiveAppointment(after.status)) await requireFreeForOnline(ctx, after);
  await ctx.tx.put('appointment', after);
  const current = await overlapsOf(ctx, after);
  if (current.length > 0 && isActiveAppointment(after.status)) {
    const store = await loadStore(ctx);
    const approved = isAllowedOrApproved(ctx, 'appointments.doubleBook');
    // An overlap with an online booking is never refused, even in strict mode: the desk may have
    // booked offline before the online one reached it, and refusing would lose its booking. Both
    // are flagged and listed for the desk to resolve.
    const isNewOverlap = current.some(
      (c) => !previous.some((p) => p.id === c.id) && c.source !== 'online',
    );
    if (store.strictBooking && isNewOverlap && !approved) {
      reject(
        'STAFF_DOUBLE_BOOKED',
        'That time overlaps another appointment for this staff member; a manager must approve a double booking.',
        { overlapping: current.map((c) => c.id) },
      );
    }
  }
  const conflict = current.length > 0;
  if (after.conflict !== conflict) await ctx.tx.put('appointment', { ...after, conflict });
  for (const other of current) {
    if (!other.conflict) await ctx.tx.put('appointment', { ...other, conflict: true });
  }
  for (const old of previous) {
    if (current.some((c) => c.id === old.id)) continue;
    const fresh = await ctx.tx.get('appointment', old.id);
    if (!fresh) continue;
    const stillConflicting = (await overlapsOf(ctx, fresh)).length > 0;
    if (fresh.conflict !== stillConflicting) {
      await ctx.tx.put('appointment', { ...fresh, conflict: stillConflicting });
    }
  }
}

/**
 * An online booking or move never creates an overlap: the time must be clear of the staff
 * member's other active appointments by the store's buffer. Checked under the store's lock on
 * the server, so of two clients taking one slot at once the second is refused here.
 */
async function requireFreeForOnline(ctx: MutatorContext, appt: AppointmentRow): Promise<void> {
  const store = await loadStore(ctx);
  const bufferMin = store.onlineBooking?.bufferMin ?? 0;
  const padded = {
    ...appt,
    start: addMinutes(appt.start, -bufferMin),
    end: addMinutes(appt.end, bufferMin),
  };
  const window = await ctx.tx.list('appointment', {
    where: { staffId: appt.staffId },
    range: {
      field: 'start',
      gte: addMinutes(padded.start, -MAX_APPOINTMENT_MINUTES),
      lt: padded.end,
    },
  });
  const taken = findOverlaps(padded, window);
  if (taken.length > 0) {
    reject('SLOT_TAKEN', 'That time has just been taken: choose another one.', {
      staffId: appt.staffId,
      start: appt.start,
    });
  }
}

export async function transition(
  ctx: MutatorContext,
  appointmentId: string,
  to: AppointmentStatus,
  extra: Partial<AppointmentRow> = {},
): Promise<AppointmentRow> {
  const before = await requireAppointment(ctx, appointmentId);
  assertTransition(before.status, to);
  const after = { ...before, ...extra, status: to };
  await saveWithConflicts(ctx, before, after);
  return after;
}

/** Technicians may move only their own appointments along. */
async function ownAppointmentIfTechnician(ctx: MutatorContext, args: { id: string }) {
  if (ctx.actor.role !== 'technician') return;
  const appt = await ctx.tx.get('appointment', args.id);
  if (appt) requireSelfIfTechnician(ctx, appt.staffId, 'work on appointments');
}

export interface BookingInput {
  id: string;
  staffId: string;
  serviceId: string;
  start: string;
  clientId?: string | undefined;
  notes?: string | undefined;
}

/**
 * The checks and writes of one booking, shared by appointment.book, a visit's items and a
 * series' occurrences so that every booked row passes the same rules. `extra` carries the
 * visit or series fields; they are part of the row's identity, so a retry with the same ids
 * is a no-op and a different booking under a used id is an ID_CONFLICT.
 */
export async function bookAppointment(
  ctx: MutatorContext,
  input: BookingInput,
  extra: Pick<AppointmentRow, 'groupId' | 'seriesId' | 'series'> = {},
): Promise<AppointmentRow> {
  await requireActiveStaff(ctx, input.staffId);
  const service = await requireRow(
    ctx,
    'service',
    input.serviceId,
    'SERVICE_NOT_FOUND',
    'The service',
  );
  if (input.clientId) {
    await requireRow(ctx, 'client', input.clientId, 'CLIENT_NOT_FOUND', 'The client');
  }
  const start = toUtcIso(input.start);
  const { durationMin } = serviceTermsFor(service, input.staffId);
  const appointment: AppointmentRow = {
    id: input.id,
    staffId: input.staffId,
    serviceId: input.serviceId,
    clientId: input.clientId ?? null,
    start,
    end: appointmentEnd(start, durationMin),
    durationMin,
    status: 'booked',
    notes: input.notes ?? null,
    conflict: false,
    ...definedOnly(extra),
    ...(ctx.actor.online ? { source: 'online' as const } : {}),
  };
  const created = await createOnce(ctx, 'appointment', appointment, [
    'staffId',
    'serviceId',
    'clientId',
    'start',
    'groupId',
    'seriesId',
  ]);
  if (created) await saveWithConflicts(ctx, undefined, appointment);
  return appointment;
}

export const appointmentBook = defineMutator({
  name: 'appointment.book',
  description:
    'Books a service with a staff member. The end is start + the service duration (or the staff member’s override). Overlaps with the same staff member are booked and flagged as conflicts (refused in strict mode unless a manager approves).',
  permission: 'appointments.book',
  args: z.strictObject({
    id,
    staffId: id,
    serviceId: id,
    start: isoDateTime,
    clientId: id.optional(),
    notes: shortText.optional(),
  }),
  async run(ctx, args) {
    await bookAppointment(ctx, args);
  },
});

export const appointmentReschedule = defineMutator({
  name: 'appointment.reschedule',
  description:
    'Moves a booked (or checked-in) appointment to a new start, optionally to another staff member and optionally with a new length (a resize; otherwise the length is kept, or taken from the service when the staff member changes). Conflict flags are recomputed at both the old and the new time.',
  permission: 'appointments.book',
  args: z.strictObject({
    id,
    start: isoDateTime,
    staffId: id.optional(),
    durationMin: appointmentLength.optional(),
  }),
  async run(ctx, args) {
    const before = await requireAppointment(ctx, args.id);
    if (before.status !== 'booked' && before.status !== 'checked_in') {
      reject(
        'INVALID_STATUS_TRANSITION',
        `An appointment that is ${before.status.replace('_', ' ')} cannot be rescheduled.`,
        { from: before.status },
      );
    }
    const staffId = args.staffId ?? before.staffId;
    let durationMin = before.durationMin;
    if (staffId !== before.staffId) {
      await requireActiveStaff(ctx, staffId);
      const service = await ctx.tx.get('service', before.serviceId);
      if (service) durationMin = serviceTermsFor(service, staffId).durationMin;
    }
    if (args.durationMin !== undefined) durationMin = args.durationMin;
    const start = toUtcIso(args.start);
    await saveWithConflicts(ctx, before, {
      ...before,
      staffId,
      start,
      durationMin,
      end: appointmentEnd(start, durationMin),
    });
  },
});

export const appointmentCancel = defineMutator({
  name: 'appointment.cancel',
  description: 'Cancels an appointment that has not started; frees the time for other bookings.',
  permission: 'appointments.book',
  args: z.strictObject({ id, reason: reason.optional() }),
  async run(ctx, args) {
    await transition(ctx, args.id, 'cancelled', { cancelReason: args.reason ?? null });
  },
});

export const appointmentNoShow = defineMutator({
  name: 'appointment.noShow',
  description: 'Marks a booked appointment as a no-show.',
  permission: 'appointments.book',
  args: z.strictObject({ id }),
  async run(ctx, args) {
    await transition(ctx, args.id, 'no_show');
  },
});

export const appointmentCheckIn = defineMutator({
  name: 'appointment.checkIn',
  description: 'The client has arrived. Technicians may check in their own appointments.',
  permission: 'appointments.work',
  args: z.strictObject({ id }),
  authorize: ownAppointmentIfTechnician,
  async run(ctx, args) {
    await transition(ctx, args.id, 'checked_in');
  },
});

export const appointmentStart = defineMutator({
  name: 'appointment.start',
  description: 'The service has begun. Technicians may start their own appointments.',
  permission: 'appointments.work',
  args: z.strictObject({ id }),
  authorize: ownAppointmentIfTechnician,
  async run(ctx, args) {
    await transition(ctx, args.id, 'in_service');
  },
});

export const appointmentComplete = defineMutator({
  name: 'appointment.complete',
  description:
    'The service is done: completes the appointment and opens a ticket (id `ticketId`, readable `number` made by the device as for ticket.open) with the booked service on line `lineId`, priced for the staff member.',
  permission: 'appointments.work',
  args: z.strictObject({ id, ticketId: id, lineId: id, number: ticketNumber.optional() }),
  authorize: ownAppointmentIfTechnician,
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const appointment = await requireAppointment(ctx, args.id);
    const service = await requireRow(
      ctx,
      'service',
      appointment.serviceId,
      'SERVICE_NOT_FOUND',
      'The booked service',
    );
    const at = now(ctx);
    const day = businessDate(at, store.timeZone);
    if (args.number && !(await ctx.tx.get('ticket', args.ticketId))) {
      await requireIssuableNumber(ctx, args.number, day);
    }
    await transition(ctx, args.id, 'completed', { ticketId: args.ticketId });
    const ticket = newTicket(args.ticketId, at, appointment.clientId ?? null, appointment.id, {
      number: args.number ?? null,
      businessDate: day,
    });
    await createOnce(ctx, 'ticket', ticket, ['clientId', 'appointmentId']);
    const { priceCents } = serviceTermsFor(service, appointment.staffId);
    await createOnce(
      ctx,
      'ticketLine',
      {
        id: args.lineId,
        ticketId: args.ticketId,
        kind: 'service',
        itemId: service.id,
        name: service.name,
        staffId: appointment.staffId,
        quantity: 1,
        unitPriceCents: priceCents,
        taxable: service.taxable,
        discount: null,
        comp: false,
        discountCents: 0,
        lineTotalCents: priceCents,
        position: 1,
      },
      ['ticketId', 'kind', 'itemId', 'staffId', 'quantity'],
    );
    await recalculate(ctx, (await ctx.tx.get('ticket', args.ticketId)) ?? ticket, store);
  },
});
