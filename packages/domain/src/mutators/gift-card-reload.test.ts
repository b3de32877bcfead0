import { describe, expect, it } from 'vitest';
import { giftCardLedger } from '../gift-cards';
import type { MemoryStore } from '../memory-store';
import { MAX_GIFT_CARD_CENTS } from '../money-bounds';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const MANAGER = { role: 'manager' as const };

let nextId = 60_000;
const fresh = () => uid(nextId++);

/** Pays a ticket's total in cash and closes it. */
async function payAndClose(store: MemoryStore, ticketId: string) {
  const total = (await store.get('ticket', ticketId))?.totalCents ?? 0;
  await must(store, 'ticket.addPayment', {
    ticketId,
    paymentId: fresh(),
    method: 'cash',
    amountCents: total,
  });
  return apply(store, 'ticket.close', { ticketId });
}

/** Sells a card for `amountCents` in cash; returns its id. */
async function soldCard(store: MemoryStore, amountCents: number) {
  const ticketId = fresh();
  const giftCardId = fresh();
  await must(store, 'ticket.open', { id: ticketId });
  await must(store, 'ticket.addGiftCardLine', {
    ticketId,
    lineId: fresh(),
    giftCardId,
    code: `GC-${giftCardId.slice(-6)}`,
    amountCents,
  });
  expect(await payAndClose(store, ticketId)).toEqual({ ok: true });
  return { giftCardId, saleTicketId: ticketId };
}

async function openTicketWithReload(store: MemoryStore, giftCardId: string, amountCents: number) {
  const ticketId = fresh();
  const lineId = fresh();
  await must(store, 'ticket.open', { id: ticketId });
  const outcome = await apply(store, 'ticket.addGiftCardReload', {
    ticketId,
    lineId,
    giftCardId,
    amountCents,
  });
  return { ticketId, lineId, outcome };
}

describe('ticket.addGiftCardReload', () => {
  it('puts the value on the card only when the ticket closes, untaxed, as a reload movement', async () => {
    const store = await seededStore();
    const { giftCardId } = await soldCard(store, 5000);
    const { ticketId, lineId, outcome } = await openTicketWithReload(store, giftCardId, 2500);
    expect(outcome).toEqual({ ok: true });

    const ticket = await store.get('ticket', ticketId);
    expect(ticket).toMatchObject({ subtotalCents: 2500, taxCents: 0, totalCents: 2500 });
    expect(await store.get('ticketLine', lineId)).toMatchObject({
      kind: 'gift_card',
      itemId: giftCardId,
      name: 'Gift card reload',
      giftCardReload: true,
      giftCardCode: `GC-${giftCardId.slice(-6)}`,
      lineTotalCents: 2500,
    });
    // Not paid yet: the card is as it was.
    expect((await store.get('giftCard', giftCardId))?.balanceCents).toBe(5000);

    expect(await payAndClose(store, ticketId)).toEqual({ ok: true });
    const card = await store.get('giftCard', giftCardId);
    expect(card).toMatchObject({ balanceCents: 7500, initialCents: 5000, status: 'active' });
    const movements = await store.list('giftCardMovement', { where: { giftCardId } });
    expect(movements.find((m) => m.id === lineId)).toMatchObject({
      kind: 'reload',
      amountCents: 2500,
      ticketId,
    });
    const ledger = giftCardLedger(movements);
    expect(ledger.loadsCents).toBe(7500);
    expect(ledger.balanceCents).toBe(7500);
  });

  it('is idempotent for the same line, and refuses a second reload of the card on one ticket', async () => {
    const store = await seededStore();
    const { giftCardId } = await soldCard(store, 1000);
    const { ticketId, lineId } = await openTicketWithReload(store, giftCardId, 2000);
    const again = { ticketId, lineId, giftCardId, amountCents: 2000 };
    expect(await apply(store, 'ticket.addGiftCardReload', again)).toEqual({ ok: true });
    expect(
      await apply(store, 'ticket.addGiftCardReload', { ...again, lineId: fresh() }),
    ).toMatchObject({ ok: false, code: 'GIFT_CARD_ALREADY_ON_TICKET' });
    // The same line id with another amount is another line: a conflict, not an update.
    expect(
      await apply(store, 'ticket.addGiftCardReload', { ...again, amountCents: 3000 }),
    ).toMatchObject({ ok: false, code: 'ID_CONFLICT' });
    expect((await store.get('ticket', ticketId))?.totalCents).toBe(2000);
  });

  it('refuses an unknown card, a void card and a balance beyond the bound', async () => {
    const store = await seededStore();
    const unknown = await openTicketWithReload(store, fresh(), 1000);
    expect(unknown.outcome).toMatchObject({ ok: false, code: 'GIFT_CARD_NOT_FOUND' });

    const { giftCardId } = await soldCard(store, 5000);
    const full = await openTicketWithReload(store, giftCardId, MAX_GIFT_CARD_CENTS - 4999);
    expect(full.outcome).toMatchObject({ ok: false, code: 'AMOUNT_OUT_OF_RANGE' });
    const fits = await openTicketWithReload(store, giftCardId, MAX_GIFT_CARD_CENTS - 5000);
    expect(fits.outcome).toEqual({ ok: true });

    const card = await store.get('giftCard', giftCardId);
    await store.put('giftCard', { ...card!, status: 'void' });
    const onVoid = await openTicketWithReload(store, giftCardId, 1000);
    expect(onVoid.outcome).toMatchObject({ ok: false, code: 'GIFT_CARD_NOT_ACTIVE' });
  });

  it('keeps the ticket open when the card was voided after the line was added', async () => {
    const store = await seededStore();
    const { giftCardId } = await soldCard(store, 5000);
    const { ticketId } = await openTicketWithReload(store, giftCardId, 2000);
    const card = await store.get('giftCard', giftCardId);
    await store.put('giftCard', { ...card!, status: 'void' });
    expect(await payAndClose(store, ticketId)).toMatchObject({
      ok: false,
      code: 'GIFT_CARD_NOT_ACTIVE',
    });
    expect((await store.get('ticket', ticketId))?.status).toBe('open');
    expect((await store.get('giftCard', giftCardId))?.balanceCents).toBe(5000);
  });

  it('is sold by the front desk, not by a technician', async () => {
    const store = await seededStore();
    const { giftCardId } = await soldCard(store, 5000);
    const ticketId = fresh();
    await must(store, 'ticket.open', { id: ticketId });
    const args = { ticketId, lineId: fresh(), giftCardId, amountCents: 1000 };
    expect(
      await apply(store, 'ticket.addGiftCardReload', args, { role: 'technician' }),
    ).toMatchObject({ ok: false, code: 'FORBIDDEN_ROLE' });
    expect(await apply(store, 'ticket.addGiftCardReload', args, { role: 'front_desk' })).toEqual({
      ok: true,
    });
  });

  it('a refunded reload takes back only its unspent value and leaves the card usable', async () => {
    const store = await seededStore();
    const { giftCardId } = await soldCard(store, 3000);
    const { ticketId, lineId } = await openTicketWithReload(store, giftCardId, 2000);
    expect(await payAndClose(store, ticketId)).toEqual({ ok: true });

    // Spend most of it on a pedicure ticket ($40 + tax), then refund the reload: only what is
    // left on the card comes back.
    const spend = fresh();
    await must(store, 'ticket.open', { id: spend });
    await must(store, 'ticket.addLine', {
      ticketId: spend,
      lineId: fresh(),
      kind: 'service',
      itemId: ids.pedicure,
      staffId: ids.ana,
    });
    const pedicureCents = (await store.get('ticket', spend))?.totalCents ?? 0;
    await must(store, 'ticket.addPayment', {
      ticketId: spend,
      paymentId: fresh(),
      method: 'gift_card',
      amountCents: pedicureCents,
      giftCardId,
    });
    const leftCents = 5000 - pedicureCents;
    expect((await store.get('giftCard', giftCardId))?.balanceCents).toBe(leftCents);

    const refund = (amountCents: number) =>
      apply(
        store,
        'ticket.refund',
        { ticketId, refundId: fresh(), amountCents, method: 'cash', lineIds: [lineId] },
        MANAGER,
      );
    expect(await refund(leftCents + 1)).toMatchObject({ ok: false, code: 'REFUND_EXCEEDS_PAID' });
    expect(await refund(leftCents)).toEqual({ ok: true });
    // Empty, but its own sale was not refunded: it stays active and can be reloaded again.
    expect(await store.get('giftCard', giftCardId)).toMatchObject({
      balanceCents: 0,
      status: 'active',
    });
    const again = await openTicketWithReload(store, giftCardId, 1000);
    expect(again.outcome).toEqual({ ok: true });
  });
});
