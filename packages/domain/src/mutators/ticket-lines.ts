import { z } from 'zod';
import { serviceTermsFor } from '../appointments';
import type { TicketLineRow } from '../entities';
import { reject } from '../error-codes';
import { nextLinePosition } from '../line-order';
import { MAX_QUANTITY, requireGiftCardWithinBounds } from '../money-bounds';
import { requireApproval } from '../permissions';
import type { MutatorContext } from '../tx';
import { defineMutator } from './define';
import { createOnce, loadStore, requireRow } from './rows';
import { discount, giftCardValueCents, id, reason } from './schemas';
import { recalculate, requireLine, requireOpenTicket } from './ticket-state';

const quantity = z.int().min(1).max(MAX_QUANTITY);

async function requireStaffIfGiven(ctx: MutatorContext, staffId: string | null | undefined) {
  if (!staffId) return;
  const staff = await requireRow(ctx, 'staff', staffId, 'STAFF_NOT_FOUND', 'The staff member');
  if (!staff.active) {
    reject('STAFF_INACTIVE', `${staff.displayName} is no longer active.`, { staffId });
  }
}

/** Name, price and taxability are copied from the catalog now; later catalog edits leave the line alone. */
async function catalogTerms(
  ctx: MutatorContext,
  kind: 'service' | 'product',
  itemId: string,
  staffId: string | undefined,
): Promise<Pick<TicketLineRow, 'name' | 'unitPriceCents' | 'taxable'>> {
  if (kind === 'service') {
    const service = await requireRow(ctx, 'service', itemId, 'SERVICE_NOT_FOUND', 'The service');
    if (service.active === false) {
      reject('ITEM_INACTIVE', `${service.name} is no longer offered.`, { itemId });
    }
    const { priceCents } = serviceTermsFor(service, staffId);
    return { name: service.name, unitPriceCents: priceCents, taxable: service.taxable };
  }
  const product = await requireRow(ctx, 'product', itemId, 'PRODUCT_NOT_FOUND', 'The product');
  if (product.active === false) {
    reject('ITEM_INACTIVE', `${product.name} is no longer sold.`, { itemId });
  }
  return { name: product.name, unitPriceCents: product.priceCents, taxable: product.taxable };
}

const LINE_IDENTITY = ['ticketId', 'kind', 'itemId', 'staffId', 'quantity'] as const;

/** Where a line added now goes: after the ticket's other lines (line-order.ts). */
async function positionOnTicket(ctx: MutatorContext, ticketId: string): Promise<number> {
  return nextLinePosition(await ctx.tx.list('ticketLine', { where: { ticketId } }));
}

export const ticketAddLine = defineMutator({
  name: 'ticket.addLine',
  description:
    'Adds a service or product to an open ticket at today’s catalog price (the staff member’s override price for a service, if any). Each line has its own staff member.',
  permission: 'tickets.sell',
  args: z.strictObject({
    ticketId: id,
    lineId: id,
    kind: z.enum(['service', 'product']),
    itemId: id,
    staffId: id.optional(),
    quantity: quantity.optional(),
  }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    await requireStaffIfGiven(ctx, args.staffId);
    const terms = await catalogTerms(ctx, args.kind, args.itemId, args.staffId);
    const qty = args.quantity ?? 1;
    const line: TicketLineRow = {
      id: args.lineId,
      ticketId: args.ticketId,
      kind: args.kind,
      itemId: args.itemId,
      staffId: args.staffId ?? null,
      quantity: qty,
      ...terms,
      discount: null,
      comp: false,
      discountCents: 0,
      lineTotalCents: qty * terms.unitPriceCents,
      position: await positionOnTicket(ctx, args.ticketId),
    };
    if (await createOnce(ctx, 'ticketLine', line, LINE_IDENTITY)) {
      await recalculate(ctx, ticket, store);
    }
  },
});

export const ticketAddGiftCardLine = defineMutator({
  name: 'ticket.addGiftCardLine',
  description:
    'Sells a gift card on an open ticket. The card (id `giftCardId`, printed `code`) becomes active with its balance when the ticket closes. Not taxed, not discounted.',
  permission: 'tickets.sell',
  args: z.strictObject({
    ticketId: id,
    lineId: id,
    giftCardId: id,
    code: z.string().trim().min(4).max(40),
    amountCents: giftCardValueCents,
    staffId: id.optional(),
  }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    await requireStaffIfGiven(ctx, args.staffId);
    if (await ctx.tx.get('giftCard', args.giftCardId)) {
      reject('ID_CONFLICT', 'That gift card has already been issued.', {
        giftCardId: args.giftCardId,
      });
    }
    if ((await ctx.tx.list('giftCard', { where: { code: args.code } })).length > 0) {
      reject('GIFT_CARD_CODE_TAKEN', `Another gift card already uses code ${args.code}.`, {
        code: args.code,
      });
    }
    const line: TicketLineRow = {
      id: args.lineId,
      ticketId: args.ticketId,
      kind: 'gift_card',
      itemId: args.giftCardId,
      name: 'Gift card',
      staffId: args.staffId ?? null,
      quantity: 1,
      unitPriceCents: args.amountCents,
      taxable: false,
      discount: null,
      comp: false,
      discountCents: 0,
      lineTotalCents: args.amountCents,
      giftCardCode: args.code,
      position: await positionOnTicket(ctx, args.ticketId),
    };
    if (await createOnce(ctx, 'ticketLine', line, [...LINE_IDENTITY, 'unitPriceCents'])) {
      await recalculate(ctx, ticket, store);
    }
  },
});

export const ticketAddGiftCardReload = defineMutator({
  name: 'ticket.addGiftCardReload',
  description:
    'Loads value onto an existing, active gift card through an open ticket, so the money is taken like any sale. The value is added to the card (a reload movement) when the ticket closes. Not taxed, not discounted; one reload line per card on a ticket.',
  permission: 'tickets.sell',
  args: z.strictObject({
    ticketId: id,
    lineId: id,
    giftCardId: id,
    amountCents: giftCardValueCents,
    staffId: id.optional(),
  }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    await requireStaffIfGiven(ctx, args.staffId);
    const card = await requireRow(
      ctx,
      'giftCard',
      args.giftCardId,
      'GIFT_CARD_NOT_FOUND',
      'The gift card',
    );
    if (card.status !== 'active') {
      reject('GIFT_CARD_NOT_ACTIVE', `Gift card ${card.code} is void and cannot be reloaded.`, {
        giftCardId: card.id,
      });
    }
    // Checked again when the ticket closes (the card may be spent or topped up meanwhile); here
    // so the desk hears at once that the card cannot hold that much.
    requireGiftCardWithinBounds(card.balanceCents + args.amountCents);
    const lines = await ctx.tx.list('ticketLine', { where: { ticketId: args.ticketId } });
    // Two reloads of one card on a ticket would make its refund count the card twice.
    if (lines.some((l) => l.id !== args.lineId && l.kind === 'gift_card' && l.itemId === card.id)) {
      reject(
        'GIFT_CARD_ALREADY_ON_TICKET',
        `This ticket already loads gift card ${card.code}; remove that line to change the amount.`,
        { giftCardId: card.id },
      );
    }
    const line: TicketLineRow = {
      id: args.lineId,
      ticketId: args.ticketId,
      kind: 'gift_card',
      itemId: card.id,
      name: 'Gift card reload',
      staffId: args.staffId ?? null,
      quantity: 1,
      unitPriceCents: args.amountCents,
      taxable: false,
      discount: null,
      comp: false,
      discountCents: 0,
      lineTotalCents: args.amountCents,
      giftCardCode: card.code,
      giftCardReload: true,
      position: nextLinePosition(lines),
    };
    if (await createOnce(ctx, 'ticketLine', line, [...LINE_IDENTITY, 'unitPriceCents'])) {
      await recalculate(ctx, ticket, store);
    }
  },
});

export const ticketRemoveLine = defineMutator({
  name: 'ticket.removeLine',
  description: 'Removes a line from an open ticket.',
  permission: 'tickets.sell',
  args: z.strictObject({ ticketId: id, lineId: id }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    await requireLine(ctx, args.ticketId, args.lineId);
    await ctx.tx.delete('ticketLine', args.lineId);
    await recalculate(ctx, ticket, store, { guardPaid: true });
  },
});

export const ticketSetLineQuantity = defineMutator({
  name: 'ticket.setLineQuantity',
  description:
    'Changes how many units a service or product line holds (1–999, e.g. nail art per nail); the line and ticket totals are recomputed. A gift card line is always one card.',
  permission: 'tickets.sell',
  args: z.strictObject({ ticketId: id, lineId: id, quantity }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    const line = await requireLine(ctx, args.ticketId, args.lineId);
    if (line.kind === 'gift_card') {
      reject('LINE_QUANTITY_FIXED', 'A gift card line is one card; sell another card instead.', {
        lineId: line.id,
      });
    }
    if (line.quantity === args.quantity) return;
    await ctx.tx.put('ticketLine', { ...line, quantity: args.quantity });
    // Fewer units may bring the total under what was paid; more may pass the ticket bound
    // (AMOUNT_OUT_OF_RANGE): either refuses the change and the transaction discards the line.
    await recalculate(ctx, ticket, store, { guardPaid: true });
  },
});

export const ticketSetLineStaff = defineMutator({
  name: 'ticket.setLineStaff',
  description:
    'Changes (or clears, with null) who performed or sold a line. The price stays as rung up.',
  permission: 'tickets.sell',
  args: z.strictObject({ ticketId: id, lineId: id, staffId: id.nullable() }),
  async run(ctx, args) {
    await requireOpenTicket(ctx, args.ticketId);
    const line = await requireLine(ctx, args.ticketId, args.lineId);
    await requireStaffIfGiven(ctx, args.staffId);
    await ctx.tx.put('ticketLine', { ...line, staffId: args.staffId });
  },
});

function requireDiscountable(line: TicketLineRow) {
  if (line.kind === 'gift_card') {
    reject('LINE_NOT_DISCOUNTABLE', 'A gift card sale cannot be discounted or comped.', {
      lineId: line.id,
    });
  }
}

export const ticketSetLineDiscount = defineMutator({
  name: 'ticket.setLineDiscount',
  description:
    'Sets (or clears, with null) a line discount: a percentage in basis points or a fixed amount (capped at the line’s price).',
  permission: 'tickets.discount',
  args: z.strictObject({ ticketId: id, lineId: id, discount: discount.nullable() }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    const line = await requireLine(ctx, args.ticketId, args.lineId);
    requireDiscountable(line);
    await ctx.tx.put('ticketLine', { ...line, discount: args.discount });
    await recalculate(ctx, ticket, store, { guardPaid: true });
  },
});

export const ticketCompLine = defineMutator({
  name: 'ticket.compLine',
  description:
    'Makes a line complimentary (total 0, still shown) or undoes it. Needs a manager, or the front desk with a manager’s approval.',
  permission: 'tickets.comp',
  args: z.strictObject({ ticketId: id, lineId: id, comp: z.boolean(), reason: reason.optional() }),
  authorize(ctx) {
    requireApproval(ctx, 'tickets.comp', 'comp a line');
  },
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const ticket = await requireOpenTicket(ctx, args.ticketId);
    const line = await requireLine(ctx, args.ticketId, args.lineId);
    requireDiscountable(line);
    await ctx.tx.put('ticketLine', { ...line, comp: args.comp });
    await recalculate(ctx, ticket, store, { guardPaid: true });
  },
});
