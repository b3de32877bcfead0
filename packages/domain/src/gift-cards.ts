import type { GiftCardMovementRow, GiftCardRow } from './entities';
import { reject } from './error-codes';
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
