import type { PaymentRow, RefundRow, TicketLineRow, TicketRow } from '@mango/domain/entities';
import { byLineOrder } from '@mango/domain/line-order';
import { formatMoney, minorDigits } from '@mango/domain/money';
import { formatTaxRate } from '@mango/domain/tax-rate';
import { ticketLabel } from '@mango/domain/ticket-numbers';

export interface ReceiptInput {
  storeName: string;
  currency: string;
  ticket: TicketRow;
  lines: readonly TicketLineRow[];
  payments: readonly PaymentRow[];
  refunds: readonly RefundRow[];
  staffName: (id: string | null | undefined) => string;
  clientName?: string | undefined;
  /** Already formatted in the store's time zone. */
  when: string;
}

const METHOD_LABEL: Record<string, string> = {
  cash: 'Cash',
  card: 'Card',
  gift_card: 'Gift card',
  other: 'Other',
};

export const methodLabel = (m: string): string => METHOD_LABEL[m] ?? m;

/**
 * "Tax (8.875 %)": the rate the ticket was taxed at, which is not the store's current one if the
 * rate changed since. A ticket priced before tickets kept their rate shows no rate rather than a
 * guess.
 */
export function taxLabel(ticket: Pick<TicketRow, 'taxRatePpm'>): string {
  return ticket.taxRatePpm === undefined ? 'Tax' : `Tax (${formatTaxRate(ticket.taxRatePpm)})`;
}

/**
 * The rates closed tickets were taxed at, lowest first ("8.25 %, 8.875 %" across a rate
 * change); empty when none of them kept its rate.
 */
export function taxRatesText(tickets: readonly Pick<TicketRow, 'status' | 'taxRatePpm'>[]): string {
  const rates = new Set<number>();
  for (const t of tickets) {
    if (t.status === 'closed' && t.taxRatePpm !== undefined) rates.add(t.taxRatePpm);
  }
  return [...rates]
    .sort((a, b) => a - b)
    .map(formatTaxRate)
    .join(', ');
}

const WIDTH = 40;

function row(left: string, right: string): string {
  const space = Math.max(1, WIDTH - left.length - right.length);
  return left + ' '.repeat(space) + right;
}

/** The plain-text receipt (the emailed summary and the printed layout use the same numbers). */
export function receiptText(r: ReceiptInput): string {
  const m = (c: number) => formatMoney(c, r.currency);
  const t = r.ticket;
  const out: string[] = [r.storeName, r.when, `Ticket ${ticketLabel(t)}`];
  if (r.clientName) out.push(`Client: ${r.clientName}`);
  if (t.status === 'voided') out.push('*** VOIDED ***');
  out.push('-'.repeat(WIDTH));
  // In the order they were rung up, as the desk saw them (line-order.ts).
  for (const l of [...r.lines].sort(byLineOrder)) {
    const qty = l.quantity > 1 ? ` x${l.quantity}` : '';
    out.push(row(`${l.name}${qty}`, l.comp ? 'COMP' : m(l.lineTotalCents)));
    const who = l.staffId ? r.staffName(l.staffId) : '';
    if (who) out.push(`  with ${who}`);
    if (!l.comp && l.discountCents > 0) out.push(row('  discount', `-${m(l.discountCents)}`));
  }
  out.push('-'.repeat(WIDTH));
  out.push(row('Subtotal', m(t.subtotalCents)));
  const ticketDiscount = t.subtotalCents + t.taxCents - t.totalCents;
  if (ticketDiscount > 0) out.push(row('Discount', `-${m(ticketDiscount)}`));
  out.push(row(taxLabel(t), m(t.taxCents)));
  out.push(row('Total', m(t.totalCents)));
  if (t.tipCents > 0) out.push(row('Tip', m(t.tipCents)));
  for (const p of r.payments) {
    out.push(row(`Paid ${methodLabel(p.method)}`, m(p.amountCents + p.tipCents)));
    if (p.changeCents > 0) out.push(row('  change', m(p.changeCents)));
  }
  for (const f of r.refunds)
    out.push(row(`Refund ${methodLabel(f.method)}`, `-${m(f.amountCents)}`));
  out.push('', 'Thank you!');
  return out.join('\n');
}

export function mailtoHref(to: string, subject: string, body: string): string {
  return `mailto:${encodeURIComponent(to)}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`;
}

/** "12.5" → 1250 (currency minor digits); null when it is not an amount. */
export function parseMoney(input: string, currency = 'USD'): number | null {
  const s = input.trim().replace(/[$,\s]/g, '');
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(s)) return null;
  const digits = minorDigits(currency);
  const [whole = '0', frac = ''] = s.split('.');
  if (frac.length > digits) return null;
  return (
    Number(whole || '0') * 10 ** digits +
    Number((frac + '0'.repeat(digits)).slice(0, digits) || '0')
  );
}

export function centsToInput(cents: number, currency = 'USD'): string {
  const digits = minorDigits(currency);
  return digits === 0 ? String(cents) : (cents / 10 ** digits).toFixed(digits);
}
