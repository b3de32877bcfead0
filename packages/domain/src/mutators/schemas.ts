import { z } from 'zod';
import { MAX_AMOUNT_CENTS, MAX_GIFT_CARD_CENTS, MAX_PRICE_CENTS } from '../money-bounds';
import { parseTicketNumber } from '../ticket-numbers';

/** Ids are UUIDs made by the device that creates the row. */
/**
 * A row's id. Lowercased: a UUID names one row whatever its case (PostgreSQL compares them so),
 * and storage that compares strings (IndexedDB, the server's push overlay) must agree with it.
 */
export const id = z.uuid().transform((value) => value.toLowerCase());

/** Any single amount: the domain's money bounds (money-bounds.ts) keep sums far from float trouble. */
export const MAX_CENTS = MAX_AMOUNT_CENTS;
export const cents = z.int().min(0).max(MAX_CENTS);
export const positiveCents = z.int().min(1).max(MAX_CENTS);
/** A service's or product's unit price. */
export const priceCents = z.int().min(0).max(MAX_PRICE_CENTS);
/** A gift card's value when sold. */
export const giftCardValueCents = z.int().min(1).max(MAX_GIFT_CARD_CENTS);
export const bps = z.int().min(0).max(10_000);

export const isoDateTime = z.iso.datetime({ offset: true });

export const name = z.string().trim().min(1).max(120);
export const shortText = z.string().trim().max(500);
export const reason = z.string().trim().min(1).max(500);

export const discount = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('percent'), bps }),
  z.strictObject({ kind: z.literal('amount'), cents }),
]);

/** A readable ticket number in its one canonical spelling ("A-017"): ticket-numbers.ts. */
export const ticketNumber = z
  .string()
  .max(8)
  .refine((value) => parseTicketNumber(value) !== null, {
    message: 'a ticket number is a device code and a sequence, like A-017',
  });

export const paymentMethod = z.enum(['cash', 'card', 'gift_card', 'other']);

export const tipSplit = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.enum(['proportional', 'even']) }),
  z.strictObject({ mode: z.literal('manual'), shares: z.record(z.uuid(), cents) }),
]);
