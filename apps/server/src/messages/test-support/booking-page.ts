import type { MutationLog } from '../../test-support/test-app';

/**
 * The pushes that open a store's booking page for the e-mail tests: one technician working
 * 9:00–17:00 every day, one service, the page on at `slug`, everyone and everything offered.
 */
export function bookingPageMutations(
  log: MutationLog,
  p: { slug: string; staffId: string; serviceId: string },
) {
  return [
    log.make('staff.upsert', {
      id: p.staffId,
      displayName: 'Ana',
      role: 'technician',
      active: true,
      workingHours: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
        weekday,
        startMin: 9 * 60,
        endMin: 17 * 60,
      })),
    }),
    log.make('service.upsert', {
      id: p.serviceId,
      name: 'Gel Manicure',
      durationMin: 45,
      priceCents: 4000,
      taxable: true,
    }),
    log.make('store.updateSettings', {
      onlineBooking: {
        enabled: true,
        slug: p.slug,
        horizonDays: 30,
        minNoticeMin: 60,
        bufferMin: 0,
        serviceIds: [],
        staffIds: [],
      },
    }),
  ];
}
