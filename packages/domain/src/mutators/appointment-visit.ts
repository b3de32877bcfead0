import { z } from 'zod';
import { MAX_VISIT_ITEMS, planVisit, serviceTermsFor } from '../appointments';
import { reject } from '../error-codes';
import { bookAppointment, distinctIds } from './appointment';
import { defineMutator } from './define';
import { requireRow } from './rows';
import { id, isoDateTime, shortText } from './schemas';

const visitItem = z.strictObject({
  id,
  serviceId: id,
  staffId: id,
  /** Absent: when the items before it have ended. The same start as another item: together. */
  start: isoDateTime.optional(),
});

/**
 * A visit of several services is its own mutator rather than a list inside appointment.book:
 * appointment.book's args are a wire contract already on installed devices, and one mutation
 * for the whole visit is what makes it all or nothing (a refused item refuses every item; the
 * transaction discards the writes of the ones before it).
 */
export const appointmentBookVisit = defineMutator({
  name: 'appointment.bookVisit',
  description: `Books a visit of several services (1 to ${MAX_VISIT_ITEMS}) for one client, sharing the group id \`groupId\`. An item without a start begins when the items before it end; items with the same start and different staff members run at the same time. Each item is checked as appointment.book checks a booking; one refused item refuses the whole visit.`,
  permission: 'appointments.book',
  args: z.strictObject({
    groupId: id,
    start: isoDateTime,
    items: z
      .array(visitItem)
      .min(1)
      .max(MAX_VISIT_ITEMS)
      .refine((items) => distinctIds(items.map((item) => item.id)), {
        message: 'every service of a visit needs its own id',
      }),
    clientId: id.optional(),
    notes: shortText.optional(),
  }),
  async run(ctx, args) {
    const durations: number[] = [];
    for (const item of args.items) {
      const service = await requireRow(
        ctx,
        'service',
        item.serviceId,
        'SERVICE_NOT_FOUND',
        'The service',
      );
      durations.push(serviceTermsFor(service, item.staffId).durationMin);
    }
    const { slots, overlapAt } = planVisit(
      args.start,
      args.items.map((item, index) => ({ ...item, durationMin: durations[index] ?? 0 })),
    );
    if (overlapAt !== null) {
      reject(
        'VISIT_ITEMS_OVERLAP',
        `Service ${overlapAt + 1} of the visit overlaps an earlier service with the same staff member.`,
        { item: overlapAt },
      );
    }
    for (const [index, item] of args.items.entries()) {
      await bookAppointment(
        ctx,
        {
          id: item.id,
          staffId: item.staffId,
          serviceId: item.serviceId,
          start: slots[index]?.start ?? args.start,
          clientId: args.clientId,
          notes: args.notes,
        },
        { groupId: args.groupId },
      );
    }
  },
});
