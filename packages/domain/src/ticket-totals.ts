import { discountAmount } from './discounts';
import type { Discount, LineKind } from './entities';
import { allocate, sumCents } from './money';
import { taxOnCents } from './tax-rate';

/** What pricing needs to know about a ticket line. */
export interface PricedLineInput {
  kind: LineKind;
  quantity: number;
  unitPriceCents: number;
  taxable: boolean;
  discount?: Discount | null | undefined;
  comp: boolean;
}

export interface LineAmounts {
  grossCents: number; // quantity × unit price
  discountCents: number; // line discount, or the whole gross when comped
  lineTotalCents: number; // gross − line discount
}

export interface LineTotals extends LineAmounts {
  ticketDiscountShareCents: number; // this line's part of the ticket discount
  taxableBaseCents: number; // what tax is charged on (0 for untaxed lines)
}

export interface TicketTotals {
  lines: LineTotals[];
  subtotalCents: number;
  lineDiscountCents: number;
  ticketDiscountCents: number;
  discountCents: number;
  taxableCents: number;
  taxCents: number;
  totalCents: number;
}

export function computeLineAmounts(line: PricedLineInput): LineAmounts {
  const grossCents = line.quantity * line.unitPriceCents;
  const discountCents = line.comp ? grossCents : discountAmount(line.discount, grossCents);
  return { grossCents, discountCents, lineTotalCents: grossCents - discountCents };
}

/**
 * A gift card sale is stored value, not merchandise: the ticket discount does not reduce it and
 * it is never taxed.
 */
function isDiscountable(line: PricedLineInput): boolean {
  return line.kind !== 'gift_card';
}

/**
 * Recomputes a ticket from its lines. The rules (also in the package README):
 * 1. line total = quantity × unit price − line discount (a comp discounts the whole line);
 * 2. subtotal = sum of line totals;
 * 3. the ticket discount is computed on the discountable part of the subtotal (services and
 *    products) and spread over those lines by `allocate` in proportion to their totals, so each
 *    line knows its net amount;
 * 4. tax = taxRatePpm / 1 000 000 × (sum of the net amounts of taxable lines), rounded half up
 *    to the cent once, at the ticket level — never per line — so a ticket's tax does not depend
 *    on how its items are split into lines: two $5.00 lines at 8.875 % are taxed 89¢ (88.75¢),
 *    where rounding each line (44.375¢ → 44¢) would make 88¢. `taxOnCents` (tax-rate.ts) holds
 *    the rule;
 * 5. total = subtotal − ticket discount + tax.
 */
export function computeTicketTotals(
  lines: readonly PricedLineInput[],
  ticketDiscount: Discount | null | undefined,
  taxRatePpm: number,
): TicketTotals {
  const amounts = lines.map(computeLineAmounts);
  const discountableWeights = lines.map((line, i) =>
    isDiscountable(line) ? (amounts[i]?.lineTotalCents ?? 0) : 0,
  );
  const discountableBase = sumCents(discountableWeights);
  const ticketDiscountCents = discountAmount(ticketDiscount, discountableBase);
  const shares =
    discountableBase > 0 ? allocate(ticketDiscountCents, discountableWeights) : lines.map(() => 0);

  const lineTotals: LineTotals[] = lines.map((line, i) => {
    const own = amounts[i] as LineAmounts;
    const share = shares[i] ?? 0;
    const net = own.lineTotalCents - share;
    return {
      ...own,
      ticketDiscountShareCents: share,
      taxableBaseCents: line.taxable && isDiscountable(line) ? net : 0,
    };
  });

  const subtotalCents = sumCents(lineTotals.map((l) => l.lineTotalCents));
  const lineDiscountCents = sumCents(lineTotals.map((l) => l.discountCents));
  const taxableCents = sumCents(lineTotals.map((l) => l.taxableBaseCents));
  const taxCents = taxOnCents(taxableCents, taxRatePpm);
  return {
    lines: lineTotals,
    subtotalCents,
    lineDiscountCents,
    ticketDiscountCents,
    discountCents: lineDiscountCents + ticketDiscountCents,
    taxableCents,
    taxCents,
    totalCents: subtotalCents - ticketDiscountCents + taxCents,
  };
}
