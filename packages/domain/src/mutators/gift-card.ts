import { z } from 'zod';
import { applyGiftCardMovement } from '../gift-cards';
import { requireGiftCardWithinBounds } from '../money-bounds';
import { defineMutator } from './define';
import { insertNew, loadStore, now, requireRow } from './rows';
import { id, MAX_CENTS } from './schemas';

export const giftCardAdjust = defineMutator({
  name: 'giftCard.adjust',
  description:
    'Corrects a gift card balance by a signed amount (recorded as an adjust movement). The balance can never go below zero.',
  permission: 'giftCards.adjust',
  args: z.strictObject({
    giftCardId: id,
    movementId: id,
    amountCents: z
      .int()
      .min(-MAX_CENTS)
      .max(MAX_CENTS)
      .refine((v) => v !== 0, 'An adjustment must change the balance'),
  }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const card = await requireRow(
      ctx,
      'giftCard',
      args.giftCardId,
      'GIFT_CARD_NOT_FOUND',
      'The gift card',
    );
    const adjusted = applyGiftCardMovement(card, args.amountCents, store.currency);
    requireGiftCardWithinBounds(adjusted.balanceCents);
    await ctx.tx.put('giftCard', adjusted);
    await insertNew(ctx, 'giftCardMovement', {
      id: args.movementId,
      giftCardId: card.id,
      kind: 'adjust',
      amountCents: args.amountCents,
      ticketId: null,
      paymentId: null,
      createdAt: now(ctx),
    });
  },
});
