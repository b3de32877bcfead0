import type { GiftCardRow } from '@mango/domain/entities';
import type { LocalReader } from '@mango/sync-client';

/** Letters and digits a person reads back without mixing them up (no I, O, 0, 1). */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A new card code, "GC-XXXX-XXXX-XXXX": 60 random bits, because the code alone spends the card
 * (whoever reads it off a receipt can use it), so it must not be guessable.
 */
export function newGiftCardCode(
  random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const bytes = random(new Uint8Array(12));
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length] ?? 'A');
  return `GC-${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`;
}

/** How codes are kept and looked up: no surrounding space, upper case (read off a card). */
export function normalizeGiftCardCode(input: string): string {
  return input.trim().toUpperCase();
}

/**
 * The card with a code as typed at the desk: its exact spelling first (a card printed before codes
 * were upper-cased), then upper-cased.
 */
export async function findGiftCard(
  r: LocalReader,
  input: string,
): Promise<GiftCardRow | undefined> {
  const typed = input.trim();
  if (typed === '') return undefined;
  const [exact] = await r.list('giftCard', { where: { code: typed } });
  if (exact) return exact;
  const upper = normalizeGiftCardCode(typed);
  if (upper === typed) return undefined;
  const [card] = await r.list('giftCard', { where: { code: upper } });
  return card;
}
