import type { PaymentRow, TicketLineRow, TicketRow } from '@mango/domain/entities';
import { describe, expect, it } from 'vitest';
import { mailtoHref, parseMoney, receiptText } from './receipt';

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
