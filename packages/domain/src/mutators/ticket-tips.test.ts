import { describe, expect, it } from 'vitest';
import { expectedDrawerCash } from '../cash-drawer';
import { staffEarnings } from '../earnings';
import { balanceFromMovements } from '../gift-cards';
import type { MemoryStore } from '../memory-store';
import { amountDue } from '../payments';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const T = uid(600);
const P1 = uid(611);
const P2 = uid(612);
const P3 = uid(613);
const G = uid(620);
const DRAWER = uid(630);
const manager = { role: 'manager' as const };

/** Ana's manicure (25.00) and Ben's pedicure (40.00): 65.00 + 8.25 % tax = 70.36. */
async function twoTechnicianTicket(store: MemoryStore) {
  await must(store, 'ticket.open', { id: T });
  await must(store, 'ticket.addLine', {
    ticketId: T,
    lineId: uid(601),
    kind: 'service',
    itemId: ids.manicure,
    staffId: ids.ana,
  });
  await must(store, 'ticket.addLine', {
    ticketId: T,
    lineId: uid(602),
    kind: 'service',
    itemId: ids.pedicure,
    staffId: ids.ben,
  });
  const ticket = await store.get('ticket', T);
  expect(ticket?.totalCents).toBe(7036);
}

const pay = (
  store: MemoryStore,
  paymentId: string,
  method: string,
  amountCents: number,
  extra: object = {},
) => apply(store, 'ticket.addPayment', { ticketId: T, paymentId, method, amountCents, ...extra });

async function drawerNow(store: MemoryStore, floatCents: number) {
  const where = { where: { cashDrawerId: DRAWER } };
  return expectedDrawerCash({
    floatCents,
    payments: await store.list('payment', where),
    refunds: await store.list('refund', where),
    movements: await store.list('cashMovement', where),
  });
}

describe('cash tips', () => {
  it('go into the drawer on top of the amount; change comes from the amount alone', async () => {
    const store = await seededStore();
    await twoTechnicianTicket(store);
    await must(store, 'cashDrawer.open', { id: DRAWER, floatCents: 10_000 });
    // 80.00 handed over for 70.36, plus a 10.00 tip: 9.64 change.
    expect(await pay(store, P1, 'cash', 8000, { tipCents: 1000 })).toEqual({ ok: true });
    expect(await store.get('payment', P1)).toMatchObject({
      tipCents: 1000,
      changeCents: 964,
      cashDrawerId: DRAWER,
    });
    expect(await store.get('ticket', T)).toMatchObject({ tipCents: 1000, changeCents: 964 });
    const drawer = await drawerNow(store, 10_000);
    expect(drawer).toMatchObject({ cashSalesCents: 8000, cashTipsCents: 1000, changeCents: 964 });
    expect(drawer.expectedCents).toBe(10_000 + 7036 + 1000);

    await must(store, 'ticket.close', { ticketId: T });
    await must(store, 'cashDrawer.close', { id: DRAWER, countedCents: 18_036 });
    expect(await store.get('cashDrawer', DRAWER)).toMatchObject({
      expectedCents: 18_036,
      overShortCents: 0,
    });
  });

  it('may come on their own after a card paid the ticket, and go back out when removed', async () => {
    const store = await seededStore();
    await twoTechnicianTicket(store);
    await must(store, 'cashDrawer.open', { id: DRAWER, floatCents: 5000 });
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: P1,
      method: 'card',
      amountCents: 7036,
    });
    expect(await pay(store, P2, 'cash', 0, { tipCents: 700 })).toEqual({ ok: true });
    expect((await drawerNow(store, 5000)).expectedCents).toBe(5700);
    await must(store, 'ticket.removePayment', { ticketId: T, paymentId: P2 }, manager);
    expect((await drawerNow(store, 5000)).expectedCents).toBe(5000);
    expect((await store.get('ticket', T))?.tipCents).toBe(0);
  });

  it('count in each technician’s earnings once the ticket closes', async () => {
    const store = await seededStore();
    await twoTechnicianTicket(store);
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: P1,
      method: 'cash',
      amountCents: 7036,
      tipCents: 1300,
    });
    await must(store, 'ticket.setTipSplit', { ticketId: T, split: { mode: 'even' } });
    await must(store, 'ticket.close', { ticketId: T });
    const earnings = staffEarnings({
      tickets: store.rows('ticket'),
      lines: store.rows('ticketLine'),
      staff: store.rows('staff'),
      from: '2026-11-24T00:00:00.000Z',
      to: '2026-11-25T00:00:00.000Z',
    });
    expect(earnings.map((e) => [e.staffId, e.tipsCents])).toEqual([
      [ids.ana, 650],
      [ids.ben, 650],
    ]);
  });

  it('are not refunded with the ticket: a refund is capped at what the store kept', async () => {
    const store = await seededStore();
    await twoTechnicianTicket(store);
    await pay(store, P1, 'cash', 7036, { tipCents: 1000 });
    await must(store, 'ticket.close', { ticketId: T });
    const refund = (amountCents: number) =>
      apply(
        store,
        'ticket.refund',
        { ticketId: T, refundId: uid(640), amountCents, method: 'cash' },
        manager,
      );
    expect(await refund(7037)).toMatchObject({ code: 'REFUND_EXCEEDS_PAID' });
    expect(await refund(7036)).toEqual({ ok: true });
  });
});

describe('gift card and other tips', () => {
  async function giveGiftCard(store: MemoryStore, balanceCents: number) {
    await store.put('giftCard', {
      id: G,
      code: 'GC-TIP',
      balanceCents,
      initialCents: balanceCents,
      status: 'active',
      issuedAt: '2026-11-01T00:00:00.000Z',
    });
    await store.put('giftCardMovement', {
      id: uid(621),
      giftCardId: G,
      kind: 'issue',
      amountCents: balanceCents,
      ticketId: null,
      paymentId: null,
      createdAt: '2026-11-01T00:00:00.000Z',
    });
  }

  it('takes amount + tip from the card, refuses more than its balance, and puts both back', async () => {
    const store = await seededStore();
    await twoTechnicianTicket(store);
    await giveGiftCard(store, 8000);
    // 70.36 + 10.00 is more than the 80.00 on the card: nothing is taken.
    expect(
      await pay(store, P1, 'gift_card', 7036, { giftCardId: G, tipCents: 1000 }),
    ).toMatchObject({ code: 'GIFT_CARD_INSUFFICIENT' });
    expect((await store.get('giftCard', G))?.balanceCents).toBe(8000);
    expect(await store.get('payment', P1)).toBeUndefined();

    expect(await pay(store, P1, 'gift_card', 7036, { giftCardId: G, tipCents: 964 })).toEqual({
      ok: true,
    });
    expect((await store.get('giftCard', G))?.balanceCents).toBe(0);
    expect(await store.get('giftCardMovement', P1)).toMatchObject({
      kind: 'redeem',
      amountCents: -8000,
    });
    expect(
      balanceFromMovements(await store.list('giftCardMovement', { where: { giftCardId: G } })),
    ).toBe(0);
    expect(await store.get('ticket', T)).toMatchObject({ paidCents: 7036, tipCents: 964 });

    await must(store, 'ticket.removePayment', { ticketId: T, paymentId: P1 }, manager);
    expect((await store.get('giftCard', G))?.balanceCents).toBe(8000);
    expect(
      balanceFromMovements(await store.list('giftCardMovement', { where: { giftCardId: G } })),
    ).toBe(8000);
    expect(await store.get('ticket', T)).toMatchObject({ paidCents: 0, tipCents: 0 });
  });

  it('rides on an "other" tender too, and adds up across tenders', async () => {
    const store = await seededStore();
    await twoTechnicianTicket(store);
    await giveGiftCard(store, 5000);
    expect(await pay(store, P1, 'gift_card', 3000, { giftCardId: G, tipCents: 500 })).toEqual({
      ok: true,
    });
    expect(await pay(store, P2, 'other', 4036, { tipCents: 250, reference: 'check 12' })).toEqual({
      ok: true,
    });
    expect(await pay(store, P3, 'card', 0, { tipCents: 250 })).toEqual({ ok: true });
    const ticket = await store.get('ticket', T);
    expect(ticket).toMatchObject({ tipCents: 1000, paidCents: 7036 });
    expect(ticket && amountDue(ticket)).toBe(0);
    await must(store, 'ticket.close', { ticketId: T });
    // Proportional by default: 25.00 and 40.00 of services.
    expect((await store.get('ticket', T))?.tipShares).toEqual({ [ids.ana]: 385, [ids.ben]: 615 });
  });
});

describe('ticket.setTipSplit', () => {
  it('refuses manual shares that do not add up to the tip, changing nothing', async () => {
    const store = await seededStore();
    await twoTechnicianTicket(store);
    await pay(store, P1, 'cash', 7036, { tipCents: 1000 });
    await must(store, 'ticket.setTipSplit', { ticketId: T, split: { mode: 'even' } });
    const before = await store.get('ticket', T);
    expect(
      await apply(store, 'ticket.setTipSplit', {
        ticketId: T,
        split: { mode: 'manual', shares: { [ids.ana]: 600, [ids.ben]: 399 } },
      }),
    ).toMatchObject({ code: 'TIP_SPLIT_MISMATCH' });
    expect(await store.get('ticket', T)).toEqual(before);

    await must(store, 'ticket.setTipSplit', {
      ticketId: T,
      split: { mode: 'manual', shares: { [ids.ana]: 600, [ids.ben]: 400 } },
    });
    await must(store, 'ticket.close', { ticketId: T });
    expect(await store.get('ticket', T)).toMatchObject({
      tipSplit: { mode: 'manual' },
      tipShares: { [ids.ana]: 600, [ids.ben]: 400 },
    });
  });

  it('refuses to close while a manual split no longer matches a tip that changed', async () => {
    const store = await seededStore();
    await twoTechnicianTicket(store);
    await pay(store, P1, 'cash', 7036, { tipCents: 1000 });
    await must(store, 'ticket.setTipSplit', {
      ticketId: T,
      split: { mode: 'manual', shares: { [ids.ana]: 1000 } },
    });
    await pay(store, P2, 'card', 0, { tipCents: 500 });
    expect(await apply(store, 'ticket.close', { ticketId: T })).toMatchObject({
      code: 'TIP_SPLIT_MISMATCH',
    });
    await must(store, 'ticket.setTipSplit', {
      ticketId: T,
      split: { mode: 'manual', shares: { [ids.ana]: 1000, [ids.ben]: 500 } },
    });
    await must(store, 'ticket.close', { ticketId: T });
  });
});
