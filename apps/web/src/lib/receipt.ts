import type { PaymentRow, RefundRow, TicketLineRow, TicketRow } from '@mango/domain/entities';
import { byLineOrder } from '@mango/domain/line-order';
import { formatMoney, minorDigits } from '@mango/domain/money';
import { formatTaxRate } from '@mango/domain/tax-rate';
import { ticketLabel } from '@mango/domain/ticket-numbers';
import { ticketTipShares, tipSplitLabel } from '@mango/domain/tips';

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
  /** The store's postal address (lines separated by newlines); empty or absent: none. */
  storeAddress?: string | undefined;
  /** Codes of the gift cards the payments used, by card id (printed masked). */
  giftCardCodes?: Readonly<Record<string, string>> | undefined;
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

/** How a receipt goes to paper: an 80 mm thermal roll (72 mm printable) or a full page. */
export type ReceiptLayout = 'thermal' | 'full';
export const RECEIPT_LAYOUTS: readonly ReceiptLayout[] = ['thermal', 'full'];

/**
 * Characters per line of the plain-text receipt: an 80 mm roll's 72 mm printable width holds
 * about 41 characters of an 11 px monospace (0.6 em each); a page holds many more.
 */
export const RECEIPT_TEXT_WIDTH: Readonly<Record<ReceiptLayout, number>> = {
  thermal: 40,
  full: 72,
};

/**
 * The print page of each layout: a roll is 80 mm wide and as long as the receipt, with no
 * margin (the printer keeps its own 4 mm edges); a page keeps the printer's size with margins.
 */
export function receiptPageRule(layout: ReceiptLayout): string {
  return layout === 'thermal'
    ? '@page { size: 80mm auto; margin: 0; }'
    : '@page { size: auto; margin: 15mm; }';
}

/**
 * One printed row: text on the left, an amount on the right (absent: the text has the whole
 * width). `kind` says which part of the receipt it belongs to (styling, tests).
 */
export interface ReceiptRow {
  kind:
    | 'line'
    | 'detail'
    | 'subtotal'
    | 'discount'
    | 'tax'
    | 'total'
    | 'tip'
    | 'tipShare'
    | 'tender'
    | 'change'
    | 'refund'
    | 'giftCard';
  left: string;
  right?: string;
  /** The payment a tender row is for (the screen marks offline and flagged payments). */
  paymentId?: string;
}

/** Everything a printed receipt shows, in order, already formatted. */
export interface Receipt {
  storeName: string;
  /** The store's address, one entry per printed line (none when the store has not set one). */
  address: string[];
  when: string;
  /** "Ticket A-017". */
  ticketNumber: string;
  clientName: string | undefined;
  /** "VOIDED — reason" for a voided ticket. */
  voided: string | undefined;
  /** The items, one row each, with their quantity, discount, staff and gift card details. */
  items: ReceiptRow[];
  /** Subtotal, discounts, tax, total, tips and their split, tenders, change and refunds. */
  totals: ReceiptRow[];
  /** Codes of the gift cards sold or reloaded on the ticket, for the client to keep. */
  giftCards: ReceiptRow[];
  footer: string;
}

/** "…1234": enough of a redeemed card's code to recognise it, not enough to spend it. */
export function maskedCode(code: string): string {
  return code.length <= 4 ? code : `…${code.slice(-4)}`;
}

/** The store's address as printed lines: blank lines and surrounding spaces dropped. */
export function addressLines(address: string | undefined): string[] {
  return (address ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** The receipt of a ticket, section by section (receiptText and ui/Receipt.tsx print it). */
export function buildReceipt(r: ReceiptInput): Receipt {
  const m = (c: number) => formatMoney(c, r.currency);
  const t = r.ticket;
  const items: ReceiptRow[] = [];
  const giftCards: ReceiptRow[] = [];
  // In the order they were rung up, as the desk saw them (line-order.ts).
  for (const l of [...r.lines].sort(byLineOrder)) {
    const qty = l.quantity > 1 ? ` ×${l.quantity}` : '';
    items.push({
      kind: 'line',
      left: `${l.name}${qty}`,
      right: l.comp ? 'Comp' : m(l.lineTotalCents),
    });
    if (l.quantity > 1) {
      items.push({ kind: 'detail', left: `  ${l.quantity} × ${m(l.unitPriceCents)}` });
    }
    const who = l.staffId ? r.staffName(l.staffId) : '';
    if (who) items.push({ kind: 'detail', left: `  with ${who}` });
    if (!l.comp && l.discountCents > 0) {
      items.push({ kind: 'detail', left: '  discount', right: `−${m(l.discountCents)}` });
    }
    if (l.kind === 'gift_card' && l.giftCardCode) {
      giftCards.push({
        kind: 'giftCard',
        left: `${l.giftCardReload ? 'Reloaded' : 'Gift card'} ${l.giftCardCode}`,
        right: m(l.lineTotalCents),
      });
    }
  }

  const totals: ReceiptRow[] = [{ kind: 'subtotal', left: 'Subtotal', right: m(t.subtotalCents) }];
  const ticketDiscount = t.subtotalCents + t.taxCents - t.totalCents;
  if (ticketDiscount > 0) {
    totals.push({ kind: 'discount', left: 'Discount', right: `−${m(ticketDiscount)}` });
  }
  totals.push({ kind: 'tax', left: taxLabel(t), right: m(t.taxCents) });
  totals.push({ kind: 'total', left: 'Total', right: m(t.totalCents) });
  if (t.tipCents > 0) {
    totals.push({ kind: 'tip', left: 'Tip', right: m(t.tipCents) });
    // How the tip was shared (fixed at close), so each technician can see theirs on the copy.
    const split = ticketTipShares(t, r.lines);
    if (split) {
      totals.push({ kind: 'tipShare', left: `  split: ${tipSplitLabel(t.tipSplit)}` });
      const shares = Object.entries(split.shares)
        .map(([staffId, cents]) => ({ name: r.staffName(staffId), cents }))
        .sort((a, b) => a.name.localeCompare(b.name));
      for (const share of shares) {
        totals.push({ kind: 'tipShare', left: `  ${share.name}`, right: m(share.cents) });
      }
      if (split.unassignedCents > 0) {
        totals.push({ kind: 'tipShare', left: '  unassigned', right: m(split.unassignedCents) });
      }
    }
  }
  for (const p of r.payments) {
    const code = p.giftCardId ? r.giftCardCodes?.[p.giftCardId] : undefined;
    totals.push({
      kind: 'tender',
      left: code ? `${methodLabel(p.method)} ${maskedCode(code)}` : methodLabel(p.method),
      right: m(p.amountCents + p.tipCents),
      paymentId: p.id,
    });
    if (p.changeCents > 0) totals.push({ kind: 'change', left: `  change ${m(p.changeCents)}` });
  }
  for (const f of r.refunds) {
    totals.push({
      kind: 'refund',
      left: `Refund (${methodLabel(f.method)})`,
      right: `−${m(f.amountCents)}`,
    });
  }

  return {
    storeName: r.storeName,
    address: addressLines(r.storeAddress),
    when: r.when,
    ticketNumber: `Ticket ${ticketLabel(t)}`,
    clientName: r.clientName,
    voided: t.status === 'voided' ? `VOIDED — ${t.voidReason ?? ''}`.trim() : undefined,
    items,
    totals,
    giftCards,
    footer: 'Thank you!',
  };
}

/** Splits text into pieces of at most `width` characters, at spaces where it can. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > 0 ? cut : width;
    out.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}

function centered(text: string, width: number): string[] {
  return wrap(text, width).map((l) => ' '.repeat(Math.floor((width - l.length) / 2)) + l);
}

/** A row within the width: the amount right-aligned, on a line of its own if the text is long. */
function textRow(row: ReceiptRow, width: number): string[] {
  if (row.right === undefined) return wrap(row.left, width);
  if (row.left.length + 1 + row.right.length <= width) {
    return [row.left + ' '.repeat(width - row.left.length - row.right.length) + row.right];
  }
  return [...wrap(row.left, width), ' '.repeat(Math.max(0, width - row.right.length)) + row.right];
}

/**
 * The plain-text receipt (the emailed summary; the printed layouts show the same rows), every
 * line at most `width` characters.
 */
export function receiptText(r: ReceiptInput, width = RECEIPT_TEXT_WIDTH.thermal): string {
  const receipt = buildReceipt(r);
  const rule = '-'.repeat(width);
  const out: string[] = [
    ...centered(receipt.storeName, width),
    ...receipt.address.flatMap((l) => centered(l, width)),
    receipt.when,
    receipt.ticketNumber,
  ];
  if (receipt.clientName) out.push(...wrap(`Client: ${receipt.clientName}`, width));
  if (receipt.voided) out.push(...wrap(`*** ${receipt.voided} ***`, width));
  out.push(rule);
  for (const row of receipt.items) out.push(...textRow(row, width));
  out.push(rule);
  for (const row of receipt.totals) out.push(...textRow(row, width));
  if (receipt.giftCards.length > 0) {
    out.push(rule, 'Gift cards');
    for (const row of receipt.giftCards) out.push(...textRow(row, width));
  }
  out.push('', ...centered(receipt.footer, width));
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
