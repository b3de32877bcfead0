import type { PaymentRow, RefundRow, TicketLineRow, TicketRow } from '@mango/domain/entities';
import { useMemo } from 'react';
import { buildReceipt, receiptText, type Receipt, type ReceiptInput } from '../lib/receipt';
import { useLive } from './useLive';
import { useStaff, useStoreRow } from './useStoreRow';

/**
 * A ticket's receipt from this device's data: the printed model and the emailed text. The time
 * is the store's wall time (its zone, not the device's); gift cards used as tenders are named by
 * their code (printed masked). `ready` once every read it makes has answered.
 */
export function useTicketReceipt(props: {
  ticket: TicketRow;
  lines: readonly TicketLineRow[];
  payments: readonly PaymentRow[];
  refunds: readonly RefundRow[];
  clientName: string | undefined;
}): { receipt: Receipt; text: string; ready: boolean } {
  const { store, timeZone, currency, dateTime } = useStoreRow();
  const { nameOf, loaded: staffLoaded } = useStaff();
  const cardIds = [
    ...new Set(props.payments.flatMap((p) => (p.giftCardId ? [p.giftCardId] : []))),
  ].sort();
  const cardKey = cardIds.join(',');
  const giftCardCodes = useLive(
    async (r) => {
      const codes: Record<string, string> = {};
      for (const id of cardIds) {
        const card = await r.get('giftCard', id);
        if (card) codes[id] = card.code;
      }
      return codes;
    },
    [cardKey],
  );
  const { ticket, lines, payments, refunds, clientName } = props;
  return useMemo(() => {
    const input: ReceiptInput = {
      storeName: store?.name ?? 'Mango POS',
      storeAddress: store?.address,
      currency,
      ticket,
      lines,
      payments,
      refunds,
      staffName: nameOf,
      clientName,
      when: dateTime(ticket.closedAt ?? ticket.voidedAt ?? ticket.openedAt),
      giftCardCodes,
    };
    return {
      receipt: buildReceipt(input),
      text: receiptText(input),
      // Its reads have answered: before, it would say "Mango POS" and "Unknown" for names.
      ready: store !== undefined && staffLoaded && giftCardCodes !== undefined,
    };
  }, [
    store,
    currency,
    ticket,
    lines,
    payments,
    refunds,
    nameOf,
    staffLoaded,
    clientName,
    timeZone,
    giftCardCodes,
  ]);
}
