import { z } from 'zod';
import {
  appointmentEnd,
  canTransition,
  MAX_REPEAT_WEEKS,
  MAX_SERIES_OCCURRENCES,
  MIN_SERIES_OCCURRENCES,
  seriesStarts,
  serviceTermsFor,
} from '../appointments';
import type { AppointmentRepeat, AppointmentRow } from '../entities';
import { reject } from '../error-codes';
import { isAllowedOrApproved } from '../permissions';
import { businessDate } from '../time';
import {
  bookAppointment,
  distinctIds,
  overlapsOf,
  requireActiveStaff,
  transition,
} from './appointment';
import { defineMutator } from './define';
import { loadStore, requireRow } from './rows';
import { id, isoDateTime, reason, shortText } from './schemas';

/** The one schema of a series' rule: the mutators' args and the UI's choices come from it. */
export const appointmentRepeat = z.strictObject({
  everyWeeks: z.int().min(1).max(MAX_REPEAT_WEEKS),
  count: z.int().min(MIN_SERIES_OCCURRENCES).max(MAX_SERIES_OCCURRENCES),
}) satisfies z.ZodType<AppointmentRepeat>;

export const appointmentBookSeries = defineMutator({
  name: 'appointment.bookSeries',
  description: `Books the same service with the same staff member every \`repeat.everyWeeks\` weeks (1 to ${MAX_REPEAT_WEEKS}), \`repeat.count\` times (${MIN_SERIES_OCCURRENCES} to ${MAX_SERIES_OCCURRENCES}), at the same store-local time. \`ids\` (made by the device, one per occurrence in date order) name the rows; the first is the series id. Occurrences that overlap other appointments are booked and flagged as conflicts; in strict mode, unless a manager approves, the whole series is refused, naming the dates.`,
  permission: 'appointments.book',
  args: z
    .strictObject({
      ids: z
        .array(id)
        .min(MIN_SERIES_OCCURRENCES)
        .max(MAX_SERIES_OCCURRENCES)
        .refine(distinctIds, { message: 'every occurrence needs its own id' }),
      staffId: id,
      serviceId: id,
      start: isoDateTime,
      repeat: appointmentRepeat,
      clientId: id.optional(),
      notes: shortText.optional(),
    })
    .refine((args) => args.ids.length === args.repeat.count, {
      path: ['ids'],
      message: 'one id per occurrence: as many ids as repeat.count',
    }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    await requireActiveStaff(ctx, args.staffId);
    const service = await requireRow(
      ctx,
      'service',
      args.serviceId,
      'SERVICE_NOT_FOUND',
      'The service',
    );
    const starts = seriesStarts(args.start, args.repeat, store.timeZone);
    const { durationMin } = serviceTermsFor(service, args.staffId);
    if (store.strictBooking && !isAllowedOrApproved(ctx, 'appointments.doubleBook')) {
      // Checked for every date before anything is written, so the refusal names all of them
      // instead of the first one saveWithConflicts would meet.
      const clashes: string[] = [];
      for (const [index, start] of starts.entries()) {
        const provisional: AppointmentRow = {
          id: args.ids[index] ?? '',
          staffId: args.staffId,
          serviceId: args.serviceId,
          start,
          end: appointmentEnd(start, durationMin),
          durationMin,
          status: 'booked',
          conflict: false,
        };
        if ((await overlapsOf(ctx, provisional)).length > 0) {
          clashes.push(businessDate(start, store.timeZone));
        }
      }
      if (clashes.length > 0) {
        reject(
          'STAFF_DOUBLE_BOOKED',
          `The series overlaps other appointments for this staff member on ${clashes.join(', ')}; a manager must approve a double booking.`,
          { dates: clashes },
        );
      }
    }
    const [seriesId = ''] = args.ids;
    for (const [index, start] of starts.entries()) {
      await bookAppointment(
        ctx,
        {
          id: args.ids[index] ?? '',
          staffId: args.staffId,
          serviceId: args.serviceId,
          start,
          clientId: args.clientId,
          notes: args.notes,
        },
        index === 0 ? { seriesId, series: { ...args.repeat, ids: args.ids } } : { seriesId },
      );
    }
  },
});

export const appointmentCancelFollowing = defineMutator({
  name: 'appointment.cancelFollowing',
  description:
    'Cancels an occurrence of a recurring series and every later occurrence of it ("this and following"). Later occurrences that are already done, cancelled or no-shows are left as they are.',
  permission: 'appointments.book',
  args: z.strictObject({ id, reason: reason.optional() }),
  async run(ctx, args) {
    const appointment = await requireRow(
      ctx,
      'appointment',
      args.id,
      'APPOINTMENT_NOT_FOUND',
      'The appointment',
    );
    if (!appointment.seriesId) {
      reject('NOT_IN_SERIES', 'This appointment is not part of a recurring series.', {
        id: args.id,
      });
    }
    const first = await ctx.tx.get('appointment', appointment.seriesId);
    const ids = first?.series?.ids ?? [appointment.id];
    const index = ids.indexOf(appointment.id);
    const following = index < 0 ? [] : ids.slice(index + 1);
    const extra = { cancelReason: args.reason ?? null };
    await transition(ctx, appointment.id, 'cancelled', extra);
    for (const laterId of following) {
      const later = await ctx.tx.get('appointment', laterId);
      if (later && canTransition(later.status, 'cancelled')) {
        await transition(ctx, laterId, 'cancelled', extra);
      }
    }
  },
});
