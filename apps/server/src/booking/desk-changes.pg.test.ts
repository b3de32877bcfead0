import { randomUUID } from 'node:crypto';
import type { MutationResult as PushResult } from '@mango/protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  bookingPageMutations,
  hourlyFreeStarts,
  outboxOf,
} from '../messages/test-support/booking-page';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { recordingDb } from '../test-support/recording-db';
import { deskBookingNotices } from './desk-changes';

describe('deskBookingNotices', () => {
  const now = '2026-12-07T12:00:00.000Z';
  const row = (start: string, status = 'booked') => ({
    id: 'x',
    start,
    staffId: 'ana',
    serviceId: 'gel',
    status,
    source: 'online',
  });
  it('tells a booking moved twice in one push its last time once, and nothing of one moved back', () => {
    const a = row('2026-12-09T15:00:00.000Z');
    const b = row('2026-12-09T16:00:00.000Z');
    const c = row('2026-12-09T17:00:00.000Z');
    const change = (before: object | null, after: object | null, id = 'x') => ({
      entity: 'appointment' as const,
      id,
      before: before as never,
      after: after as never,
    });
    expect(deskBookingNotices([change(a, b), change(b, c)], now)).toEqual([
      { appointmentId: 'x', notice: 'booking_changed' },
    ]);
    expect(deskBookingNotices([change(a, b), change(b, a)], now)).toEqual([]);
    expect(
      deskBookingNotices([change(a, b), change(b, { ...b, status: 'cancelled' })], now),
    ).toEqual([{ appointmentId: 'x', notice: 'booking_cancelled' }]);
    // Other entities, and a row the push created, are never a notice.
    expect(
      deskBookingNotices([{ ...change(a, b), entity: 'ticket' }, change(null, a)], now),
    ).toEqual([]);
  });
});

interface Booked {
  booking: { token: string; start: string; status: string };
}

/**
 * A booking made online and then changed at the desk: its client gets the e-mail of the new time
 * or of the cancellation, in the push's transaction, once; nothing for a refused change, a
 * replayed push, a desk booking, or another store's desk.
 */
describeEachEngine('desk changes to an online booking', (getDb) => {
  let app: FastifyInstance;
  let recorded: ReturnType<typeof recordingDb>;
  let a: TestStore;
  let b: TestStore;
  let aLog: MutationLog;
  let bLog: MutationLog;
  let freeStarts: string[];
  const slug = `desk-${randomUUID().slice(0, 8)}`;
  const manicure = randomUUID();
  const ana = randomUUID();
  const desk = randomUUID();
  const tech = randomUUID();
  const manager = randomUUID();

  /** The store's queued e-mails; the reminders (queued with each booking) only if asked. */
  const outbox = (options: { reminders?: boolean } = {}) => outboxOf(getDb(), a.storeId, options);
  const bookingOf = async (idempotencyKey: string) => {
    const booked = await getDb().ownerTransaction((sql) =>
      sql.query<{ id: string; appointment_id: string; status: string }>(
        `select id, appointment_id, status from online_bookings
          where store_id = $1 and idempotency_key = $2`,
        [a.storeId, idempotencyKey],
      ),
    );
    return { ...booked.rows[0]!, key: idempotencyKey };
  };
  const bookOnline = async () => {
    const key = randomUUID();
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/public/stores/${slug}/bookings`,
      headers: { 'idempotency-key': key },
      payload: {
        serviceId: manicure,
        staffId: 'anyone',
        start: freeStarts.shift()!,
        client: { name: 'Kim Lee', phone: '+1 (555) 010-0199', email: 'kim@example.com' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const booked = json<Booked>(res);
    return { ...booked, row: await bookingOf(key) };
  };
  const pushAs = async (store: TestStore, mutations: unknown[]) => {
    const res = await push(app, store, store.deviceId, mutations);
    expect(res.statusCode, res.body).toBe(200);
    return json<{ results: PushResult[] }>(res).results;
  };
  const as = (log: MutationLog, staffId: string, name: string, args: Record<string, unknown>) => ({
    ...log.make(name, args),
    actorStaffId: staffId,
  });
  const codes = (results: PushResult[]) =>
    results.map((r) => ('error' in r ? r.error.code : r.status));

  beforeAll(async () => {
    recorded = recordingDb(getDb());
    app = await makeTestApp(recorded.db, { env: { PUBLIC_URL: 'https://book.example.com/' } });
    a = await signupStore(app, 'Desk A');
    b = await signupStore(app, 'Desk B');
    aLog = new MutationLog(a.deviceId);
    bLog = new MutationLog(b.deviceId);
    const setup = await pushAs(a, [
      ...bookingPageMutations(aLog, { slug, staffId: ana, serviceId: manicure }),
      aLog.make('staff.upsert', {
        id: desk,
        displayName: 'Dana',
        role: 'front_desk',
        active: true,
      }),
      aLog.make('staff.upsert', { id: tech, displayName: 'Mai', role: 'technician', active: true }),
      aLog.make('staff.upsert', { id: manager, displayName: 'Lou', role: 'manager', active: true }),
    ]);
    expect(codes(setup)).toEqual(setup.map(() => 'applied'));
    freeStarts = await hourlyFreeStarts(app, { slug, serviceId: manicure, daysAhead: [3, 4] });
    expect(freeStarts.length).toBeGreaterThan(8);
  });
  afterAll(async () => {
    await app.close();
  });

  it('a move by a front desk switched in by PIN e-mails the new time once; the replayed push none more', async () => {
    const booked = await bookOnline();
    const before = (await outbox()).length;
    const later = freeStarts.shift()!;
    recorded.statements.length = 0;
    recorded.committedWith.length = 0;
    const move = as(aLog, desk, 'appointment.reschedule', {
      id: booked.row.appointment_id,
      start: later,
      staffId: ana,
    });
    expect(codes(await pushAs(a, [move]))).toEqual(['applied']);
    const added = (await outbox()).slice(before);
    expect(added.map((r) => [r.kind, new Date(r.appointment_start).toISOString()])).toEqual([
      ['booking_changed', later],
    ]);
    expect(added[0]!.recipient).toBe('kim@example.com');
    expect(added[0]!.subject).toContain('Desk A Store');
    expect(added[0]!.body_text).toContain('Gel Manicure with Ana');
    // The visit's reminder is queued again for its new time (the old one is skipped when due).
    const reminders = (await outbox({ reminders: true })).filter(
      (r) => r.kind === 'booking_reminder' && r.booking_id === booked.row.id,
    );
    expect(reminders.map((r) => new Date(r.appointment_start).toISOString())).toEqual([
      booked.booking.start,
      later,
    ]);

    // The step ran after the batch, which therefore kept its COMMIT apart.
    expect(recorded.committedWith).toEqual([]);

    // The device sends the same push again (its answer was lost): a duplicate, no e-mail.
    expect(codes(await pushAs(a, [move]))).toEqual(['duplicate']);
    expect(await outbox()).toHaveLength(before + 1);
    // The client's page shows the desk's time.
    const view = await app.inject({
      method: 'GET',
      url: `/api/v1/public/bookings/${booked.booking.token}`,
    });
    expect(json<Booked>(view).booking.start).toBe(later);
  });

  it('a desk push that changes no online booking reads nothing more, and its COMMIT rides with its writes', async () => {
    const booking = randomUUID();
    recorded.statements.length = 0;
    recorded.committedWith.length = 0;
    const results = await pushAs(a, [
      as(aLog, desk, 'appointment.book', {
        id: booking,
        staffId: ana,
        serviceId: manicure,
        start: freeStarts.shift()!,
      }),
      as(aLog, desk, 'appointment.cancel', { id: booking }),
    ]);
    expect(codes(results)).toEqual(['applied', 'applied']);
    expect(recorded.statements.filter((t) => t.includes('online_bookings'))).toEqual([]);
    expect(recorded.committedWith).toHaveLength(1);
  });

  it('a cancel by the owner and by a manager e-mails the cancellation and marks the booking cancelled', async () => {
    for (const actor of [null, manager]) {
      const booked = await bookOnline();
      const before = (await outbox()).length;
      const args = { id: booked.row.appointment_id, reason: 'Salon closed' };
      const cancel = actor
        ? as(aLog, actor, 'appointment.cancel', args)
        : aLog.make('appointment.cancel', args);
      expect(codes(await pushAs(a, [cancel]))).toEqual(['applied']);
      const added = (await outbox()).slice(before);
      expect(added.map((r) => r.kind)).toEqual(['booking_cancelled']);
      expect(added[0]!.subject).toContain('is cancelled');
      expect((await bookingOf(booked.row.key)).status).toBe('cancelled');
      const view = await app.inject({
        method: 'GET',
        url: `/api/v1/public/bookings/${booked.booking.token}`,
      });
      expect(json<Booked>(view).booking.status).toBe('cancelled');
    }
  });

  it('a refused change, a check-in, a desk booking and another store queue nothing', async () => {
    const booked = await bookOnline();
    const before = (await outbox()).length;
    // A technician may not move bookings: refused by the server, nothing told.
    const refused = await pushAs(a, [
      as(aLog, tech, 'appointment.reschedule', {
        id: booked.row.appointment_id,
        start: freeStarts[0]!,
      }),
    ]);
    expect(codes(refused)).toEqual(['FORBIDDEN_ROLE']);
    // A check-in is no news to the client.
    expect(
      codes(
        await pushAs(a, [as(aLog, desk, 'appointment.checkIn', { id: booked.row.appointment_id })]),
      ),
    ).toEqual(['applied']);
    // A booking the desk made and then cancelled: not the client's to hear of by e-mail.
    const deskBooking = randomUUID();
    expect(
      codes(
        await pushAs(a, [
          as(aLog, desk, 'appointment.book', {
            id: deskBooking,
            staffId: ana,
            serviceId: manicure,
            start: freeStarts.shift()!,
          }),
          as(aLog, desk, 'appointment.cancel', { id: deskBooking }),
        ]),
      ),
    ).toEqual(['applied', 'applied']);
    // Store B's desk cannot reach store A's booking: not found there, nothing queued for A.
    const other = await pushAs(b, [
      bLog.make('appointment.cancel', { id: booked.row.appointment_id }),
    ]);
    expect(other[0]!.status).toBe('rejected');
    expect(await outbox()).toHaveLength(before);
    expect((await bookingOf(booked.row.key)).status).not.toBe('cancelled');
  });
});
