import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../clock';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { backoffMs, createMailSender } from './sender';
import { createSmtpTransport, type MailTransport } from './smtp-transport';
import { bookingPageMutations, hourlyFreeStarts, outboxOf } from './test-support/booking-page';
import { startReceiver } from './test-support/smtp-receiver';

interface Booked {
  booking: { token: string; start: string; status: string };
  manageUrl: string;
}

/**
 * The booking e-mails over the real app, database and a real SMTP server (smtp-server): one
 * confirmation with the manage link per booking, none on a replayed request or without an
 * address; sent once across a crashed sender and an SMTP outage; the reminder 24 h before, once,
 * none for a cancelled booking; and the outbox's tenant boundary.
 */
describeEachEngine('booking e-mails', (getDb) => {
  let app: FastifyInstance;
  let a: TestStore;
  let b: TestStore;
  let aLog: MutationLog;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: MailTransport;
  let freeStarts: string[];
  const slug = `mail-${randomUUID().slice(0, 8)}`;
  const manicure = randomUUID();
  const ana = randomUUID();
  const log = pino({ level: 'silent' });
  // Real time, moved ahead by the tests (backoffs, the day before a visit).
  const clock: Clock & { ahead: number } = {
    ahead: 0,
    now: (): Date => new Date(Date.now() + clock.ahead),
  };
  const setClock = (ms: number) => {
    clock.ahead = ms - Date.now();
  };

  const sender = (transport: MailTransport = smtp, maxAttempts = 5) =>
    createMailSender({
      db: getDb(),
      transport,
      clock,
      from: 'Salon <salon@example.com>',
      maxAttempts,
      log,
    });
  const book = (start: string, key: string, email: string | null = 'kim@example.com') =>
    app.inject({
      method: 'POST',
      url: `/api/v1/public/stores/${slug}/bookings`,
      headers: { 'idempotency-key': key },
      payload: {
        serviceId: manicure,
        staffId: 'anyone',
        start,
        client: { name: 'Kim Lee', phone: '+1 (555) 010-0199', ...(email ? { email } : {}) },
      },
    });
  const bookOk = async (email: string | null = 'kim@example.com') => {
    const res = await book(freeStarts.shift()!, randomUUID(), email);
    expect(res.statusCode, res.body).toBe(201);
    return json<Booked>(res);
  };
  /** The store's queued e-mails; the reminders (queued with each booking) only if asked. */
  const outbox = (options: { reminders?: boolean } = {}) => outboxOf(getDb(), a.storeId, options);

  /** The booking behind a manage link (only its hash is kept). */
  const bookingIdOf = async (booked: Booked) => {
    const res = await getDb().ownerTransaction((sql) =>
      sql.query<{ booking_id: string }>(
        `select booking_id from online_booking_tokens
          where token_hash = sha256(convert_to($1, 'UTF8'))`,
        [booked.booking.token],
      ),
    );
    return res.rows[0]!.booking_id;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    smtp = createSmtpTransport(receiver.url);
    app = await makeTestApp(getDb(), { env: { PUBLIC_URL: 'https://book.example.com/' } });
    a = await signupStore(app, 'Mail A');
    b = await signupStore(app, 'Mail B');
    aLog = new MutationLog(a.deviceId);
    const res = await push(
      app,
      a,
      a.deviceId,
      bookingPageMutations(aLog, { slug, staffId: ana, serviceId: manicure }),
    );
    expect(res.statusCode, res.body).toBe(200);
    // Starts an hour apart at least, over three days: no two bookings of this suite overlap, and
    // a reminder window (an hour wide, centred on one start) holds one of them.
    freeStarts = await hourlyFreeStarts(app, { slug, serviceId: manicure, daysAhead: [3, 4, 5] });
    expect(freeStarts.length).toBeGreaterThan(15);
  });
  afterAll(async () => {
    await app.close();
    smtp.close();
    await receiver.close();
  });
  beforeEach(async () => {
    // Each test starts with nothing due: what earlier tests left is marked sent.
    await getDb().ownerTransaction((sql) =>
      sql.query(`update email_outbox set status = 'sent', sent_at = now() where status = 'queued'`),
    );
    receiver.received.length = 0;
    receiver.state.down = false;
    clock.ahead = 0;
  });

  it('a booking sends one confirmation with its manage link; a replayed request sends none more', async () => {
    const key = randomUUID();
    const start = freeStarts.shift()!;
    const first = await book(start, key);
    expect(first.statusCode, first.body).toBe(201);
    const again = await book(start, key);
    expect(again.statusCode, again.body).toBe(201);
    const rows = (await outbox()).filter((r) => r.status === 'queued');
    expect(rows.map((r) => r.kind)).toEqual(['booking_confirmation']);
    expect(rows[0]!.message_id).toBe(`<${rows[0]!.id}@mango-pos.booking>`);

    await sender().sendDue();
    await sender().sendDue();
    expect(receiver.received).toHaveLength(1);
    const mail = receiver.received[0]!;
    expect(mail.to).toEqual(['kim@example.com']);
    expect(mail.messageId).toBe(rows[0]!.message_id);
    expect(mail.subject).toContain('Your booking at Mail A Store');
    // The link of the first answer: the only moment the token exists in clear.
    const { manageUrl } = json<Booked>(first);
    expect(mail.text).toContain(`https://book.example.com${manageUrl}`);
    expect(mail.text).toContain('Gel Manicure with Ana');
    expect((await outbox()).find((r) => r.id === rows[0]!.id)?.status).toBe('sent');
  });

  it('a booking without an e-mail address queues no message', async () => {
    const before = (await outbox()).length;
    await bookOk(null);
    expect(await outbox()).toHaveLength(before);
  });

  it('a refused booking queues nothing; a move by the link queues one message of the new time', async () => {
    const booked = await bookOk();
    const before = await outbox();
    // The same time again, by another client: SLOT_TAKEN, and no message (nothing committed).
    const taken = await book(booked.booking.start, randomUUID(), 'other@example.com');
    expect(taken.statusCode, taken.body).toBe(409);
    expect(await outbox()).toHaveLength(before.length);

    const later = freeStarts.shift()!;
    const moved = await app.inject({
      method: 'PATCH',
      url: `/api/v1/public/bookings/${booked.booking.token}`,
      payload: { start: later },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const added = (await outbox()).slice(before.length);
    expect(added.map((r) => [r.kind, new Date(r.appointment_start).toISOString()])).toEqual([
      ['booking_changed', later],
    ]);
    await sender().sendDue();
    const subjects = receiver.received.map((m) => m.subject);
    expect(subjects.filter((t) => t.includes('moved'))).toHaveLength(1);
  });

  it('a booking whose message cannot be queued is not made (they commit together)', async () => {
    const start = freeStarts.shift()!;
    const key = randomUUID();
    const owner = (statement: string) =>
      getDb().ownerTransaction((sql) => sql.query(statement).then(() => undefined));
    await owner(`create function test_outbox_down() returns trigger language plpgsql as $$
                 begin raise exception 'outbox down'; end $$`);
    await owner(`create trigger test_outbox_down before insert on email_outbox
                 for each row execute function test_outbox_down()`);
    try {
      const res = await book(start, key);
      expect(res.statusCode, res.body).toBeGreaterThanOrEqual(500);
    } finally {
      await owner('drop trigger test_outbox_down on email_outbox');
      await owner('drop function test_outbox_down()');
    }
    const made = await getDb().ownerTransaction((sql) =>
      sql.query(
        `select (select count(*) from appointments where store_id = $1 and start_at = $2)::int as a,
                (select count(*) from online_bookings where store_id = $1 and idempotency_key = $3)::int as b`,
        [a.storeId, start, key],
      ),
    );
    expect(made.rows[0]).toEqual({ a: 0, b: 0 });
    // The client's retry books it, with its one confirmation.
    const retry = await book(start, key);
    expect(retry.statusCode, retry.body).toBe(201);
    await sender().sendDue();
    expect(receiver.received.map((m) => m.subject)).toHaveLength(1);
  });

  it('a sender that dies after claiming, and one that dies after the SMTP server accepted, send each message once (the second with the same Message-ID)', async () => {
    await bookOk();
    await bookOk('lee@example.com');
    const queued = (await outbox()).filter((r) => r.status === 'queued');
    expect(queued).toHaveLength(2);
    // Dies before handing anything over: nothing sent, the rows wait for their backoff.
    const crashing: MailTransport = {
      send: () => Promise.reject(new Error('process killed')),
      close() {},
    };
    await sender(crashing).sendDue();
    expect(receiver.received).toHaveLength(0);
    // A new sender (a restart) over the same rows, after the backoff: each sent once.
    clock.ahead += backoffMs(1) + 1000;
    await Promise.all([sender().sendDue(), sender().sendDue()]);
    expect(receiver.received.map((m) => m.messageId).sort()).toEqual(
      queued.map((r) => r.message_id).sort(),
    );

    // Accepted by the server, then lost before our commit: SMTP's at-least-once edge.
    receiver.received.length = 0;
    await bookOk();
    const [row] = (await outbox()).filter((r) => r.status === 'queued');
    const acceptedThenDied: MailTransport = {
      async send(mail) {
        await smtp.send(mail);
        throw new Error('process killed after the SMTP server accepted');
      },
      close() {},
    };
    await sender(acceptedThenDied).sendDue();
    clock.ahead += backoffMs(1) + 1000;
    await sender().sendDue();
    expect(receiver.received.map((m) => m.messageId)).toEqual([row!.message_id, row!.message_id]);
    expect((await outbox()).find((r) => r.id === row!.id)?.status).toBe('sent');
  });

  it('SMTP down: attempts with backoff, sent once when it is back; given up after the last attempt', async () => {
    await bookOk();
    receiver.state.down = true;
    const s = sender(smtp, 3);
    await s.sendDue();
    let [row] = (await outbox()).filter((r) => r.status === 'queued');
    expect(row?.attempts).toBe(1);
    expect(row?.last_error).toMatch(/451/);
    // Not due again before its backoff.
    await s.sendDue();
    expect((await outbox()).find((r) => r.id === row!.id)?.attempts).toBe(1);
    clock.ahead += backoffMs(1) + 1000;
    await s.sendDue();
    expect((await outbox()).find((r) => r.id === row!.id)?.attempts).toBe(2);
    receiver.state.down = false;
    clock.ahead += backoffMs(2) + 1000;
    await s.sendDue();
    expect(receiver.received).toHaveLength(1);
    expect(s.counts).toMatchObject({ sent: 1, retried: 2, failed: 0 });
    expect((await outbox()).find((r) => r.id === row!.id)?.status).toBe('sent');

    // Down for good: failed after maxAttempts, never sent.
    await bookOk();
    [row] = (await outbox()).filter((r) => r.status === 'queued');
    receiver.state.down = true;
    for (let i = 1; i <= 3; i++) {
      await s.sendDue();
      clock.ahead += backoffMs(i) + 1000;
    }
    const failed = (await outbox()).find((r) => r.id === row!.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(s.counts.failed).toBe(1);
  });

  it('queues the reminder with the booking, sends it 24 h before, written then; skips it for a cancelled or moved visit', async () => {
    const kept = await bookOk();
    const cancelled = await bookOk();
    const moved = await bookOk();
    const remindersOf = async (booked: Booked) => {
      const id = await bookingIdOf(booked);
      return (await outbox({ reminders: true })).filter(
        (r) => r.kind === 'booking_reminder' && r.booking_id === id,
      );
    };
    // Queued with the booking, due a day before the visit, its text not yet written.
    const [queued] = await remindersOf(kept);
    expect(queued).toMatchObject({ status: 'queued', recipient: 'kim@example.com' });
    expect(new Date(queued!.send_after).toISOString()).toBe(
      new Date(Date.parse(kept.booking.start) - 24 * 3600_000).toISOString(),
    );
    expect(queued!.subject).toBe('');

    const del = await app.inject({
      method: 'DELETE',
      url: `/api/v1/public/bookings/${cancelled.booking.token}`,
    });
    expect(del.statusCode, del.body).toBe(200);
    const later = freeStarts.shift()!;
    const patch = await app.inject({
      method: 'PATCH',
      url: `/api/v1/public/bookings/${moved.booking.token}`,
      payload: { start: later },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(
      (await remindersOf(moved)).map((r) => new Date(r.appointment_start).toISOString()),
    ).toEqual([moved.booking.start, later]);
    // The service is renamed after the booking: the reminder says what the visit is now.
    const rename = await push(app, a, a.deviceId, [
      aLog.make('service.upsert', {
        id: manicure,
        name: 'Gel Manicure Deluxe',
        durationMin: 45,
        priceCents: 4000,
        taxable: true,
      }),
    ]);
    expect(rename.statusCode, rename.body).toBe(200);

    receiver.received.length = 0;
    // A minute before a day before: not yet.
    setClock(Date.parse(kept.booking.start) - 24 * 3600_000 - 60_000);
    await sender().sendDue();
    expect(receiver.received.filter((m) => m.subject.startsWith('Reminder:'))).toHaveLength(0);
    // Past every visit's day-before: each live reminder once, the stale ones skipped.
    setClock(Date.parse(later) - 23 * 3600_000);
    const s = sender();
    await s.sendDue();
    await s.sendDue();
    const status = async (booked: Booked) =>
      (await remindersOf(booked)).map((r) => [
        new Date(r.appointment_start).toISOString(),
        r.status,
      ]);
    expect(await status(kept)).toEqual([[kept.booking.start, 'sent']]);
    expect(await status(cancelled)).toEqual([[cancelled.booking.start, 'skipped']]);
    expect(await status(moved)).toEqual([
      [moved.booking.start, 'skipped'],
      [later, 'sent'],
    ]);
    const reminders = receiver.received.filter((m) => m.subject.startsWith('Reminder:'));
    expect(reminders).toHaveLength(2);
    expect(reminders[0]!.text).toContain('Gel Manicure Deluxe with Ana');
    expect(reminders[0]!.subject).toContain('Mail A Store tomorrow');
  });

  it('the upgrade queues the reminders of bookings made before it, once (migration 0030)', async () => {
    const legacy = await bookOk();
    const none = await bookOk(null);
    const owner = (statement: string, params: unknown[] = []) =>
      getDb().ownerTransaction((sql) => sql.query(statement, params));
    // As a booking made before 0030: no reminder queued.
    const legacyId = await bookingIdOf(legacy);
    const noneId = await bookingIdOf(none);
    await owner(`delete from email_outbox where booking_id = $1 and kind = 'booking_reminder'`, [
      legacyId,
    ]);
    const backfill = readFileSync(
      new URL('../../migrations/0030_scheduled_reminders.sql', import.meta.url),
      'utf8',
    );
    await owner(backfill);
    await owner(backfill);
    const rows = (await outbox({ reminders: true })).filter((r) => r.kind === 'booking_reminder');
    expect(rows.filter((r) => r.booking_id === legacyId).map((r) => r.status)).toEqual(['queued']);
    expect(rows.filter((r) => r.booking_id === noneId)).toEqual([]);
  });

  it('rows of store A are not readable as store B', async () => {
    await bookOk();
    const asStore = (t: TestStore) =>
      getDb().transaction({ storeId: t.storeId, organizationId: t.organizationId }, (sql) =>
        sql.query<{ store_id: string }>('select store_id from email_outbox'),
      );
    const seenByA = (await asStore(a)).rows;
    expect(seenByA.length).toBeGreaterThan(0);
    expect(seenByA.every((r) => r.store_id === a.storeId)).toBe(true);
    expect((await asStore(b)).rows).toHaveLength(0);
    // Nor can B write a row naming A.
    await expect(
      getDb().transaction({ storeId: b.storeId, organizationId: b.organizationId }, (sql) =>
        sql.query(
          `insert into email_outbox (store_id, id, kind, booking_id, appointment_start, recipient,
                                     subject, body_text)
           values ($1, gen_random_uuid(), 'booking_changed', gen_random_uuid(), now(), 'x@e.com', 's', 't')`,
          [a.storeId],
        ),
      ),
    ).rejects.toThrow();
  });
});

describe('backoff', () => {
  it('doubles from 30 s and stops at an hour', () => {
    expect([1, 2, 3, 8, 20].map(backoffMs)).toEqual([
      30_000, 60_000, 120_000, 3_600_000, 3_600_000,
    ]);
  });
});
