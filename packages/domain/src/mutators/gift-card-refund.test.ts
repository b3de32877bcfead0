import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { giftCardLedger } from '../gift-cards';
import type { MemoryStore } from '../memory-store';
import { netPaid } from '../payments';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const MANAGER = { role: 'manager' as const };

let nextId = 50_000;
const fresh = () => uid(nextId++);

/** Sells a gift card (and optionally a manicure) on a ticket paid in cash, and closes it. */
async function sellCard(store: MemoryStore, amountCents: number, withService = false) {
  const ticketId = fresh();
  const cardLineId = fresh();
  const giftCardId = fresh();
  await must(store, 'ticket.open', { id: ticketId });
  await must(store, 'ticket.addGiftCardLine', {
    ticketId,
    lineId: cardLineId,
    giftCardId,
    code: `GC-${giftCardId.slice(-6)}`,
    amountCents,
  });
  if (withService) {
    await must(store, 'ticket.addLine', {
      ticketId,
      lineId: fresh(),
      kind: 'service',
      itemId: ids.manicure,
      staffId: ids.ana,
    });
  }
  const total = (await store.get('ticket', ticketId))?.totalCents ?? 0;
  await must(store, 'ticket.addPayment', {
    ticketId,
    paymentId: fresh(),
    method: 'cash',
    amountCents: total,
  });
  await must(store, 'ticket.close', { ticketId });
  return { ticketId, cardLineId, giftCardId, totalCents: total };
}

/** Spends `amountCents` of a card toward a new ticket for a pedicure ($40 + tax). */
function redeem(store: MemoryStore, giftCardId: string, amountCents: number) {
  return (async () => {
    const ticketId = fresh();
    await must(store, 'ticket.open', { id: ticketId });
    await must(store, 'ticket.addLine', {
      ticketId,
      lineId: fresh(),
      kind: 'service',
      itemId: ids.pedicure,
      staffId: ids.ana,
    });
    return apply(store, 'ticket.addPayment', {
      ticketId,
      paymentId: fresh(),
      method: 'gift_card',
      amountCents,
      giftCardId,
    });
  })();
}

function refund(store: MemoryStore, ticketId: string, amountCents: number, lineIds?: string[]) {
  return apply(
    store,
    'ticket.refund',
    {
      ticketId,
      refundId: fresh(),
      amountCents,
      method: 'cash',
      ...(lineIds ? { lineIds } : {}),
    },
    MANAGER,
  );
}

async function ledgerOf(store: MemoryStore, giftCardId: string) {
  return giftCardLedger(await store.list('giftCardMovement', { where: { giftCardId } }));
}

describe('refunding a gift card sale', () => {
  it('a full refund takes the card back: void, balance 0, recorded in its ledger', async () => {
    const store = await seededStore();
    const sale = await sellCard(store, 10_000);
    expect(await refund(store, sale.ticketId, 10_000)).toEqual({ ok: true });
    expect(await store.get('giftCard', sale.giftCardId)).toMatchObject({
      status: 'void',
      balanceCents: 0,
    });
    const ledger = await ledgerOf(store, sale.giftCardId);
    expect(ledger).toMatchObject({
      loadsCents: 10_000,
      redemptionsCents: 0,
      refundsCents: 10_000,
      balanceCents: 0,
    });
    // Same mutation time in this test, so compare as a set.
    expect(ledger.entries.map((e) => [e.kind, e.amountCents]).sort()).toEqual([
      ['issue', 10_000],
      ['sale_refund', -10_000],
    ]);
    expect(await redeem(store, sale.giftCardId, 100)).toMatchObject({
      ok: false,
      code: 'GIFT_CARD_NOT_ACTIVE',
    });
  });

  it('never gives back the spent part: after $30 spent, at most $70 comes back', async () => {
    const store = await seededStore();
    const sale = await sellCard(store, 10_000);
    expect(await redeem(store, sale.giftCardId, 3_000)).toEqual({ ok: true });
    expect(await refund(store, sale.ticketId, 10_000)).toMatchObject({
      ok: false,
      code: 'REFUND_EXCEEDS_PAID',
    });
    expect(await refund(store, sale.ticketId, 7_000)).toEqual({ ok: true });
    expect(await store.get('giftCard', sale.giftCardId)).toMatchObject({
      status: 'void',
      balanceCents: 0,
    });
    expect(await refund(store, sale.ticketId, 1)).toMatchObject({ code: 'REFUND_EXCEEDS_PAID' });
    expect(await ledgerOf(store, sale.giftCardId)).toMatchObject({
      loadsCents: 10_000,
      redemptionsCents: 3_000,
      refundsCents: 7_000,
      balanceCents: 0,
    });
  });

  it('a partial refund naming the card reduces it and leaves it usable', async () => {
    const store = await seededStore();
    const sale = await sellCard(store, 10_000);
    expect(await refund(store, sale.ticketId, 4_000, [sale.cardLineId])).toEqual({ ok: true });
    expect(await store.get('giftCard', sale.giftCardId)).toMatchObject({
      status: 'active',
      balanceCents: 6_000,
    });
    expect(await redeem(store, sale.giftCardId, 1_000)).toEqual({ ok: true });
    expect(await refund(store, sale.ticketId, 5_000, [sale.cardLineId])).toEqual({ ok: true });
    expect(await store.get('giftCard', sale.giftCardId)).toMatchObject({
      status: 'void',
      balanceCents: 0,
    });
  });

  it('a refund by amount is for the other lines first; only the excess reaches the card', async () => {
    const store = await seededStore();
    const sale = await sellCard(store, 5_000, true);
    const serviceCents = sale.totalCents - 5_000;
    expect(await refund(store, sale.ticketId, serviceCents)).toEqual({ ok: true });
    expect(await store.get('giftCard', sale.giftCardId)).toMatchObject({
      status: 'active',
      balanceCents: 5_000,
    });
    expect(await refund(store, sale.ticketId, 5_000)).toEqual({ ok: true });
    expect(await store.get('giftCard', sale.giftCardId)).toMatchObject({ status: 'void' });
    expect((await store.get('ticket', sale.ticketId))?.refundedCents).toBe(sale.totalCents);
  });

  it('a refund naming only the service line cannot take money for the card', async () => {
    const store = await seededStore();
    const sale = await sellCard(store, 5_000, true);
    const serviceLine = (await store.list('ticketLine', { where: { ticketId: sale.ticketId } }))
      .filter((l) => l.kind === 'service')
      .map((l) => l.id);
    expect(await refund(store, sale.ticketId, sale.totalCents, serviceLine)).toMatchObject({
      code: 'REFUND_EXCEEDS_PAID',
    });
    expect((await store.get('giftCard', sale.giftCardId))?.balanceCents).toBe(5_000);
  });
});

type Op =
  | { kind: 'sell'; amountCents: number; withService: boolean }
  | { kind: 'redeem'; card: number; amountCents: number }
  | { kind: 'refund'; sale: number; amountCents: number; namingCard: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('sell' as const),
    amountCents: fc.integer({ min: 1, max: 20_000 }),
    withService: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('redeem' as const),
    card: fc.nat(),
    amountCents: fc.integer({ min: 1, max: 2_500 }),
  }),
  fc.record({
    kind: fc.constant('refund' as const),
    sale: fc.nat(),
    amountCents: fc.integer({ min: 1, max: 25_000 }),
    namingCard: fc.boolean(),
  }),
);

describe('gift card ledger properties', () => {
  it('after any sales, redemptions and refunds: balance = loads − redemptions − refunds ≥ 0, a refund never returns spent value, a void card cannot be redeemed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const store = await seededStore();
        const sales: Awaited<ReturnType<typeof sellCard>>[] = [];
        for (const o of ops) {
          if (o.kind === 'sell') {
            sales.push(await sellCard(store, o.amountCents, o.withService));
            continue;
          }
          const sale = sales[(o.kind === 'redeem' ? o.card : o.sale) % Math.max(sales.length, 1)];
          if (!sale) continue;
          if (o.kind === 'redeem') await redeem(store, sale.giftCardId, o.amountCents);
          else {
            await refund(
              store,
              sale.ticketId,
              o.amountCents,
              o.namingCard ? [sale.cardLineId] : undefined,
            );
          }
        }
        for (const sale of sales) {
          const card = await store.get('giftCard', sale.giftCardId);
          const ledger = await ledgerOf(store, sale.giftCardId);
          expect(card?.balanceCents).toBe(ledger.balanceCents);
          expect(ledger.balanceCents).toBe(
            ledger.loadsCents - ledger.redemptionsCents - ledger.refundsCents,
          );
          expect(ledger.balanceCents).toBeGreaterThanOrEqual(0);
          const ticket = await store.get('ticket', sale.ticketId);
          if (!ticket) throw new Error('no sale ticket');
          // The money given back for the sale leaves the spent value of its card sold.
          expect(ticket.refundedCents).toBeLessThanOrEqual(
            netPaid(ticket) - ledger.redemptionsCents,
          );
          if (card?.status === 'void') {
            expect(card.balanceCents).toBe(0);
            expect(await redeem(store, sale.giftCardId, 1)).toMatchObject({
              ok: false,
              code: 'GIFT_CARD_NOT_ACTIVE',
            });
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
