import type { PaymentRow, TicketLineRow, TicketRow } from '@mango/domain/entities';
import { describe, expect, it } from 'vitest';
import { mailtoHref, parseMoney, receiptText, taxLabel, taxRatesText } from './receipt';

const ticket: TicketRow = {
  id: 'abcdef12-0000-4000-8000-000000000000',
  status: 'closed',
  subtotalCents: 5000,
  discountCents: 0,
  taxCents: 99,
  totalCents: 5099,
  tipCents: 800,
  paidCents: 6000,
  changeCents: 901,
  refundedCents: 0,
  openedAt: '2026-01-01T10:00:00Z',
};
const line = (over: Partial<TicketLineRow>): TicketLineRow => ({
  id: 'l',
  ticketId: ticket.id,
  kind: 'service',
  itemId: 'i',
  name: 'Gel Manicure',
  quantity: 1,
  unitPriceCents: 4000,
  taxable: false,
  comp: false,
  discountCents: 0,
  lineTotalCents: 4000,
  ...over,
});
const pay = (over: Partial<PaymentRow>): PaymentRow => ({
  id: 'p',
  ticketId: ticket.id,
  method: 'cash',
  amountCents: 0,
  tipCents: 0,
  changeCents: 0,
  createdAt: '2026-01-01T10:00:00Z',
  ...over,
});

describe('receipt text', () => {
  const text = receiptText({
    storeName: 'Mango Nails',
    currency: 'USD',
    ticket,
    lines: [
      line({ staffId: 's1' }),
      line({ id: 'l2', kind: 'product', name: 'Cuticle Oil', lineTotalCents: 1000 }),
    ],
    payments: [
      pay({ amountCents: 3000, changeCents: 901 }),
      pay({ method: 'card', amountCents: 3000, tipCents: 800 }),
    ],
    refunds: [],
    staffName: (id) => (id === 's1' ? 'Linh' : ''),
    clientName: 'Olivia Nguyen',
    when: 'Jan 1, 2026, 10:00 AM',
  });
  it('lists lines with staff, totals, tip, payments and change', () => {
    expect(text).toContain('Mango Nails');
    expect(text).toContain('Ticket ABCDEF12');
    expect(text).toMatch(/Gel Manicure\s+\$40\.00/);
    expect(text).toContain('  with Linh');
    expect(text).toMatch(/Total\s+\$50\.99/);
    expect(text).toMatch(/Tip\s+\$8\.00/);
    expect(text).toMatch(/Paid Card\s+\$38\.00/);
    expect(text).toMatch(/ {2}change\s+\$9\.01/);
  });
  it('keeps every line within the receipt width when names are short', () => {
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(40);
  });
  it('encodes a mailto link', () => {
    expect(mailtoHref('a@b.c', 'Your receipt', 'x & y\nz')).toBe(
      'mailto:a%40b.c?subject=Your%20receipt&body=x%20%26%20y%0Az',
    );
  });
  it('parses money input to integer cents', () => {
    expect(parseMoney('12.5')).toBe(1250);
    expect(parseMoney('$1,234.05')).toBe(123405);
    expect(parseMoney('0.1')).toBe(10);
    expect(parseMoney('1.234')).toBeNull();
    expect(parseMoney('abc')).toBeNull();
    expect(parseMoney('500', 'JPY')).toBe(500);
  });
});

describe('the tax line', () => {
  const base = {
    storeName: 'Mango Nails',
    currency: 'USD',
    lines: [line({ taxable: true, lineTotalCents: 5000 })],
    payments: [],
    refunds: [],
    staffName: () => '',
    when: 'Jan 1, 2026, 10:00 AM',
  };
  it('shows the rate the ticket was taxed at, with up to three decimals', () => {
    // $50.00 at 8.875 % = $4.4375 → $4.44.
    const nyc = { ...ticket, taxRatePpm: 88_750, taxCents: 444, totalCents: 5444 };
    expect(receiptText({ ...base, ticket: nyc })).toMatch(/^Tax \(8\.875 %\)\s+\$4\.44$/m);
    expect(taxLabel({ taxRatePpm: 82_500 })).toBe('Tax (8.25 %)');
    expect(taxLabel({ taxRatePpm: 0 })).toBe('Tax (0 %)');
  });
  it('shows no rate for a ticket priced before tickets kept theirs', () => {
    expect(receiptText({ ...base, ticket })).toMatch(/^Tax\s+\$0\.99$/m);
    expect(taxLabel({})).toBe('Tax');
  });
});

describe('the rates in a report', () => {
  it('lists each rate closed tickets were taxed at once, lowest first', () => {
    const t = (status: TicketRow['status'], taxRatePpm?: number) =>
      taxRatePpm === undefined ? { status } : { status, taxRatePpm };
    expect(
      taxRatesText([t('closed', 88_750), t('closed', 82_500), t('closed', 88_750), t('closed')]),
    ).toBe('8.25 %, 8.875 %');
    expect(taxRatesText([t('voided', 100_000), t('open', 60_000), t('closed')])).toBe('');
  });
});

describe('receipt number and line order', () => {
  it('prints the ticket number and the lines in the order they were added', () => {
    const text = receiptText({
      storeName: 'Mango Nails',
      currency: 'USD',
      ticket: { ...ticket, number: 'B-017' },
      lines: [
        line({ id: 'a-last', name: 'Top coat', position: 3 }),
        line({ id: 'z-first', name: 'Pedicure', position: 1 }),
        line({ id: 'm-second', name: 'Nail art', position: 2, quantity: 10 }),
      ],
      payments: [],
      refunds: [],
      staffName: () => '',
      when: 'Jan 1, 2026, 10:00 AM',
    });
    expect(text).toContain('Ticket B-017');
    const order = ['Pedicure', 'Nail art x10', 'Top coat'].map((name) => text.indexOf(name));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] as number)))).toBe(true);
  });
});
