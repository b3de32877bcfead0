import { reject } from './error-codes';

/**
 * The money bounds of a salon POS, as domain rules. Far above any real salon sale, and low
 * enough that no sum, product or tax computation over them can pass Number.MAX_SAFE_INTEGER
 * (2^53 − 1 cents ≈ $90 trillion): a ticket is capped at $1,000,000.00, a line's quantity at 999
 * and a unit price at $100,000.00, so the largest intermediate (a capped ticket plus one more
 * line) stays below 10^14 cents. A value beyond a bound is a coded rejection, never a wrong sum.
 */

/** Any single amount a device sends (a payment, a refund, a discount, a drawer movement). */
export const MAX_AMOUNT_CENTS = 100_000_000;
/** A ticket's subtotal, total and tips. */
export const MAX_TICKET_TOTAL_CENTS = 100_000_000;
/** A service's or product's unit price. */
export const MAX_PRICE_CENTS = 10_000_000;
/** Units of one item on one line. */
export const MAX_QUANTITY = 999;
/** A gift card's value when sold, and its balance at any time. */
export const MAX_GIFT_CARD_CENTS = 1_000_000;

/** Refuses a ticket whose sums went beyond the bounds (the mutation that did it is rejected). */
export function requireTicketWithinBounds(totals: {
  subtotalCents: number;
  totalCents: number;
  tipCents: number;
}): void {
  const over = (
    [
      ['subtotal', totals.subtotalCents],
      ['total', totals.totalCents],
      ['tips', totals.tipCents],
    ] as const
  ).find(([, value]) => value > MAX_TICKET_TOTAL_CENTS);
  if (over) {
    reject(
      'AMOUNT_OUT_OF_RANGE',
      `A ticket's ${over[0]} can be at most $${(MAX_TICKET_TOTAL_CENTS / 100).toLocaleString('en-US')}.00: split it into several tickets.`,
      { field: over[0], valueCents: over[1], maxCents: MAX_TICKET_TOTAL_CENTS },
    );
  }
}

/** Refuses a gift card balance beyond MAX_GIFT_CARD_CENTS. */
export function requireGiftCardWithinBounds(balanceCents: number): void {
  if (balanceCents > MAX_GIFT_CARD_CENTS) {
    reject(
      'AMOUNT_OUT_OF_RANGE',
      `A gift card can hold at most $${(MAX_GIFT_CARD_CENTS / 100).toLocaleString('en-US')}.00.`,
      { field: 'balance', valueCents: balanceCents, maxCents: MAX_GIFT_CARD_CENTS },
    );
  }
}
