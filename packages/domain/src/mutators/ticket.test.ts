import { describe, expect, it } from 'vitest';
import type { MemoryStore } from '../memory-store';
import { checkTicketInvariants } from '../ticket-invariants';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const T = uid(400);
const L1 = uid(401);
const L2 = uid(402);
const L3 = uid(403);
const P1 = uid(411);

async function ticketWithLines(store: MemoryStore) {
  await must(store, 'ticket.open', { id: T, clientId: ids.client });
  await must(store, 'ticket.addLine', {
    ticketId: T,
    lineId: L1,
    kind: 'service',
    itemId: ids.manicure,
    staffId: ids.ana,
  });
  await must(store, 'ticket.addLine', {
    ticketId: T,
    lineId: L2,
    kind: 'product',
    itemId: ids.polish,
    quantity: 2,
  });
}

async function invariants(store: MemoryStore, ticketId = T) {
  const ticket = await store.get('ticket', ticketId);
  if (!ticket) throw new Error('no ticket');
  const lines = await store.list('ticketLine', { where: { ticketId } });
  const payments = await store.list('payment', { where: { ticketId } });
  const refunds = await store.list('refund', { where: { ticketId } });
  return checkTicketInvariants({ ticket, lines, payments, refunds }, 82_500);
}

describe('ticket lines', () => {
  it('copies name, price and taxability from the catalog and recomputes totals', async () => {
    const store = await seededStore();
    await ticketWithLines(store);
    expect(await store.get('ticketLine', L2)).toMatchObject({
      name: 'Top coat',
      quantity: 2,
      unitPriceCents: 1000,
      lineTotalCents: 2000,
      staffId: null,
    });
    // 25 + 20 = 45.00 taxable at 8.25 % = 3.7125 → 3.71
    expect(await store.get('ticket', T)).toMatchObject({
      subtotalCents: 4500,
      taxCents: 371,
      totalCents: 4871,
    });
    await must(
      store,
      'service.upsert',
      {
        id: ids.manicure,
        name: 'Luxury manicure',
        durationMin: 30,
        priceCents: 9900,
        taxable: true,
      },
      { role: 'manager' },
    );
    expect(await store.get('ticketLine', L1)).toMatchObject({
      name: 'Manicure',
      unitPriceCents: 2500,
    });
    expect(await invariants(store)).toEqual([]);
  });

  it('uses the staff override price', async () => {
    const store = await seededStore();
    await must(store, 'ticket.open', { id: T });
    await must(store, 'ticket.addLine', {
      ticketId: T,
      lineId: L1,
      kind: 'service',
      itemId: ids.manicure,
      staffId: ids.ben,
    });
    expect((await store.get('ticketLine', L1))?.unitPriceCents).toBe(3000);
  });

  it('rejects unknown or inactive items and staff, and closed tickets', async () => {
    const store = await seededStore();
    await must(store, 'ticket.open', { id: T });
    const add = (extra: object) =>
      apply(store, 'ticket.addLine', {
        ticketId: T,
        lineId: L3,
        kind: 'service',
        itemId: ids.manicure,
        ...extra,
      });
    expect(await add({ itemId: uid(999) })).toMatchObject({ code: 'SERVICE_NOT_FOUND' });
    expect(await add({ kind: 'product', itemId: uid(999) })).toMatchObject({
      code: 'PRODUCT_NOT_FOUND',
    });
    expect(await add({ staffId: uid(999) })).toMatchObject({ code: 'STAFF_NOT_FOUND' });
    expect(await add({ ticketId: uid(999) })).toMatchObject({ code: 'TICKET_NOT_FOUND' });
    expect(await add({ quantity: 0 })).toMatchObject({ code: 'INVALID_ARGS' });
    await must(
      store,
      'service.upsert',
      {
        id: ids.pedicure,
        name: 'Pedicure',
        durationMin: 60,
        priceCents: 4000,
        taxable: true,
        active: false,
      },
      { role: 'manager' },
    );
    expect(await add({ itemId: ids.pedicure })).toMatchObject({ code: 'ITEM_INACTIVE' });
    await must(
      store,
      'product.upsert',
      {
        id: ids.polish,
        name: 'Top coat',
        priceCents: 1000,
        taxable: true,
        stockCount: 5,
        active: false,
      },
      { role: 'manager' },
    );
    expect(await add({ kind: 'product', itemId: ids.polish })).toMatchObject({
      code: 'ITEM_INACTIVE',
    });
    await must(
      store,
      'staff.upsert',
      { id: ids.ben, displayName: 'Ben', role: 'technician', active: false },
      { role: 'manager' },
    );
    expect(await add({ staffId: ids.ben })).toMatchObject({ code: 'STAFF_INACTIVE' });
    await must(store, 'ticket.void', { ticketId: T, reason: 'test' }, { role: 'manager' });
    expect(await add({})).toMatchObject({ code: 'TICKET_NOT_OPEN' });
  });

  it('treats a repeated add as a no-op and a different one under the same id as a conflict', async () => {
    const store = await seededStore();
    await ticketWithLines(store);
    const version = store.version;
    await must(store, 'ticket.addLine', {
      ticketId: T,
      lineId: L1,
      kind: 'service',
      itemId: ids.manicure,
      staffId: ids.ana,
    });
    expect(store.version).toBe(version);
    expect(
      await apply(store, 'ticket.addLine', {
        ticketId: T,
        lineId: L1,
        kind: 'service',
        itemId: ids.pedicure,
        staffId: ids.ana,
      }),
    ).toMatchObject({ code: 'ID_CONFLICT' });
    expect(await apply(store, 'ticket.open', { id: T, clientId: uid(999) })).toMatchObject({
      code: 'CLIENT_NOT_FOUND',
    });
    expect(await apply(store, 'ticket.open', { id: T })).toMatchObject({ code: 'ID_CONFLICT' });
  });

  it('removes lines and changes line staff', async () => {
    const store = await seededStore();
    await ticketWithLines(store);
    await must(store, 'ticket.setLineStaff', { ticketId: T, lineId: L2, staffId: ids.ben });
    expect((await store.get('ticketLine', L2))?.staffId).toBe(ids.ben);
    await must(store, 'ticket.setLineStaff', { ticketId: T, lineId: L2, staffId: null });
    expect((await store.get('ticketLine', L2))?.staffId).toBeNull();
    await must(store, 'ticket.removeLine', { ticketId: T, lineId: L2 });
    expect(await store.get('ticket', T)).toMatchObject({
      subtotalCents: 2500,
      taxCents: 206,
      totalCents: 2706,
    });
    expect(await apply(store, 'ticket.removeLine', { ticketId: T, lineId: L2 })).toMatchObject({
      code: 'LINE_NOT_FOUND',
    });
  });

  it('applies line and ticket discounts and comps', async () => {
    const store = await seededStore();
    await ticketWithLines(store);
    await must(store, 'ticket.setLineDiscount', {
      ticketId: T,
      lineId: L1,
      discount: { kind: 'percent', bps: 2000 },
    });
    await must(store, 'ticket.setDiscount', {
      ticketId: T,
      discount: { kind: 'amount', cents: 1000 },
    });
    // lines 2000 + 2000, ticket discount 1000 → taxable 3000 → tax 247.5 → 248
    expect(await store.get('ticket', T)).toMatchObject({
      subtotalCents: 4000,
      discountCents: 1500,
      taxCents: 248,
      totalCents: 3248,
    });
    expect(
      await apply(store, 'ticket.compLine', { ticketId: T, lineId: L2, comp: true }),
    ).toMatchObject({ code: 'APPROVAL_REQUIRED' });
    await must(
      store,
      'ticket.compLine',
      { ticketId: T, lineId: L2, comp: true, reason: 'regular' },
      { approvedBy: '00000000-0000-4000-8000-00000000a001' },
    );
    expect(await store.get('ticketLine', L2)).toMatchObject({
      comp: true,
      lineTotalCents: 0,
      discountCents: 2000,
    });
    expect(await invariants(store)).toEqual([]);
    await must(store, 'ticket.setDiscount', { ticketId: T, discount: null });
    await must(
      store,
      'ticket.compLine',
      { ticketId: T, lineId: L2, comp: false },
      { role: 'manager' },
    );
    expect((await store.get('ticket', T))?.subtotalCents).toBe(4000);
  });

  it('refuses a change that would bring the total under what was paid', async () => {
    const store = await seededStore();
    await ticketWithLines(store);
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: P1,
      method: 'card',
      amountCents: 4000,
    });
    expect(await apply(store, 'ticket.removeLine', { ticketId: T, lineId: L2 })).toMatchObject({
      code: 'TOTAL_BELOW_PAID',
    });
    expect(
      await apply(store, 'ticket.setDiscount', {
        ticketId: T,
        discount: { kind: 'percent', bps: 5000 },
      }),
    ).toMatchObject({ code: 'TOTAL_BELOW_PAID' });
    expect(await store.get('ticketLine', L2)).toBeDefined();
  });
});

describe('gift card sales', () => {
  it('sells a card that becomes active when the ticket closes', async () => {
    const store = await seededStore();
    const G = uid(420);
    await must(store, 'ticket.open', { id: T });
    await must(store, 'ticket.addGiftCardLine', {
      ticketId: T,
      lineId: L1,
      giftCardId: G,
      code: 'GIFT-0001',
      amountCents: 5000,
    });
    expect(await store.get('ticket', T)).toMatchObject({
      subtotalCents: 5000,
      taxCents: 0,
      totalCents: 5000,
    });
    expect(await store.get('giftCard', G)).toBeUndefined();
    expect(
      await apply(store, 'ticket.setLineDiscount', {
        ticketId: T,
        lineId: L1,
        discount: { kind: 'amount', cents: 100 },
      }),
    ).toMatchObject({ code: 'LINE_NOT_DISCOUNTABLE' });
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: P1,
      method: 'cash',
      amountCents: 5000,
    });
    await must(store, 'ticket.close', { ticketId: T });
    expect(await store.get('giftCard', G)).toMatchObject({
      code: 'GIFT-0001',
      balanceCents: 5000,
      initialCents: 5000,
      status: 'active',
    });
    expect(await store.get('giftCardMovement', L1)).toMatchObject({
      kind: 'issue',
      amountCents: 5000,
      ticketId: T,
    });
  });

  it('refuses a card id or code already in use', async () => {
    const store = await seededStore();
    await store.put('giftCard', {
      id: uid(421),
      code: 'TAKEN-1',
      balanceCents: 0,
      initialCents: 0,
      status: 'active',
      issuedAt: '2026-01-01T00:00:00.000Z',
    });
    await must(store, 'ticket.open', { id: T });
    expect(
      await apply(store, 'ticket.addGiftCardLine', {
        ticketId: T,
        lineId: L1,
        giftCardId: uid(421),
        code: 'NEW-1',
        amountCents: 100,
      }),
    ).toMatchObject({ code: 'ID_CONFLICT' });
    expect(
      await apply(store, 'ticket.addGiftCardLine', {
        ticketId: T,
        lineId: L1,
        giftCardId: uid(422),
        code: 'TAKEN-1',
        amountCents: 100,
      }),
    ).toMatchObject({ code: 'GIFT_CARD_CODE_TAKEN' });
    // Two tickets selling the same code: the second to close loses.
    const T2 = uid(430);
    await must(store, 'ticket.addGiftCardLine', {
      ticketId: T,
      lineId: L1,
      giftCardId: uid(422),
      code: 'SAME-1',
      amountCents: 100,
    });
    await must(store, 'ticket.open', { id: T2 });
    await must(store, 'ticket.addGiftCardLine', {
      ticketId: T2,
      lineId: L2,
      giftCardId: uid(423),
      code: 'SAME-1',
      amountCents: 100,
    });
    await must(store, 'ticket.addGiftCardLine', {
      ticketId: T2,
      lineId: L3,
      giftCardId: uid(422),
      code: 'OTHER-1',
      amountCents: 100,
    });
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: P1,
      method: 'other',
      amountCents: 100,
    });
    await must(store, 'ticket.addPayment', {
      ticketId: T2,
      paymentId: uid(431),
      method: 'other',
      amountCents: 200,
    });
    await must(store, 'ticket.close', { ticketId: T });
    expect(await apply(store, 'ticket.close', { ticketId: T2 })).toMatchObject({
      code: 'GIFT_CARD_CODE_TAKEN',
    });
  });
});

describe('ticket.close and ticket.void', () => {
  it('closes only a fully paid ticket, fixes the tip split and takes products from stock', async () => {
    const store = await seededStore();
    await ticketWithLines(store);
    expect(await apply(store, 'ticket.close', { ticketId: T })).toMatchObject({
      code: 'TICKET_NOT_PAID',
      message: expect.stringMatching(/\$48\.71 is still due/),
    });
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: P1,
      method: 'card',
      amountCents: 4871,
      tipCents: 900,
    });
    await must(store, 'ticket.close', { ticketId: T }, { now: '2026-11-24T16:00:00-05:00' });
    expect(await store.get('ticket', T)).toMatchObject({
      status: 'closed',
      closedAt: '2026-11-24T21:00:00.000Z',
      tipCents: 900,
      tipShares: { [ids.ana]: 900 },
    });
    expect((await store.get('product', ids.polish))?.stockCount).toBe(3);
    expect(
      await apply(store, 'ticket.addLine', {
        ticketId: T,
        lineId: L3,
        kind: 'product',
        itemId: ids.polish,
      }),
    ).toMatchObject({ code: 'TICKET_NOT_OPEN' });
    expect(await apply(store, 'ticket.close', { ticketId: T })).toMatchObject({
      code: 'TICKET_NOT_OPEN',
    });
    expect(await invariants(store)).toEqual([]);
  });

  it('closes an empty ticket and refuses a mismatched manual tip split', async () => {
    const store = await seededStore();
    await ticketWithLines(store);
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: P1,
      method: 'card',
      amountCents: 4871,
      tipCents: 1000,
    });
    await must(store, 'ticket.setTipSplit', {
      ticketId: T,
      split: { mode: 'manual', shares: { [ids.ana]: 600, [ids.ben]: 400 } },
    });
    expect(
      await apply(store, 'ticket.setTipSplit', {
        ticketId: T,
        split: { mode: 'manual', shares: { [ids.ana]: 600 } },
      }),
    ).toMatchObject({ code: 'TIP_SPLIT_MISMATCH' });
    await must(store, 'ticket.addLine', {
      ticketId: T,
      lineId: L3,
      kind: 'service',
      itemId: ids.polishChange,
      staffId: ids.ben,
    });
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: uid(412),
      method: 'card',
      amountCents: 1200,
      tipCents: 100,
    });
    expect(await apply(store, 'ticket.close', { ticketId: T })).toMatchObject({
      code: 'TIP_SPLIT_MISMATCH',
    });
    await must(store, 'ticket.setTipSplit', { ticketId: T, split: { mode: 'even' } });
    await must(store, 'ticket.close', { ticketId: T });
    expect((await store.get('ticket', T))?.tipShares).toEqual({ [ids.ana]: 550, [ids.ben]: 550 });
    const empty = uid(440);
    await must(store, 'ticket.open', { id: empty });
    await must(store, 'ticket.close', { ticketId: empty });
  });

  it('voids an open ticket without payments, with a manager', async () => {
    const store = await seededStore();
    await ticketWithLines(store);
    expect(await apply(store, 'ticket.void', { ticketId: T, reason: 'mistake' })).toMatchObject({
      code: 'APPROVAL_REQUIRED',
    });
    expect(
      await apply(store, 'ticket.void', { ticketId: T, reason: 'mistake' }, { role: 'technician' }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    expect(await apply(store, 'ticket.void', { ticketId: T })).toMatchObject({
      code: 'INVALID_ARGS',
    });
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: P1,
      method: 'card',
      amountCents: 100,
    });
    expect(
      await apply(store, 'ticket.void', { ticketId: T, reason: 'mistake' }, { role: 'manager' }),
    ).toMatchObject({ code: 'TICKET_HAS_PAYMENTS' });
    await must(store, 'ticket.removePayment', { ticketId: T, paymentId: P1 }, { role: 'manager' });
    await must(
      store,
      'ticket.void',
      { ticketId: T, reason: 'mistake' },
      { approvedBy: '00000000-0000-4000-8000-00000000a001' },
    );
    expect(await store.get('ticket', T)).toMatchObject({
      status: 'voided',
      voidReason: 'mistake',
      voidedAt: '2026-11-24T15:00:00.000Z',
    });
    expect(
      await apply(store, 'ticket.void', { ticketId: T, reason: 'again' }, { role: 'owner' }),
    ).toMatchObject({ code: 'TICKET_NOT_OPEN' });
  });

  it('links a ticket opened for an appointment', async () => {
    const store = await seededStore();
    const A = uid(450);
    await must(store, 'appointment.book', {
      id: A,
      staffId: ids.ana,
      serviceId: ids.manicure,
      start: '2026-11-25T15:00:00Z',
    });
    expect(await apply(store, 'ticket.open', { id: T, appointmentId: uid(999) })).toMatchObject({
      code: 'APPOINTMENT_NOT_FOUND',
    });
    await must(store, 'ticket.open', { id: T, appointmentId: A });
    expect((await store.get('appointment', A))?.ticketId).toBe(T);
  });
});
