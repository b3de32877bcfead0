import type { GiftCardRow, TicketLineRow, TicketRow } from './entities';
import { reject } from './error-codes';
import { formatMoney, sumCents } from './money';
import { netPaid } from './payments';

/** A gift card sold (or reloaded) on a ticket, as a refund of that ticket sees it. */
export interface SoldGiftCard {
  line: TicketLineRow;
  /** The card the line issued; absent only if it never reached this device. */
  card: GiftCardRow | undefined;
  /** What earlier refunds of this ticket already took back from the card (positive cents). */
  takenBackCents: number;
}

/**
 * The money a refund may still give back for a card sold on the ticket: its unspent balance,
 * and never more than was paid for it (value loaded onto the card later, e.g. another ticket
 * refunded onto it, has other money behind it and stays). Spent value stays sold.
 */
export function returnableForSoldCard(sold: SoldGiftCard): number {
  if (!sold.card || sold.card.status !== 'active') return 0;
  return Math.max(
    0,
    Math.min(sold.card.balanceCents, sold.line.lineTotalCents - sold.takenBackCents),
  );
}

export interface GiftCardTakeBack {
  giftCardId: string;
  lineId: string;
  amountCents: number;
  /** The card ends with nothing on it: it is voided and can never be redeemed again. */
  voids: boolean;
}

export interface RefundPlan {
  /** Unspent value taken back from cards sold on the ticket. */
  takeBacks: GiftCardTakeBack[];
  /** The rest of the refund: services, products and tax. */
  otherCents: number;
}

export interface RefundRequest {
  ticket: TicketRow;
  soldCards: readonly SoldGiftCard[];
  amountCents: number;
  /** Lines the refund names; empty when it is a refund by amount. */
  lineIds: readonly string[];
  currency: string;
}

/**
 * Splits a refund of a closed ticket between the gift cards sold on it and everything else, so a
 * refunded card never stays spendable with no money behind it.
 *
 * - A refund naming lines takes back from the named cards first (their unspent value), the rest
 *   from the other lines. A refund by amount is for the other lines first and reaches the cards
 *   only with what exceeds them, in line order: refunding a whole ticket always takes back its
 *   cards, refunding part of a service does not touch them.
 * - A partial take-back reduces the card and leaves it active (the client keeps the rest of its
 *   value, which was paid for); a take-back that leaves nothing on the card voids it.
 * - Never more than was paid, less the value of sold cards that was already spent.
 */
export function planTicketRefund(request: RefundRequest): RefundPlan {
  const { soldCards, amountCents, currency } = request;
  const { refundable, otherRefundable, eligible } = refundLimits(request);
  const named = new Set(request.lineIds);
  if (amountCents > refundable) {
    const spent = soldCards.some(
      (s) => returnableForSoldCard(s) < s.line.lineTotalCents - s.takenBackCents,
    );
    reject(
      'REFUND_EXCEEDS_PAID',
      `At most ${formatMoney(refundable, currency)} can still be refunded on this ticket` +
        (spent ? ' (the spent part of a gift card sold on it stays sold).' : '.'),
      { refundableCents: refundable },
    );
  }
  return splitRefund(amountCents, named.size > 0, otherRefundable, eligible);
}

/**
 * What can still be refunded on a ticket (the "Up to …" a refund screen shows): what was paid,
 * less earlier refunds, less the spent value of gift cards sold on it. `lineIds` narrows the
 * cards a refund may take back to the named ones.
 */
export function ticketRefundableCents(
  request: Pick<RefundRequest, 'ticket' | 'soldCards' | 'lineIds'>,
): number {
  return refundLimits(request).refundable;
}

function refundLimits(request: Pick<RefundRequest, 'ticket' | 'soldCards' | 'lineIds'>) {
  const { ticket, soldCards } = request;
  const named = new Set(request.lineIds);
  const cardsSoldCents = sumCents(soldCards.map((s) => s.line.lineTotalCents));
  const takenBackCents = sumCents(soldCards.map((s) => s.takenBackCents));
  const stillRefundable = netPaid(ticket) - ticket.refundedCents;
  // Earlier refunds that were not take-backs came out of the other lines.
  const otherRefundable = Math.max(
    0,
    Math.min(
      stillRefundable,
      netPaid(ticket) - cardsSoldCents - (ticket.refundedCents - takenBackCents),
    ),
  );
  const eligible = named.size > 0 ? soldCards.filter((s) => named.has(s.line.id)) : [...soldCards];
  const cardsReturnable = sumCents(eligible.map(returnableForSoldCard));
  const refundable = Math.min(stillRefundable, otherRefundable + cardsReturnable);
  return { refundable, otherRefundable, eligible };
}

function splitRefund(
  amountCents: number,
  namesLines: boolean,
  otherRefundable: number,
  eligible: readonly SoldGiftCard[],
): RefundPlan {
  let left = amountCents;
  const plan: RefundPlan = { takeBacks: [], otherCents: 0 };
  const takeFromOthers = () => {
    const take = Math.min(left, otherRefundable);
    plan.otherCents += take;
    left -= take;
  };
  const takeFromCards = () => {
    for (const sold of eligible) {
      const take = Math.min(left, returnableForSoldCard(sold));
      if (take <= 0 || !sold.card) continue;
      plan.takeBacks.push({
        giftCardId: sold.card.id,
        lineId: sold.line.id,
        amountCents: take,
        // A reload taken back leaves the card as it was before: its own sale is not refunded.
        voids: sold.card.balanceCents === take && sold.line.giftCardReload !== true,
      });
      left -= take;
    }
  };
  if (namesLines) {
    takeFromCards();
    takeFromOthers();
  } else {
    takeFromOthers();
    takeFromCards();
  }
  return plan;
}

/**
 * A movement id derived from the refund's and the line's ids (bytewise XOR, then stamped as a
 * v4 UUID), so the device and the server make the same ids for the same refund without another
 * argument. Distinct random ids never XOR to the same value in practice.
 */
export function takeBackMovementId(refundId: string, lineId: string): string {
  const a = refundId.replace(/-/g, '');
  const b = lineId.replace(/-/g, '');
  const hex = [...a]
    .map((c, i) => (parseInt(c, 16) ^ parseInt(b[i] ?? '0', 16)).toString(16))
    .join('');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const v4 = `${hex.slice(0, 12)}4${hex.slice(13, 16)}${variant}${hex.slice(17, 32)}`;
  return `${v4.slice(0, 8)}-${v4.slice(8, 12)}-${v4.slice(12, 16)}-${v4.slice(16, 20)}-${v4.slice(20)}`;
}
