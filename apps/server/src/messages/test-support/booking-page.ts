import { addDaysToYmd, businessDate } from '@mango/domain';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../db/db';
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

/**
 * Free starts of the booking page at least an hour apart, over the days `daysAhead` from today
 * in the store's zone: bookings made at them never overlap one another.
 */
export async function hourlyFreeStarts(
  app: FastifyInstance,
  p: { slug: string; serviceId: string; daysAhead: readonly number[] },
): Promise<string[]> {
  const page = await app.inject({ method: 'GET', url: `/api/v1/public/stores/${p.slug}` });
  if (page.statusCode !== 200) throw new Error(`booking page: ${page.statusCode} ${page.body}`);
  const { timeZone } = (page.json() as { store: { timeZone: string } }).store;
  const starts: string[] = [];
  for (const ahead of p.daysAhead) {
    const day = addDaysToYmd(businessDate(new Date().toISOString(), timeZone), ahead);
    const times = await app.inject({
      method: 'GET',
      url: `/api/v1/public/stores/${p.slug}/availability?serviceId=${p.serviceId}&staffId=anyone&date=${day}`,
    });
    if (times.statusCode !== 200)
      throw new Error(`availability: ${times.statusCode} ${times.body}`);
    for (const t of (times.json() as { times: { start: string }[] }).times) {
      const last = starts.at(-1);
      if (!last || Date.parse(t.start) - Date.parse(last) >= 3600_000) starts.push(t.start);
    }
  }
  return starts;
}

/** One row of `email_outbox` as the tests read it. */
export interface OutboxRow {
  id: string;
  kind: string;
  status: string;
  attempts: number;
  last_error: string | null;
  message_id: string;
  recipient: string;
  booking_id: string;
  appointment_start: Date | string;
  send_after: Date | string;
  subject: string;
  body_text: string;
}

/** A store's queued e-mails, oldest first; the reminders (queued with each booking) only if asked. */
export function outboxOf(
  db: Db,
  storeId: string,
  { reminders = false } = {},
): Promise<OutboxRow[]> {
  return db.ownerTransaction(async (sql) => {
    const res = await sql.query<OutboxRow>(
      `select * from email_outbox where store_id = $1 and ($2 or kind <> 'booking_reminder')
        order by created_at, id`,
      [storeId, reminders],
    );
    return res.rows;
  });
}
