import type { RefundRow, TicketLineRow, TicketRow } from './entities';
import { reject } from './error-codes';
import { returnableForSoldCard, type SoldGiftCard } from './gift-card-refunds';
import { divideRoundHalfUp, sumCents } from './money';
import { computeTicketTotals } from './ticket-totals';

/** Units of one line a refund gives back. */
export interface RefundLineRequest {
  lineId: string;
  quantity: number;
}

/** One line of a refund by line, as kept on the refund row. */
export interface RefundedLine {
  lineId: string;
  quantity: number;
  /** The line's price after line and ticket discounts for these units, without tax. */
  amountCents: number;
}

export interface LineRefundPlan {
  lines: RefundedLine[];
  /** Sum of the lines' amounts (gift cards included: their unspent value). */
  netCents: number;
  /** The ticket's tax given back for these lines. */
  taxCents: number;
  /** What the client gets back: net + tax. */
  amountCents: number;
}

interface LineBasis {
  line: TicketLineRow;
  /** Line total less its share of the ticket discount: what the client paid for it before tax. */
  netCents: number;
  taxable: boolean;
}

function byId(a: { id: string }, b: { id: string }) {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Each line's net amount, recomputed the way the ticket was priced (ticket-totals.ts, lines in
 * id order as `recalculate` orders them, so the ticket discount's cents land on the same lines).
 */
function lineBases(ticket: TicketRow, lines: readonly TicketLineRow[]) {
  const sorted = [...lines].sort(byId);
  const totals = computeTicketTotals(sorted, ticket.discount, ticket.taxRatePpm ?? 0);
  const bases = new Map<string, LineBasis>();
  sorted.forEach((line, i) => {
    const computed = totals.lines[i];
    bases.set(line.id, {
      line,
      netCents: (computed?.lineTotalCents ?? 0) - (computed?.ticketDiscountShareCents ?? 0),
      taxable: (computed?.taxableBaseCents ?? 0) > 0,
    });
  });
  return { bases, taxableCents: totals.taxableCents };
}

/**
 * Rounding rule for refunds by line, in one place. Every amount a refund gives back is the
 * difference of two *cumulative* amounts, each rounded half up once:
 *
 * - the net of the first k of a line's Q units is round(net × k / Q);
 * - the tax given back once a taxable base b of the ticket's taxable total B has been refunded
 *   is round(tax charged × b / B).
 *
 * Both are non-decreasing in k (or b) and exact at the end (k = Q gives the line's net, b = B the
 * tax charged), so refunds of parts of a ticket, in any order and in any split, add up to
 * exactly what was paid and never past it. The cumulative figures depend only on how many units
 * of each line were refunded, not on the order, so two devices refunding lines offline agree
 * with the server once both refunds are in. Rounding each refund on its own could give back a
 * cent more tax than was charged (three thirds of 10¢ rounded each are 3¢ × 3 ≠ 10¢).
 */
export function cumulativeUnitsCents(netCents: number, units: number, quantity: number): number {
  if (quantity <= 0) return 0;
  return divideRoundHalfUp(BigInt(netCents) * BigInt(units), BigInt(quantity));
}

export function cumulativeTaxCents(
  taxChargedCents: number,
  refundedTaxableCents: number,
  taxableCents: number,
): number {
  if (taxableCents <= 0) return 0;
  return divideRoundHalfUp(
    BigInt(taxChargedCents) * BigInt(refundedTaxableCents),
    BigInt(taxableCents),
  );
}

/** Units of each line that earlier refunds by line gave back. Refunds by amount give none. */
export function refundedUnits(refunds: readonly RefundRow[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const refund of refunds) {
    for (const l of refund.lines ?? [])
      units.set(l.lineId, (units.get(l.lineId) ?? 0) + l.quantity);
  }
  return units;
}

function refundedTaxable(bases: Map<string, LineBasis>, units: Map<string, number>): number {
  let total = 0;
  for (const [lineId, basis] of bases) {
    if (!basis.taxable) continue;
    total += cumulativeUnitsCents(basis.netCents, units.get(lineId) ?? 0, basis.line.quantity);
  }
  return total;
}

export interface LineRefundInput {
  ticket: TicketRow;
  lines: readonly TicketLineRow[];
  /** The ticket's earlier refunds. */
  refunds: readonly RefundRow[];
  soldCards: readonly SoldGiftCard[];
  request: readonly RefundLineRequest[];
}

/**
 * What a refund of chosen units of chosen lines gives back: their price after discounts plus
 * their share of the tax charged (rounding rule above). A gift card sold on the ticket gives back
 * only its unspent value (gift-card-refunds.ts). Units already refunded cannot be refunded again.
 * The cap on what was paid is checked by `planTicketRefund`.
 */
export function planLineRefund(input: LineRefundInput): LineRefundPlan {
  const { ticket } = input;
  const { bases, taxableCents } = lineBases(ticket, input.lines);
  const before = refundedUnits(input.refunds);
  const after = new Map(before);
  const planned: RefundedLine[] = [];
  const seen = new Set<string>();
  for (const wanted of [...input.request].sort((a, b) => (a.lineId < b.lineId ? -1 : 1))) {
    if (seen.has(wanted.lineId)) {
      reject('INVALID_ARGS', 'A line is named twice in one refund.', { lineId: wanted.lineId });
    }
    seen.add(wanted.lineId);
    const basis = bases.get(wanted.lineId);
    if (!basis) {
      return reject('LINE_NOT_FOUND', 'A refunded line is not on this ticket.', {
        lineId: wanted.lineId,
      });
    }
    const done = before.get(wanted.lineId) ?? 0;
    const left = basis.line.quantity - done;
    if (wanted.quantity > left) {
      reject(
        'REFUND_EXCEEDS_QUANTITY',
        left === 0
          ? `${basis.line.name} was already refunded.`
          : `Only ${left} of ${basis.line.name} can still be refunded.`,
        { lineId: wanted.lineId, refundableQuantity: left },
      );
    }
    after.set(wanted.lineId, done + wanted.quantity);
    let amountCents: number;
    if (basis.line.kind === 'gift_card') {
      const sold = input.soldCards.find((s) => s.line.id === basis.line.id);
      amountCents = sold ? returnableForSoldCard(sold) : 0;
    } else {
      amountCents =
        cumulativeUnitsCents(basis.netCents, done + wanted.quantity, basis.line.quantity) -
        cumulativeUnitsCents(basis.netCents, done, basis.line.quantity);
    }
    planned.push({ lineId: wanted.lineId, quantity: wanted.quantity, amountCents });
  }
  const taxCents =
    cumulativeTaxCents(ticket.taxCents, refundedTaxable(bases, after), taxableCents) -
    cumulativeTaxCents(ticket.taxCents, refundedTaxable(bases, before), taxableCents);
  const netCents = sumCents(planned.map((l) => l.amountCents));
  return { lines: planned, netCents, taxCents, amountCents: netCents + taxCents };
}

/** Units of a line that may still be refunded by line. */
export function refundableUnits(line: TicketLineRow, refunds: readonly RefundRow[]): number {
  return Math.max(0, line.quantity - (refundedUnits(refunds).get(line.id) ?? 0));
}
