import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock';
import type { Db, Sql } from '../db/db';
import {
  bookingMessageText,
  visitFactsOf,
  type BookingVisitRow,
} from '../booking/booking-messages';
import type { MessageKind } from './outbox';
import type { MailTransport } from './smtp-transport';

export interface MailSenderDeps {
  db: Db;
  transport: MailTransport;
  clock: Clock;
  from: string;
  /** Attempts before a message is given up (status 'failed'). */
  maxAttempts: number;
  /** Rows claimed per transaction (each is held locked while it is sent). */
  batchSize?: number;
  log: FastifyBaseLogger;
}

/** What the sender did since it started, by outcome (a metric reads these). */
export interface SendCounts {
  sent: number;
  retried: number;
  failed: number;
  skipped: number;
}

interface ClaimedRow extends Partial<Omit<BookingVisitRow, 'store_id'>> {
  store_id: string;
  id: string;
  kind: MessageKind;
  recipient: string;
  subject: string;
  body_text: string;
  message_id: string;
  attempts: number;
  stale: boolean;
}

/** The wait before attempt n+1 after n failures: 30 s doubling, at most an hour. */
export function backoffMs(failures: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, failures - 1), 3_600_000);
}

/**
 * Sends the queued e-mails that are due, across stores, as the tables' owner.
 *
 * Each batch is claimed with FOR UPDATE SKIP LOCKED (other instances take other rows), each
 * message handed to the SMTP server, and marked sent in the transaction that claimed it, after
 * the server accepted it. So a row is sent once — with one edge, SMTP's own: if this process
 * dies (or the commit fails) after the server accepted a message and before the commit, the
 * row is still queued and goes again, with the same Message-ID (made from the row id), which a
 * receiver may use to drop the copy. That is the only at-least-once window.
 *
 * A reminder whose appointment was cancelled, deleted or moved since it was queued is stale:
 * it is marked skipped, never sent. A reminder's text is written when it is sent.
 */
export function createMailSender(deps: MailSenderDeps) {
  const batchSize = deps.batchSize ?? 10;
  const counts: SendCounts = { sent: 0, retried: 0, failed: 0, skipped: 0 };

  async function sendOne(sql: Sql, row: ClaimedRow): Promise<void> {
    if (row.stale) {
      await sql.query(
        `update email_outbox set status = 'skipped' where store_id = $1 and id = $2`,
        [row.store_id, row.id],
      );
      counts.skipped++;
      return;
    }
    try {
      // A reminder is written now, from the visit as it is (the names may have changed since).
      const text =
        row.kind === 'booking_reminder'
          ? bookingMessageText(row.kind, visitFactsOf(row as BookingVisitRow))
          : { subject: row.subject, bodyText: row.body_text };
      await deps.transport.send({
        from: deps.from,
        to: row.recipient,
        subject: text.subject,
        text: text.bodyText,
        messageId: row.message_id,
      });
    } catch (err) {
      const attempts = row.attempts + 1;
      const givenUp = attempts >= deps.maxAttempts;
      const message = err instanceof Error ? err.message : String(err);
      await sql.query(
        `update email_outbox
            set attempts = $3, last_error = $4, status = $5,
                send_after = $6::timestamptz
          where store_id = $1 and id = $2`,
        [
          row.store_id,
          row.id,
          attempts,
          message.slice(0, 1000),
          givenUp ? 'failed' : 'queued',
          new Date(deps.clock.now().getTime() + backoffMs(attempts)).toISOString(),
        ],
      );
      if (givenUp) {
        counts.failed++;
        deps.log.error(
          { err, storeId: row.store_id, messageId: row.message_id, attempts },
          'e-mail given up',
        );
      } else {
        counts.retried++;
        deps.log.warn(
          { storeId: row.store_id, messageId: row.message_id, attempts, error: message },
          'e-mail not sent, will retry',
        );
      }
      return;
    }
    await sql.query(
      `update email_outbox set status = 'sent', sent_at = $3::timestamptz, attempts = attempts + 1
        where store_id = $1 and id = $2`,
      [row.store_id, row.id, deps.clock.now().toISOString()],
    );
    counts.sent++;
  }

  /** One batch on one database: returns how many rows it claimed. */
  async function sendBatch(sql: Sql): Promise<number> {
    const claimed = await sql.query<ClaimedRow>(
      `select o.store_id, o.id, o.kind, o.recipient, o.subject, o.body_text, o.message_id,
              o.attempts, v.booking_id, v.contact_name, v.start_at, v.store_name, v.time_zone,
              v.service_name, v.staff_name,
              (o.kind = 'booking_reminder' and v.booking_id is null) as stale
         from email_outbox o
         -- A reminder's visit, if it still starts when the reminder was queued for.
         left join lateral (
           select b.id as booking_id, b.contact_name, a.start_at, s.name as store_name,
                  s.time_zone, svc.name as service_name, st.display_name as staff_name
             from online_bookings b
             join appointments a on a.store_id = b.store_id and a.id = b.appointment_id
             join stores s on s.id = b.store_id
             left join services svc on svc.store_id = a.store_id and svc.id = a.service_id
             left join staff st on st.store_id = a.store_id and st.id = a.staff_id
            where o.kind = 'booking_reminder' and b.store_id = o.store_id and b.id = o.booking_id
              and not a.deleted and a.status is distinct from 'cancelled'
              and a.start_at = o.appointment_start
         ) v on true
        where o.status = 'queued' and o.send_after <= $1::timestamptz
        order by o.send_after
        limit $2
        for update of o skip locked`,
      [deps.clock.now().toISOString(), batchSize],
    );
    for (const row of claimed.rows) await sendOne(sql, row);
    return claimed.rows.length;
  }

  return {
    counts: counts as Readonly<SendCounts>,
    /** Sends what is due now, batch after batch, until a batch comes back short. */
    async sendDue(): Promise<void> {
      for (;;) {
        let full = false;
        // With shards, this runs on each shard's database in turn.
        await deps.db.ownerTransaction(async (sql) => {
          if ((await sendBatch(sql)) === batchSize) full = true;
        });
        if (!full) return;
      }
    },
  };
}

export type MailSender = ReturnType<typeof createMailSender>;
