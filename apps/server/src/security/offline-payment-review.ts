import {
  offlineCardCaps,
  OFFLINE_SYNC_WINDOW_MS,
  reviewSyncedOfflinePayment,
  type MutatorTx,
  type PaymentRow,
} from '@mango/domain';
import type { Mutation } from '@mango/protocol';
import type { Sql } from '../db/db';

/**
 * After an offline card payment is applied on push: the card was already charged, so the server
 * never refuses it; when it arrives beyond the store's offline policy (later than 24 h, over the
 * per-payment or per-device cap) it is flagged on the payment row (`reconciliation`), which every
 * device pulls and the back office lists. Server-only: it uses the receive time.
 */
export async function reviewOfflinePayment(
  sql: Sql,
  tx: MutatorTx,
  opts: {
    storeId: string;
    mutation: Mutation;
    receivedAt: string;
    /**
     * Payments a batched push has written but not stored yet (last image, null: deleted; and
     * the stored one): they replace the database's.
     */
    unwritten?: readonly {
      row: Record<string, unknown> | null;
      stored: Record<string, unknown> | null;
    }[];
  },
): Promise<void> {
  const { mutation } = opts;
  if (mutation.name !== 'ticket.addPayment' || mutation.args.offline !== true) return;
  const paymentId = mutation.args.paymentId;
  if (typeof paymentId !== 'string') return;
  const payment = await tx.get('payment', paymentId);
  const store = await tx.get('store', opts.storeId);
  if (!payment?.offline || !payment.offlineTakenAt || payment.reconciliation || !store) return;
  // What the same device took offline in the 24 h before this payment (other payments only).
  const replaced = (opts.unwritten ?? []).flatMap((u) => {
    const id = (u.row ?? u.stored)?.id;
    return typeof id === 'string' ? [id] : [];
  });
  const unwritten = (opts.unwritten ?? []).flatMap((u) =>
    u.row ? [u.row as Partial<PaymentRow>] : [],
  );
  const earlier = await sql.query<{ cents: string }>(
    `select coalesce(sum((data->>'amountCents')::bigint + (data->>'tipCents')::bigint), 0)::text as cents
       from payments
      where store_id = $1 and not deleted and id <> $2 and id <> all($6::uuid[])
        and data->>'offline' = 'true' and data->>'offlineDeviceId' = $3
        and (data->>'offlineTakenAt')::timestamptz <= $4::timestamptz
        and (data->>'offlineTakenAt')::timestamptz > $4::timestamptz - make_interval(secs => $5)`,
    [
      opts.storeId,
      payment.id,
      payment.offlineDeviceId ?? '',
      payment.offlineTakenAt,
      OFFLINE_SYNC_WINDOW_MS / 1000,
      replaced,
    ],
  );
  const takenAt = Date.parse(payment.offlineTakenAt);
  const earlierUnwrittenCents = unwritten
    .filter(
      (p) =>
        p.id !== payment.id &&
        p.offline === true &&
        p.offlineDeviceId === payment.offlineDeviceId &&
        typeof p.offlineTakenAt === 'string' &&
        Date.parse(p.offlineTakenAt) <= takenAt &&
        Date.parse(p.offlineTakenAt) > takenAt - OFFLINE_SYNC_WINDOW_MS,
    )
    .reduce((sum, p) => sum + (p.amountCents ?? 0) + (p.tipCents ?? 0), 0);
  const flags = reviewSyncedOfflinePayment({
    chargedCents: payment.amountCents + payment.tipCents,
    takenAt: payment.offlineTakenAt,
    receivedAt: opts.receivedAt,
    earlierOfflineCents: Number(earlier.rows[0]?.cents ?? 0) + earlierUnwrittenCents,
    caps: offlineCardCaps(store),
  });
  if (flags.length > 0) await tx.put('payment', { ...payment, reconciliation: flags });
}
