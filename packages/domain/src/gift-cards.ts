import type { GiftCardMovementRow, GiftCardRow } from './entities';
import { reject } from './error-codes';
import { exhaustiveSwitchError } from './errors';
import { formatMoney, sumCents } from './money';

/**
 * Applies a signed movement to a card. The balance never goes below zero: a redemption larger
 * than the balance is refused rather than clipped, so the client can pay the rest another way.
 */
export function applyGiftCardMovement(
  card: GiftCardRow,
  amountCents: number,
  currency = 'USD',
): GiftCardRow {
  if (card.status !== 'active') {
    reject('GIFT_CARD_NOT_ACTIVE', `Gift card ${card.code} is void and cannot be used.`);
  }
  const balanceCents = card.balanceCents + amountCents;
  if (balanceCents < 0) {
    reject(
      'GIFT_CARD_INSUFFICIENT',
      `Gift card ${card.code} has ${formatMoney(card.balanceCents, currency)} left, not enough for ${formatMoney(-amountCents, currency)}.`,
      { balanceCents: card.balanceCents, requestedCents: -amountCents },
    );
  }
  return { ...card, balanceCents };
}

/** The balance a card's movement history implies; equals the stored balance when consistent. */
export function balanceFromMovements(movements: readonly GiftCardMovementRow[]): number {
  return sumCents(movements.map((m) => m.amountCents));
}

export interface GiftCardLedger {
  /** Oldest first (then by id, so every device lists them in the same order). */
  entries: GiftCardMovementRow[];
  /** Value put on the card: sold (issue), reloaded, and tickets refunded onto it. */
  loadsCents: number;
  /** Value spent on tickets. */
  redemptionsCents: number;
  /** Unspent value taken back when the card's own sale was refunded. */
  refundsCents: number;
  /** Manager corrections, signed. */
  adjustmentsCents: number;
  /** loads − redemptions − refunds + adjustments: what the card's stored balance must equal. */
  balanceCents: number;
}

/** A card's history grouped the way a person reads it (and the property tests check it). */
export function giftCardLedger(movements: readonly GiftCardMovementRow[]): GiftCardLedger {
  const ledger: GiftCardLedger = {
    entries: [...movements].sort((a, b) =>
      a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? -1 : 1) : a.id < b.id ? -1 : 1,
    ),
    loadsCents: 0,
    redemptionsCents: 0,
    refundsCents: 0,
    adjustmentsCents: 0,
    balanceCents: 0,
  };
  for (const m of movements) {
    switch (m.kind) {
      case 'issue':
      case 'reload':
      case 'refund':
        ledger.loadsCents += m.amountCents;
        break;
      case 'redeem':
        ledger.redemptionsCents -= m.amountCents;
        break;
      case 'sale_refund':
        ledger.refundsCents -= m.amountCents;
        break;
      case 'adjust':
        ledger.adjustmentsCents += m.amountCents;
        break;
      default:
        return exhaustiveSwitchError(m.kind);
    }
  }
  ledger.balanceCents =
    ledger.loadsCents - ledger.redemptionsCents - ledger.refundsCents + ledger.adjustmentsCents;
  return ledger;
}
