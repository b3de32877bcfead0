import type { PaymentRow, StoreRow, TicketLineRow, TicketRow } from '../entities';
import { reject } from '../error-codes';
import { formatMoney, sumCents } from '../money';
import { requireTicketWithinBounds } from '../money-bounds';
import { netPaid } from '../payments';
import { parseTicketNumber } from '../ticket-numbers';
import { storeTaxRatePpm } from '../tax-rate';
import { computeTicketTotals } from '../ticket-totals';
import type { MutatorContext } from '../tx';
import { byId, requireRow } from './rows';

export function newTicket(
  id: string,
  openedAt: string,
  clientId: string | null,
  appointmentId: string | null,
  numbering: Pick<TicketRow, 'number' | 'businessDate'> = {},
): TicketRow {
  return {
    id,
    status: 'open',
    clientId,
    appointmentId,
    ...numbering,
    discount: null,
    subtotalCents: 0,
    discountCents: 0,
    taxCents: 0,
    totalCents: 0,
    tipCents: 0,
    paidCents: 0,
    changeCents: 0,
    refundedCents: 0,
    openedAt,
  };
}

/**
 * A number the device may give: its own code (the server knows each device's code; a device
 * that does not know its own skips this, and the server decides) and not already used that
 * business day. Numbers never collide by construction; this refuses a forged or replayed one.
 */
export async function requireIssuableNumber(ctx: MutatorContext, number: string, day: string) {
  const parsed = parseTicketNumber(number);
  const own = ctx.actor.deviceCode;
  if (parsed && own && parsed.deviceCode !== own) {
    reject(
      'TICKET_NUMBER_WRONG_DEVICE',
      `Ticket number ${number} belongs to another device of this store (this one numbers ${own}-…).`,
      { number, deviceCode: own },
    );
  }
  const same = await ctx.tx.list('ticket', { where: { businessDate: day, number } });
  if (same.length > 0) {
    reject(
      'TICKET_NUMBER_TAKEN',
      `Ticket ${number} was already given today; a new ticket gets the next number.`,
      { number, businessDate: day },
    );
  }
}

export async function requireTicket(ctx: MutatorContext, ticketId: string): Promise<TicketRow> {
  return requireRow(ctx, 'ticket', ticketId, 'TICKET_NOT_FOUND', 'The ticket');
}

export async function requireOpenTicket(ctx: MutatorContext, ticketId: string) {
  const ticket = await requireTicket(ctx, ticketId);
  if (ticket.status !== 'open') {
    reject('TICKET_NOT_OPEN', `This ticket is ${ticket.status}; it can no longer be changed.`, {
      status: ticket.status,
    });
  }
  return ticket;
}

export async function requireLine(
  ctx: MutatorContext,
  ticketId: string,
  lineId: string,
): Promise<TicketLineRow> {
  const line = await ctx.tx.get('ticketLine', lineId);
  if (!line || line.ticketId !== ticketId) {
    return reject('LINE_NOT_FOUND', 'That line is not on this ticket.', { ticketId, lineId });
  }
  return line;
}

export interface TicketState {
  ticket: TicketRow;
  lines: TicketLineRow[];
  payments: PaymentRow[];
}

/**
 * Recomputes and stores a ticket's totals from its lines and payments. Every mutator that touches
 * a ticket ends here: the stored totals are always derived, never taken from a device.
 * `guardPaid` refuses a change that would leave the ticket worth less than what was already
 * paid toward it (remove a payment first), so payments never silently exceed the total.
 */
export async function recalculate(
  ctx: MutatorContext,
  ticket: TicketRow,
  store: StoreRow,
  options: { guardPaid?: boolean } = {},
): Promise<TicketState> {
  const lines = (await ctx.tx.list('ticketLine', { where: { ticketId: ticket.id } })).sort(byId);
  const payments = (await ctx.tx.list('payment', { where: { ticketId: ticket.id } })).sort(byId);
  const taxRatePpm = storeTaxRatePpm(store);
  const totals = computeTicketTotals(lines, ticket.discount, taxRatePpm);

  // Sequential writes: storage versions then follow line order on every device and server.
  const updatedLines: TicketLineRow[] = [];
  for (const [i, line] of lines.entries()) {
    const computed = totals.lines[i];
    if (
      !computed ||
      (computed.discountCents === line.discountCents &&
        computed.lineTotalCents === line.lineTotalCents)
    ) {
      updatedLines.push(line);
      continue;
    }
    const updated = {
      ...line,
      discountCents: computed.discountCents,
      lineTotalCents: computed.lineTotalCents,
    };
    await ctx.tx.put('ticketLine', updated);
    updatedLines.push(updated);
  }

  const updated: TicketRow = {
    ...ticket,
    subtotalCents: totals.subtotalCents,
    discountCents: totals.discountCents,
    taxCents: totals.taxCents,
    taxRatePpm,
    totalCents: totals.totalCents,
    paidCents: sumCents(payments.map((p) => p.amountCents)),
    changeCents: sumCents(payments.map((p) => p.changeCents)),
    tipCents: sumCents(payments.map((p) => p.tipCents)),
  };
  requireTicketWithinBounds(updated);
  if (options.guardPaid && netPaid(updated) > updated.totalCents) {
    reject(
      'TOTAL_BELOW_PAID',
      `That would bring the ticket to ${formatMoney(updated.totalCents, store.currency)}, less than the ${formatMoney(netPaid(updated), store.currency)} already paid. Remove a payment first.`,
      { totalCents: updated.totalCents, paidCents: netPaid(updated) },
    );
  }
  await ctx.tx.put('ticket', updated);
  return { ticket: updated, lines: updatedLines, payments };
}

/** The open cash drawer, if any; cash payments and refunds are recorded against it. */
export async function openDrawerId(ctx: MutatorContext): Promise<string | null> {
  const open = (await ctx.tx.list('cashDrawer', { where: { status: 'open' } })).sort(byId);
  return open[0]?.id ?? null;
}
