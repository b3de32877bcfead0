import { describe, expect, it } from 'vitest';
import type { MemoryStore } from '../memory-store';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const T = uid(500);
const L1 = uid(501);
const P1 = uid(511);
const P2 = uid(512);
const P3 = uid(513);
const G = uid(520);

/** A ticket for one manicure by Ana: 25.00 + 2.06 tax = 27.06. */
async function openTicket(store: MemoryStore) {
  await must(store, 'ticket.open', { id: T });
  await must(store, 'ticket.addLine', {
    ticketId: T,
    lineId: L1,
    kind: 'service',
    itemId: ids.manicure,
    staffId: ids.ana,
  });
}

async function giveGiftCard(store: MemoryStore, balanceCents: number) {
  await store.put('giftCard', {
    id: G,
    code: 'GC-1',
    balanceCents,
    initialCents: balanceCents,
    status: 'active',
    issuedAt: '2026-11-01T00:00:00.000Z',
  });
}

const pay = (
  store: MemoryStore,
  paymentId: string,
  method: string,
  amountCents: number,
  extra: object = {},
) => apply(store, 'ticket.addPayment', { ticketId: T, paymentId, method, amountCents, ...extra });

describe('ticket.addPayment', () => {
  it('splits tender and gives change only on cash', async () => {
    const store = await seededStore();
    await openTicket(store);
    expect(await pay(store, P1, 'card', 1000, { tipCents: 300, reference: 'visa 4242' })).toEqual({
      ok: true,
    });
    expect(await pay(store, P2, 'other', 99_999)).toMatchObject({
      code: 'PAYMENT_EXCEEDS_BALANCE',
    });
    expect(await pay(store, P2, 'cash', 2000)).toEqual({ ok: true });
    expect(await store.get('payment', P2)).toMatchObject({ changeCents: 294, cashDrawerId: null });
    expect(await store.get('ticket', T)).toMatchObject({
      totalCents: 2706,
      paidCents: 3000,
      changeCents: 294,
      tipCents: 300,
    });
    expect(await pay(store, P3, 'cash', 100)).toMatchObject({
      code: 'PAYMENT_EXCEEDS_BALANCE',
      message: 'This ticket is already paid in full.',
    });
    await must(store, 'ticket.close', { ticketId: T });
  });

  it('refuses empty payments, and takes a tip on its own', async () => {
    const store = await seededStore();
    await openTicket(store);
    expect(await pay(store, P1, 'card', 0)).toMatchObject({ code: 'PAYMENT_EMPTY' });
    expect(await pay(store, P1, 'cash', 0)).toMatchObject({ code: 'PAYMENT_EMPTY' });
    expect(await pay(store, P1, 'card', 0, { tipCents: 500 })).toEqual({ ok: true });
    expect(await pay(store, P2, 'bitcoin', 100)).toMatchObject({ code: 'INVALID_ARGS' });
    expect(await pay(store, P2, 'cash', 100, { giftCardId: G })).toMatchObject({
      code: 'INVALID_ARGS',
    });
    expect(
      await apply(store, 'ticket.addPayment', {
        ticketId: uid(999),
        paymentId: P2,
        method: 'cash',
        amountCents: 1,
      }),
    ).toMatchObject({ code: 'TICKET_NOT_FOUND' });
  });

  it('is idempotent for the same payment and refuses a different one under the same id', async () => {
    const store = await seededStore();
    await openTicket(store);
    await pay(store, P1, 'card', 1000);
    expect(await pay(store, P1, 'card', 1000)).toEqual({ ok: true });
    expect((await store.get('ticket', T))?.paidCents).toBe(1000);
    expect(await pay(store, P1, 'card', 1001)).toMatchObject({ code: 'ID_CONFLICT' });
  });

  it('caps offline card payments', async () => {
    const store = await seededStore();
    await openTicket(store);
    await must(store, 'ticket.addLine', {
      ticketId: T,
      lineId: uid(502),
      kind: 'product',
      itemId: ids.polish,
      quantity: 30,
    });
    expect(await pay(store, P1, 'card', 20_001, { offline: true })).toMatchObject({
      code: 'OFFLINE_CARD_LIMIT',
    });
    expect(await pay(store, P1, 'cash', 100, { offline: true })).toMatchObject({
      code: 'INVALID_ARGS',
    });
    expect(await pay(store, P1, 'card', 19_000, { offline: true, tipCents: 1000 })).toEqual({
      ok: true,
    });
    expect((await store.get('payment', P1))?.offline).toBe(true);
  });

  it('records the open cash drawer on cash payments', async () => {
    const store = await seededStore();
    await openTicket(store);
    await must(store, 'cashDrawer.open', { id: uid(530), floatCents: 10_000 });
    await pay(store, P1, 'cash', 500);
    await pay(store, P2, 'card', 500);
    expect((await store.get('payment', P1))?.cashDrawerId).toBe(uid(530));
    expect((await store.get('payment', P2))?.cashDrawerId).toBeNull();
  });
});

describe('gift card tender', () => {
  it('redeems the balance with a movement that reuses the payment id', async () => {
    const store = await seededStore();
    await openTicket(store);
    await giveGiftCard(store, 2000);
    expect(await pay(store, P1, 'gift_card', 2000, { giftCardId: G })).toEqual({ ok: true });
    expect((await store.get('giftCard', G))?.balanceCents).toBe(0);
    expect(await store.get('giftCardMovement', P1)).toMatchObject({
      kind: 'redeem',
      amountCents: -2000,
      paymentId: P1,
      ticketId: T,
    });
  });

  it('refuses a missing card, an unknown card, too little balance and more than is due', async () => {
    const store = await seededStore();
    await openTicket(store);
    expect(await pay(store, P1, 'gift_card', 100)).toMatchObject({ code: 'GIFT_CARD_REQUIRED' });
    expect(await pay(store, P1, 'gift_card', 100, { giftCardId: G })).toMatchObject({
      code: 'GIFT_CARD_NOT_FOUND',
    });
    await giveGiftCard(store, 500);
    expect(await pay(store, P1, 'gift_card', 600, { giftCardId: G })).toMatchObject({
      code: 'GIFT_CARD_INSUFFICIENT',
    });
    await giveGiftCard(store, 50_000);
    expect(await pay(store, P1, 'gift_card', 3000, { giftCardId: G })).toMatchObject({
      code: 'PAYMENT_EXCEEDS_BALANCE',
    });
    expect((await store.get('giftCard', G))?.balanceCents).toBe(50_000);
  });

  it('puts a removed redemption back onto the card', async () => {
    const store = await seededStore();
    await openTicket(store);
    await giveGiftCard(store, 1500);
    await pay(store, P1, 'gift_card', 1000, { giftCardId: G });
    expect(
      await apply(store, 'ticket.removePayment', { ticketId: T, paymentId: P1 }),
    ).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    expect(
      await apply(
        store,
        'ticket.removePayment',
        { ticketId: T, paymentId: P2 },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'PAYMENT_NOT_FOUND' });
    await must(store, 'ticket.removePayment', { ticketId: T, paymentId: P1 }, { role: 'manager' });
    expect((await store.get('giftCard', G))?.balanceCents).toBe(1500);
    expect(await store.get('giftCardMovement', P1)).toBeUndefined();
    expect(await store.get('ticket', T)).toMatchObject({ paidCents: 0 });
  });
});

describe('ticket.refund', () => {
  async function closedTicket(store: MemoryStore) {
    await openTicket(store);
    await pay(store, P1, 'cash', 3000);
    await must(store, 'ticket.close', { ticketId: T });
  }

  it('refunds part of a closed ticket, never more than was kept', async () => {
    const store = await seededStore();
    await closedTicket(store);
    const R1 = uid(540);
    await must(
      store,
      'ticket.refund',
      {
        ticketId: T,
        refundId: R1,
        amountCents: 1000,
        method: 'cash',
        reason: 'chipped',
        lineIds: [L1],
      },
      { role: 'manager' },
    );
    expect(await store.get('refund', R1)).toMatchObject({
      amountCents: 1000,
      method: 'cash',
      lineIds: [L1],
      cashDrawerId: null,
    });
    expect((await store.get('ticket', T))?.refundedCents).toBe(1000);
    expect(
      await must(
        store,
        'ticket.refund',
        { ticketId: T, refundId: R1, amountCents: 1000, method: 'cash' },
        { role: 'manager' },
      ),
    ).toBeUndefined();
    expect((await store.get('ticket', T))?.refundedCents).toBe(1000);
    expect(
      await apply(
        store,
        'ticket.refund',
        { ticketId: T, refundId: uid(541), amountCents: 1707, method: 'card' },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'REFUND_EXCEEDS_PAID', message: expect.stringMatching(/\$17\.06/) });
    expect(
      await apply(
        store,
        'ticket.refund',
        { ticketId: T, refundId: uid(541), amountCents: 10, method: 'card', lineIds: [uid(999)] },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'LINE_NOT_FOUND' });
    expect(
      await apply(store, 'ticket.refund', {
        ticketId: T,
        refundId: uid(541),
        amountCents: 10,
        method: 'card',
      }),
    ).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    await must(
      store,
      'ticket.refund',
      { ticketId: T, refundId: uid(541), amountCents: 1706, method: 'card' },
      { approvedBy: '00000000-0000-4000-8000-00000000a001' },
    );
  });

  it('only refunds closed tickets', async () => {
    const store = await seededStore();
    await openTicket(store);
    expect(
      await apply(
        store,
        'ticket.refund',
        { ticketId: T, refundId: uid(540), amountCents: 1, method: 'card' },
        { role: 'owner' },
      ),
    ).toMatchObject({ code: 'TICKET_NOT_CLOSED' });
  });

  it('credits a refund to a gift card', async () => {
    const store = await seededStore();
    await closedTicket(store);
    await giveGiftCard(store, 100);
    const R1 = uid(540);
    expect(
      await apply(
        store,
        'ticket.refund',
        { ticketId: T, refundId: R1, amountCents: 500, method: 'gift_card' },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'GIFT_CARD_REQUIRED' });
    await must(
      store,
      'ticket.refund',
      { ticketId: T, refundId: R1, amountCents: 500, method: 'gift_card', giftCardId: G },
      { role: 'manager' },
    );
    expect((await store.get('giftCard', G))?.balanceCents).toBe(600);
    expect(await store.get('giftCardMovement', R1)).toMatchObject({
      kind: 'refund',
      amountCents: 500,
    });
  });

  it('records cash refunds against the open drawer', async () => {
    const store = await seededStore();
    await closedTicket(store);
    await must(store, 'cashDrawer.open', { id: uid(530), floatCents: 0 });
    await must(
      store,
      'ticket.refund',
      { ticketId: T, refundId: uid(540), amountCents: 500, method: 'cash' },
      { role: 'manager' },
    );
    expect((await store.get('refund', uid(540)))?.cashDrawerId).toBe(uid(530));
  });
});

describe('giftCard.adjust', () => {
  it('adjusts a balance but never below zero', async () => {
    const store = await seededStore();
    await giveGiftCard(store, 1000);
    await must(
      store,
      'giftCard.adjust',
      { giftCardId: G, movementId: uid(550), amountCents: -400 },
      { role: 'manager' },
    );
    expect((await store.get('giftCard', G))?.balanceCents).toBe(600);
    expect(
      await apply(
        store,
        'giftCard.adjust',
        { giftCardId: G, movementId: uid(551), amountCents: -601 },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'GIFT_CARD_INSUFFICIENT' });
    expect(
      await apply(
        store,
        'giftCard.adjust',
        { giftCardId: G, movementId: uid(550), amountCents: 5 },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'ID_CONFLICT' });
    expect(
      await apply(
        store,
        'giftCard.adjust',
        { giftCardId: G, movementId: uid(551), amountCents: 0 },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect(
      await apply(
        store,
        'giftCard.adjust',
        { giftCardId: uid(999), movementId: uid(551), amountCents: 5 },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'GIFT_CARD_NOT_FOUND' });
    expect(
      await apply(store, 'giftCard.adjust', {
        giftCardId: G,
        movementId: uid(551),
        amountCents: 5,
      }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });
});
