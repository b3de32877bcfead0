import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/db';

export const MESSAGE_KINDS = [
  'booking_confirmation',
  'booking_reminder',
  'booking_changed',
  'booking_cancelled',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** One e-mail to send, as it is queued (migration 0026). */
export interface QueuedMessage {
  storeId: string;
  kind: MessageKind;
  bookingId: string;
  /** The appointment's start the message tells of (a reminder of an older start is skipped). */
  appointmentStart: string;
  recipient: string;
  subject: string;
  bodyText: string;
  /** Not before (default: now). */
  sendAfter?: string;
}

/**
 * Queues a message in the caller's transaction, so it commits with the change it tells of or
 * not at all. A second confirmation, cancellation or reminder of the same start is dropped (the
 * unique index): a replayed request or a job run twice queues nothing more. Returns whether a
 * row was added.
 */
export async function enqueueMessage(sql: Sql, m: QueuedMessage): Promise<boolean> {
  const res = await sql.query<{ id: string }>(
    `insert into email_outbox (store_id, id, kind, booking_id, appointment_start, recipient,
                               subject, body_text, send_after)
     values ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9::timestamptz, now()))
     on conflict (store_id, booking_id, kind, appointment_start) where kind <> 'booking_changed'
     do nothing
     returning id`,
    [
      m.storeId,
      randomUUID(),
      m.kind,
      m.bookingId,
      m.appointmentStart,
      m.recipient,
      m.subject,
      m.bodyText,
      m.sendAfter ?? null,
    ],
  );
  return res.rows.length > 0;
}
