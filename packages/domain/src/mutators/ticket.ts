import { z } from 'zod';
import type { GiftCardRow, TicketLineRow } from '../entities';
import { applyGiftCardMovement } from '../gift-cards';
import { requireGiftCardWithinBounds } from '../money-bounds';
import { reject } from '../error-codes';
import { formatMoney } from '../money';
import { businessDate } from '../time';
import { amountDue } from '../payments';
import { requireApproval } from '../permissions';
import { splitTip } from '../tips';
import type { MutatorContext } from '../tx';
import { defineMutator } from './define';
import { createOnce, insertNew, loadStore, now, requireRow } from './rows';
import { discount, id, reason, ticketNumber, tipSplit } from './schemas';
import {
  newTicket,
  recalculate,
  requireIssuableNumber,
  requireOpenTicket,
  type TicketState,
} from './ticket-state';
import { finishTicketClient } from './turn-board';

export const ticketOpen = defineMutator({
  name: 'ticket.open',
  description:
    'Opens an empty ticket, optionally for a client and linked to an appointment. `number` is the readable number the device made for it ("A-017": its own device code, then its sequence of the business day); without it (older apps) the ticket has no number.',
  permission: 'tickets.sell',
  args: z.strictObject({
    id,
    clientId: id.optional(),
    appointmentId: id.optional(),
    number: ticketNumber.optional(),
  }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const openedAt = now(ctx);
    const day = businessDate(openedAt, store.timeZone);
    if (args.number && !(await ctx.tx.get('ticket', args.id))) {
      await requireIssuableNumber(ctx, args.number, day);
    }
    if (args.clientId) {
      await requireRow(ctx, 'client', args.clientId, 'CLIENT_NOT_FOUND', 'The client');
    }
    const appointment = args.appointmentId
      ? await requireRow(
          ctx,
          'appointment',
          args.appointmentId,
          'APPOINTMENT_NOT_FOUND',
          'The appointment',
        )
      : undefined;
    const ticket = newTicket(args.id, openedAt, args.clientId ?? null, args.appointmentId ?? null, {
      number: args.number ?? null,
      businessDate: day,
    });
    const created = await createOnce(ctx, 'ticket', ticket, ['clientId', 'appointmentId']);
    if (created && appointment && !appointment.ticketId) {
      await ctx.tx.put('appointment', { ...appointment, ticketId: args.id });
    }
  },
});

export const ticketSetClient = defineMutator({
  name: 'ticket.setClient',
  description:
    'Links an open ticket to a client, changes its client, or (with null) makes it a ticket without a client.',
  permission: 'tickets.sell',
  args: z.strictObject({ ticketId: id, clientId: id.nullable() }),
  async run(ctx, args) {
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    if (args.clientId) {
      await requireRow(ctx, 'client', args.clientId, 'CLIENT_NOT_FOUND', 'The client');
    }
    if ((ticket.clientId ?? null) === args.clientId) return;
    await ctx.tx.put('ticket', { ...ticket, clientId: args.clientId });
  },
});

export const ticketSetDiscount = defineMutator({
  name: 'ticket.setDiscount',
  description:
    'Sets (or clears, with null) the ticket discount: a percentage in basis points or a fixed amount. It is spread over service and product lines in proportion to their totals.',
  permission: 'tickets.discount',
  args: z.strictObject({ ticketId: id, discount: discount.nullable() }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    await recalculate(ctx, { ...ticket, discount: args.discount }, store, { guardPaid: true });
  },
});

export const ticketSetTipSplit = defineMutator({
  name: 'ticket.setTipSplit',
  description:
    'Chooses how the tip is shared among the ticket’s staff: proportional to service amounts (default), even, or manual shares that add up to the tip exactly.',
  permission: 'tickets.sell',
  args: z.strictObject({ ticketId: id, split: tipSplit }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    const state = await recalculate(ctx, ticket, store);
    splitTip(state.ticket.tipCents, state.lines, args.split);
    await ctx.tx.put('ticket', { ...state.ticket, tipSplit: args.split });
  },
});

/**
 * Gift cards sold on a ticket become usable when the ticket closes: the money is in hand then,
 * and a voided ticket never leaves a live card behind. Reloads are added to their card then, for
 * the same reason. The issue (or reload) movement reuses the line's id.
 */
async function issueSoldGiftCards(
  ctx: MutatorContext,
  state: TicketState,
  at: string,
  currency: string,
) {
  for (const line of state.lines) {
    if (line.kind !== 'gift_card') continue;
    if (line.giftCardReload === true) {
      await reloadGiftCard(ctx, state, line, at, currency);
      continue;
    }
    const code = line.giftCardCode ?? line.itemId;
    if (await ctx.tx.get('giftCard', line.itemId)) {
      reject('ID_CONFLICT', `Gift card ${code} was already issued.`, { giftCardId: line.itemId });
    }
    const sameCode = await ctx.tx.list('giftCard', { where: { code } });
    if (sameCode.length > 0) {
      reject('GIFT_CARD_CODE_TAKEN', `Another gift card already uses code ${code}.`, { code });
    }
    const card: GiftCardRow = {
      id: line.itemId,
      code,
      balanceCents: line.lineTotalCents,
      initialCents: line.lineTotalCents,
      status: 'active',
      issuedAt: at,
    };
    await ctx.tx.put('giftCard', card);
    await insertNew(ctx, 'giftCardMovement', {
      id: line.id,
      giftCardId: card.id,
      kind: 'issue',
      amountCents: card.balanceCents,
      ticketId: state.ticket.id,
      paymentId: null,
      createdAt: at,
    });
  }
}

/**
 * Adds a reload line's value to its card. A card voided (or filled up) since the line was added
 * keeps the ticket from closing, rather than taking money for value nobody can spend: the desk
 * removes the line (and the payment for it).
 */
async function reloadGiftCard(
  ctx: MutatorContext,
  state: TicketState,
  line: TicketLineRow,
  at: string,
  currency: string,
) {
  const card = await requireRow(
    ctx,
    'giftCard',
    line.itemId,
    'GIFT_CARD_NOT_FOUND',
    'The gift card',
  );
  const loaded = applyGiftCardMovement(card, line.lineTotalCents, currency);
  requireGiftCardWithinBounds(loaded.balanceCents);
  await ctx.tx.put('giftCard', loaded);
  await insertNew(ctx, 'giftCardMovement', {
    id: line.id,
    giftCardId: card.id,
    kind: 'reload',
    amountCents: line.lineTotalCents,
    ticketId: state.ticket.id,
    paymentId: null,
    createdAt: at,
  });
}

/** Retail stock leaves the shelf when the sale closes. Counts may go negative: the shelf wins. */
async function takeProductsFromStock(ctx: MutatorContext, state: TicketState) {
  for (const line of state.lines) {
    if (line.kind !== 'product') continue;
    const product = await ctx.tx.get('product', line.itemId);
    if (product) {
      await ctx.tx.put('product', { ...product, stockCount: product.stockCount - line.quantity });
    }
  }
}

/**
 * Each service line keeps its technician's commission as it stands now, when the sale is made:
 * pay for a sale never changes when the rate is changed later. On the server this runs over
 * its own staff rows, so the kept rate is the authoritative one, not the device's copy.
 */
async function keepCommissionRates(ctx: MutatorContext, state: TicketState) {
  for (const line of state.lines) {
    if (line.kind !== 'service' || !line.staffId) continue;
    const staff = await ctx.tx.get('staff', line.staffId);
    if (!staff) continue;
    await ctx.tx.put('ticketLine', {
      ...line,
      commissionBps: staff.commissionBps ?? 0,
      commissionTiers: staff.commissionTiers ?? [],
    });
  }
}

export const ticketClose = defineMutator({
  name: 'ticket.close',
  description:
    'Closes a fully paid ticket: fixes the tip split, keeps each technician’s commission rate on their lines, issues gift cards sold on it (and adds reloads to their cards), takes products from stock and completes the turn of the walk-in it was started for (or of its appointment, when appointments count as turns). A closed ticket is never edited again; refund it instead.',
  permission: 'tickets.sell',
  args: z.strictObject({ ticketId: id }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const state = await recalculate(ctx, await requireOpenTicket(ctx, args.ticketId), store);
    const due = amountDue(state.ticket);
    if (due > 0) {
      reject(
        'TICKET_NOT_PAID',
        `${formatMoney(due, store.currency)} is still due on this ticket; take a payment before closing it.`,
        { dueCents: due },
      );
    }
    const tips = splitTip(state.ticket.tipCents, state.lines, state.ticket.tipSplit);
    const at = now(ctx);
    await issueSoldGiftCards(ctx, state, at, store.currency);
    await takeProductsFromStock(ctx, state);
    await keepCommissionRates(ctx, state);
    await ctx.tx.put('ticket', {
      ...state.ticket,
      status: 'closed',
      closedAt: at,
      tipShares: tips.shares,
    });
    await finishTicketClient(ctx, store, state.ticket, state.lines);
  },
});

export const ticketVoid = defineMutator({
  name: 'ticket.void',
  description:
    'Voids an open ticket that has no payments (remove them first). Needs a manager, or the front desk with a manager’s approval.',
  permission: 'tickets.void',
  args: z.strictObject({ ticketId: id, reason }),
  authorize(ctx) {
    requireApproval(ctx, 'tickets.void', 'void a ticket');
  },
  async run(ctx, args) {
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    const payments = await ctx.tx.list('payment', { where: { ticketId: ticket.id } });
    if (payments.length > 0) {
      reject(
        'TICKET_HAS_PAYMENTS',
        'This ticket has payments; remove them (or close and refund it) before voiding.',
        { paymentIds: payments.map((p) => p.id).sort() },
      );
    }
    await ctx.tx.put('ticket', {
      ...ticket,
      status: 'voided',
      voidedAt: now(ctx),
      voidReason: args.reason,
    });
  },
});
