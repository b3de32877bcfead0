import { z } from 'zod';
import type { PaymentRow, RefundRow, TicketLineRow } from '../entities';
import { reject } from '../error-codes';
import { planTicketRefund, takeBackMovementId, type SoldGiftCard } from '../gift-card-refunds';
import { planLineRefund } from '../line-refunds';
import { applyGiftCardMovement } from '../gift-cards';
import { sumCents } from '../money';
import { decideOfflineCardPayment, offlineCardCaps } from '../offline-payments';
import { amountDue, planTender } from '../payments';
import { requireApproval } from '../permissions';
import type { MutatorContext } from '../tx';
import { defineMutator } from './define';
import { byId, createOnce, insertNew, loadStore, now, requireRow } from './rows';
import { cents, id, isoDateTime, paymentMethod, positiveCents, reason } from './schemas';
import { openDrawerId, recalculate, requireOpenTicket, requireTicket } from './ticket-state';

async function requireGiftCard(ctx: MutatorContext, giftCardId: string | undefined) {
  if (!giftCardId) {
    return reject(
      'GIFT_CARD_REQUIRED',
      'Choose the gift card (giftCardId) for a gift card tender.',
    );
  }
  return requireRow(ctx, 'giftCard', giftCardId, 'GIFT_CARD_NOT_FOUND', 'The gift card');
}

function rejectStrayGiftCard(method: string, giftCardId: string | undefined) {
  if (method !== 'gift_card' && giftCardId) {
    reject('INVALID_ARGS', 'giftCardId is only for gift card tenders.', { field: 'giftCardId' });
  }
}

const PAYMENT_IDENTITY = [
  'ticketId',
  'method',
  'amountCents',
  'tipCents',
  'giftCardId',
  'reference',
] as const;

export const ticketAddPayment = defineMutator({
  name: 'ticket.addPayment',
  description:
    'Takes a tender toward an open ticket: cash (may exceed the balance; the rest is change), card, gift card (redeems amount + tip from its balance) or other. Any tender may carry a tip on top of its amount; a cash tip goes into the drawer. Several payments split a ticket.',
  permission: 'tickets.sell',
  args: z.strictObject({
    ticketId: id,
    paymentId: id,
    method: paymentMethod,
    amountCents: cents,
    tipCents: cents.optional(),
    giftCardId: id.optional(),
    reference: z.string().trim().max(120).optional(),
    offline: z.boolean().optional(),
    /** With `offline`: when the card was taken (default: the mutation's time). */
    takenAt: isoDateTime.optional(),
  }),
  async run(ctx, args) {
    const at = now(ctx);
    const payment: PaymentRow = {
      id: args.paymentId,
      ticketId: args.ticketId,
      method: args.method,
      amountCents: args.amountCents,
      tipCents: args.tipCents ?? 0,
      changeCents: 0,
      giftCardId: args.giftCardId ?? null,
      reference: args.reference ?? null,
      cashDrawerId: null,
      createdAt: at,
    };
    const existing = await ctx.tx.get('payment', args.paymentId);
    if (existing) {
      await createOnce(ctx, 'payment', payment, PAYMENT_IDENTITY);
      return;
    }
    rejectStrayGiftCard(args.method, args.giftCardId);
    const store = await loadStore(ctx);
    const state = await recalculate(ctx, await requireOpenTicket(ctx, args.ticketId), store);
    if (args.takenAt && !args.offline) {
      reject('INVALID_ARGS', 'takenAt is only for offline payments.', { field: 'takenAt' });
    }
    if (args.offline) {
      if (args.method !== 'card') {
        reject('INVALID_ARGS', 'Only card payments are marked offline.', { field: 'offline' });
      }
      // The per-device total is the device's own knowledge (its unsynced outbox): the device
      // checks it before taking the card; here, as on the server, only the per-payment cap.
      const decision = decideOfflineCardPayment({
        chargedCents: payment.amountCents + payment.tipCents,
        unsyncedOfflineCents: 0,
        caps: { ...offlineCardCaps(store), maxPerDeviceCents: Number.MAX_SAFE_INTEGER },
        currency: store.currency,
      });
      if (!decision.allowed) {
        reject(decision.code, decision.message, { limitCents: decision.limitCents });
      }
      payment.offline = true;
      payment.offlineTakenAt = args.takenAt ?? at;
      payment.offlineDeviceId = ctx.actor.deviceId;
    }
    const { changeCents } = planTender(amountDue(state.ticket), payment, store.currency);
    payment.changeCents = changeCents;

    if (args.method === 'gift_card') {
      const card = await requireGiftCard(ctx, args.giftCardId);
      // The tip is spent from the card too: amount + tip must fit in its balance.
      const redeemed = payment.amountCents + payment.tipCents;
      await ctx.tx.put('giftCard', applyGiftCardMovement(card, -redeemed, store.currency));
      await insertNew(ctx, 'giftCardMovement', {
        id: payment.id,
        giftCardId: card.id,
        kind: 'redeem',
        amountCents: -redeemed,
        ticketId: args.ticketId,
        paymentId: payment.id,
        createdAt: at,
      });
    }
    if (args.method === 'cash') payment.cashDrawerId = await openDrawerId(ctx);
    await ctx.tx.put('payment', payment);
    await recalculate(ctx, state.ticket, store);
  },
});

export const ticketRemovePayment = defineMutator({
  name: 'ticket.removePayment',
  description:
    'Takes a payment off an open ticket (a mistake, a declined card). A gift card redemption goes back onto the card. Needs a manager, or the front desk with a manager’s approval.',
  permission: 'tickets.removePayment',
  args: z.strictObject({ ticketId: id, paymentId: id }),
  authorize(ctx) {
    requireApproval(ctx, 'tickets.removePayment', 'remove a payment');
  },
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    const payment = await ctx.tx.get('payment', args.paymentId);
    if (!payment || payment.ticketId !== args.ticketId) {
      return reject('PAYMENT_NOT_FOUND', 'That payment is not on this ticket.', args);
    }
    if (payment.method === 'gift_card' && payment.giftCardId) {
      const card = await ctx.tx.get('giftCard', payment.giftCardId);
      if (card) {
        // Both the amount and the tip were taken from the card; both go back.
        await ctx.tx.put('giftCard', {
          ...card,
          balanceCents: card.balanceCents + payment.amountCents + payment.tipCents,
        });
      }
      // The redemption never happened: dropping its movement keeps balance = sum of movements.
      await ctx.tx.delete('giftCardMovement', payment.id);
    }
    await ctx.tx.delete('payment', payment.id);
    await recalculate(ctx, ticket, store);
  },
});

/** The gift cards sold on a ticket, with what its earlier refunds already took back from each. */
async function soldGiftCards(
  ctx: MutatorContext,
  ticketId: string,
  lines: readonly TicketLineRow[],
): Promise<SoldGiftCard[]> {
  const sold: SoldGiftCard[] = [];
  for (const line of [...lines].sort(byId)) {
    if (line.kind !== 'gift_card') continue;
    const movements = await ctx.tx.list('giftCardMovement', { where: { giftCardId: line.itemId } });
    sold.push({
      line,
      card: await ctx.tx.get('giftCard', line.itemId),
      takenBackCents: -sumCents(
        movements
          .filter((m) => m.kind === 'sale_refund' && m.ticketId === ticketId)
          .map((m) => m.amountCents),
      ),
    });
  }
  return sold;
}

export const ticketRefund = defineMutator({
  name: 'ticket.refund',
  description:
    'Refunds part or all of a closed ticket as a separate refund row: by amount (`amountCents`), or by line (`lines`: units of chosen lines, refunded at their price after discounts plus their share of the tax, exact to the cent; products go back on the shelf unless `restock` is false). Cash (from the open drawer), card, other, or onto a gift card. Never more than was paid; refunding a gift card sold on the ticket takes back only its unspent value (voiding the card when nothing is left). Needs a manager, or the front desk with a manager’s approval.',
  permission: 'tickets.refund',
  args: z.strictObject({
    ticketId: id,
    refundId: id,
    /** A refund by amount. Exactly one of amountCents and lines. */
    amountCents: positiveCents.optional(),
    method: paymentMethod,
    giftCardId: id.optional(),
    reason: reason.optional(),
    /** With amountCents: the gift cards sold on the ticket it takes back first. */
    lineIds: z.array(id).max(200).optional(),
    /** A refund by line: the amount is computed here, from the ticket as the server has it. */
    lines: z
      .array(z.strictObject({ lineId: id, quantity: z.int().min(1).max(999) }))
      .min(1)
      .max(200)
      .optional(),
    /** With lines: put the refunded products back in stock (default true). */
    restock: z.boolean().optional(),
  }),
  authorize(ctx) {
    requireApproval(ctx, 'tickets.refund', 'refund a ticket');
  },
  async run(ctx, args) {
    const at = now(ctx);
    if ((args.amountCents === undefined) === (args.lines === undefined)) {
      reject('INVALID_ARGS', 'A refund is by amount (amountCents) or by line (lines), not both.', {
        field: 'amountCents',
      });
    }
    if (args.lines && args.lineIds) {
      reject('INVALID_ARGS', 'lineIds is for a refund by amount; a refund by line names lines.', {
        field: 'lineIds',
      });
    }
    if (args.restock !== undefined && !args.lines) {
      reject('INVALID_ARGS', 'restock is for a refund by line.', { field: 'restock' });
    }
    const requested = args.lines?.map((l) => ({ lineId: l.lineId, quantity: l.quantity }));
    const existing = await ctx.tx.get('refund', args.refundId);
    if (existing) {
      // A retry (or the device's rebase) of the same refund: nothing more to do. A refund by line
      // is recognised by what it names: its amount was computed when it first applied.
      const same =
        existing.ticketId === args.ticketId &&
        existing.method === args.method &&
        (requested
          ? JSON.stringify(sortedLineUnits(existing.lines ?? [])) ===
            JSON.stringify(sortedLineUnits(requested))
          : existing.amountCents === args.amountCents && !existing.lines);
      if (!same) {
        reject('ID_CONFLICT', `A different refund already uses id ${args.refundId}.`, {
          entity: 'refund',
          id: args.refundId,
        });
      }
      return;
    }
    rejectStrayGiftCard(args.method, args.giftCardId);
    const store = await loadStore(ctx);
    const ticket = await requireTicket(ctx, args.ticketId);
    if (ticket.status !== 'closed') {
      reject(
        'TICKET_NOT_CLOSED',
        `Only a closed ticket can be refunded; this one is ${ticket.status}.`,
      );
    }
    const lines = await ctx.tx.list('ticketLine', { where: { ticketId: ticket.id } });
    for (const lineId of args.lineIds ?? []) {
      if (!lines.some((l) => l.id === lineId)) {
        reject('LINE_NOT_FOUND', 'A refunded line is not on this ticket.', { lineId });
      }
    }
    const soldCards = await soldGiftCards(ctx, ticket.id, lines);
    const byLine = requested
      ? planLineRefund({
          ticket,
          lines,
          refunds: await ctx.tx.list('refund', { where: { ticketId: ticket.id } }),
          soldCards,
          request: requested,
        })
      : undefined;
    const amountCents = byLine ? byLine.amountCents : (args.amountCents ?? 0);
    if (amountCents <= 0) {
      reject('REFUND_EXCEEDS_PAID', 'Nothing is left to refund on these lines.', {
        refundableCents: 0,
      });
    }
    const refund: RefundRow = {
      id: args.refundId,
      ticketId: args.ticketId,
      amountCents,
      method: args.method,
      reason: args.reason ?? null,
      lineIds: byLine ? byLine.lines.map((l) => l.lineId) : (args.lineIds ?? []),
      ...(byLine
        ? {
            lines: byLine.lines,
            taxCents: byLine.taxCents,
            restocked:
              args.restock !== false &&
              byLine.lines.some((r) => lines.find((l) => l.id === r.lineId)?.kind === 'product'),
          }
        : {}),
      cashDrawerId: null,
      createdAt: at,
    };
    const plan = planTicketRefund({
      ticket,
      soldCards,
      amountCents,
      lineIds: refund.lineIds ?? [],
      currency: store.currency,
    });
    for (const takeBack of plan.takeBacks) {
      const card = await requireGiftCard(ctx, takeBack.giftCardId);
      await ctx.tx.put('giftCard', {
        ...applyGiftCardMovement(card, -takeBack.amountCents, store.currency),
        ...(takeBack.voids ? { status: 'void' as const } : {}),
      });
      await insertNew(ctx, 'giftCardMovement', {
        id: takeBackMovementId(refund.id, takeBack.lineId),
        giftCardId: card.id,
        kind: 'sale_refund',
        amountCents: -takeBack.amountCents,
        ticketId: ticket.id,
        paymentId: null,
        createdAt: at,
      });
    }
    if (args.method === 'gift_card') {
      const card = await requireGiftCard(ctx, args.giftCardId);
      await ctx.tx.put('giftCard', applyGiftCardMovement(card, amountCents, store.currency));
      await insertNew(ctx, 'giftCardMovement', {
        id: refund.id,
        giftCardId: card.id,
        kind: 'refund',
        amountCents,
        ticketId: ticket.id,
        paymentId: null,
        createdAt: at,
      });
    }
    if (args.method === 'cash') refund.cashDrawerId = await openDrawerId(ctx);
    if (byLine && args.restock !== false) await restockLines(ctx, lines, byLine.lines);
    await ctx.tx.put('refund', refund);
    await ctx.tx.put('ticket', {
      ...ticket,
      refundedCents: ticket.refundedCents + amountCents,
    });
  },
});

function sortedLineUnits(lines: readonly { lineId: string; quantity: number }[]) {
  return lines
    .map((l) => ({ lineId: l.lineId, quantity: l.quantity }))
    .sort((a, b) => (a.lineId < b.lineId ? -1 : a.lineId > b.lineId ? 1 : 0));
}

/** Refunded products go back on the shelf (a product deleted since is skipped). */
async function restockLines(
  ctx: MutatorContext,
  lines: readonly TicketLineRow[],
  refunded: readonly { lineId: string; quantity: number }[],
) {
  for (const r of refunded) {
    const line = lines.find((l) => l.id === r.lineId);
    if (line?.kind !== 'product') continue;
    const product = await ctx.tx.get('product', line.itemId);
    if (product) {
      await ctx.tx.put('product', { ...product, stockCount: product.stockCount + r.quantity });
    }
  }
}
