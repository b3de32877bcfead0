import type { PaymentRow, RefundRow, TicketLineRow, TicketRow } from './entities';
import { sumCents } from './money';
import { netPaid } from './payments';
import { computeTicketTotals } from './ticket-totals';

export interface TicketRecord {
  ticket: TicketRow;
  lines: readonly TicketLineRow[];
  payments: readonly PaymentRow[];
  refunds?: readonly RefundRow[];
}

/**
 * What must hold for any stored ticket, whatever mutations got it there. Returns the broken
 * rules in words (empty when all hold); property tests and the server's self-checks use it.
 */
export function checkTicketInvariants(record: TicketRecord, taxRatePpm: number): string[] {
  const { ticket, payments } = record;
  const lines = [...record.lines].sort((a, b) => (a.id < b.id ? -1 : 1));
  const problems: string[] = [];
  const expect = (ok: boolean, rule: string) => {
    if (!ok) problems.push(rule);
  };

  // A closed ticket keeps the tax it closed with, even if the store's rate changes later.
  if (ticket.status === 'open') {
    const totals = computeTicketTotals(lines, ticket.discount, taxRatePpm);
    expect(ticket.subtotalCents === totals.subtotalCents, 'subtotal matches the lines');
    expect(ticket.discountCents === totals.discountCents, 'discount matches the lines');
    expect(ticket.taxCents === totals.taxCents, 'tax matches the taxable lines');
    expect(
      ticket.taxRatePpm === undefined || ticket.taxRatePpm === taxRatePpm,
      "the rate recorded is the store's",
    );
    expect(ticket.totalCents === totals.totalCents, 'total = subtotal − ticket discount + tax');
  }
  for (const line of lines) {
    expect(line.lineTotalCents >= 0, `line ${line.id} total is not negative`);
    expect(
      line.lineTotalCents === line.quantity * line.unitPriceCents - line.discountCents,
      `line ${line.id} total = quantity × unit − discount`,
    );
  }
  expect(ticket.paidCents === sumCents(payments.map((p) => p.amountCents)), 'paid = Σ payments');
  expect(ticket.changeCents === sumCents(payments.map((p) => p.changeCents)), 'change = Σ change');
  expect(ticket.tipCents === sumCents(payments.map((p) => p.tipCents)), 'tip = Σ payment tips');
  expect(
    payments.every((p) => p.changeCents >= 0 && p.changeCents <= p.amountCents),
    'change is between 0 and the amount tendered',
  );
  expect(
    payments.every((p) => p.changeCents === 0 || p.method === 'cash'),
    'only cash gives change',
  );
  expect(netPaid(ticket) <= ticket.totalCents || ticket.status === 'closed', 'never overpaid');
  if (ticket.status === 'closed') {
    expect(netPaid(ticket) >= ticket.totalCents, 'a closed ticket is paid in full');
    expect(!!ticket.closedAt, 'a closed ticket has closedAt');
    if (ticket.tipShares) {
      expect(
        sumCents(Object.values(ticket.tipShares)) === ticket.tipCents ||
          Object.keys(ticket.tipShares).length === 0,
        'tip shares add up to the tip',
      );
    }
  }
  const refunded = sumCents((record.refunds ?? []).map((r) => r.amountCents));
  expect(ticket.refundedCents === refunded || record.refunds === undefined, 'refunded = Σ refunds');
  expect(ticket.refundedCents <= netPaid(ticket), 'never refunds more than was paid');
  return problems;
}
