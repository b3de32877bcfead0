import { describe, expect, it } from 'vitest';
import type { GiftCardRow } from './entities';
import { applyGiftCardMovement, balanceFromMovements } from './gift-cards';

const card: GiftCardRow = {
  id: 'g',
  code: 'GIFT-1',
  balanceCents: 1000,
  initialCents: 1000,
  status: 'active',
  issuedAt: '2026-11-24T15:00:00.000Z',
};

describe('gift card movements', () => {
  it('adds and takes from the balance', () => {
    expect(applyGiftCardMovement(card, -400).balanceCents).toBe(600);
    expect(applyGiftCardMovement(card, -1000).balanceCents).toBe(0);
    expect(applyGiftCardMovement(card, 250).balanceCents).toBe(1250);
  });

  it('never goes below zero and refuses a void card', () => {
    expect(() => applyGiftCardMovement(card, -1001)).toThrow(/has \$10\.00 left/);
    expect(() => applyGiftCardMovement({ ...card, status: 'void' }, 100)).toThrow(/void/);
  });

  it('derives the balance from the movements', () => {
    expect(
      balanceFromMovements([
        { id: '1', giftCardId: 'g', kind: 'issue', amountCents: 1000, createdAt: '' },
        { id: '2', giftCardId: 'g', kind: 'redeem', amountCents: -300, createdAt: '' },
      ]),
    ).toBe(700);
  });
});
