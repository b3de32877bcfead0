import type { SalesSummary } from '@mango/domain/earnings';

/** RFC 4180 CSV, safe to open in a spreadsheet (no formula injection from stored text). */
export type CsvCell = string | number | null | undefined;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? String(value) : value;
  // A cell starting with = + - @ (or tab/CR) would run as a formula in a spreadsheet.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(headers: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [headers, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Cents as a plain decimal for spreadsheets: 1234 → "12.34" (digits = currency minor digits). */
export function centsToDecimal(cents: number, digits = 2): string {
  if (digits === 0) return String(cents);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const unit = 10 ** digits;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, '0')}`;
}

/**
 * The daily sales export. `tickets` counts sales only (closed tickets); voided tickets and tickets
 * still open are their own columns, with what was already paid on the open ones, so a void never
 * reads as a sale and cash taken on an unfinished ticket is not lost from the day.
 */
export function salesCsv(days: readonly SalesSummary[], digits = 2): string {
  const dec = (c: number) => centsToDecimal(c, digits);
  return toCsv(
    [
      'date',
      'tickets',
      'voids',
      'open',
      'open_paid',
      'subtotal',
      'discounts',
      'tax',
      'tips',
      'revenue',
      'refunds',
      'net',
      'cash',
      'card',
      'gift_card',
      'other',
    ],
    days.map((d) => [
      d.businessDate,
      d.ticketCount,
      d.voidedCount,
      d.openCount,
      dec(d.openPaidCents),
      dec(d.subtotalCents),
      dec(d.discountCents),
      dec(d.taxCents),
      dec(d.tipsCents),
      dec(d.revenueCents),
      dec(d.refundsCents),
      dec(d.netRevenueCents),
      dec(d.byMethod.cash),
      dec(d.byMethod.card),
      dec(d.byMethod.gift_card),
      dec(d.byMethod.other),
    ]),
  );
}

export function downloadText(filename: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
