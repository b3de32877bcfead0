import type { PaymentRow, TicketLineRow, TicketRow } from '@mango/domain/entities';
import { describe, expect, it } from 'vitest';
import {
  addressLines,
  buildReceipt,
  mailtoHref,
  maskedCode,
  parseMoney,
  RECEIPT_LAYOUTS,
  RECEIPT_TEXT_WIDTH,
  receiptPageRule,
  receiptText,
  taxLabel,
  taxRatesText,
} from './receipt';

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
    expect(text).toMatch(/^Card\s+\$38\.00$/m);
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
    const order = ['Pedicure', 'Nail art ×10', 'Top coat'].map((name) => text.indexOf(name));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] as number)))).toBe(true);
  });
});

describe('the printed receipt (80 mm roll and full page)', () => {
  const soldCard = line({
    id: 'gc',
    kind: 'gift_card',
    itemId: 'card-1',
    name: 'Gift card',
    unitPriceCents: 5000,
    lineTotalCents: 5000,
    giftCardCode: 'GC-7Q2M-K9XD',
    position: 3,
  });
  const input = {
    storeName: 'Mango Nails & Spa of Greater Brooklyn Heights',
    storeAddress: '  12 Main Street  \n\nSuite 4\r\nBrooklyn, NY 11201\n',
    currency: 'USD',
    ticket: {
      ...ticket,
      number: 'A-017',
      subtotalCents: 10_000,
      discountCents: 900,
      taxRatePpm: 88_750,
      taxCents: 444,
      totalCents: 9944,
      tipCents: 1000,
      tipSplit: { mode: 'even' as const },
      tipShares: { s1: 500, s2: 500 },
      paidCents: 10_000,
      changeCents: 56,
    },
    lines: [
      line({ id: 'a', name: 'Gel Manicure', staffId: 's1', discountCents: 400, position: 1 }),
      line({
        id: 'b',
        name: 'Nail art',
        staffId: 's2',
        quantity: 10,
        unitPriceCents: 100,
        lineTotalCents: 1000,
        position: 2,
      }),
      soldCard,
    ],
    payments: [
      pay({ id: 'p1', method: 'gift_card', amountCents: 2000, giftCardId: 'card-0' }),
      pay({ id: 'p2', method: 'card', amountCents: 5000, tipCents: 1000 }),
      pay({ id: 'p3', method: 'cash', amountCents: 3000, changeCents: 56 }),
    ],
    refunds: [],
    staffName: (id: string | null | undefined) => (id === 's1' ? 'Linh' : id === 's2' ? 'Mai' : ''),
    clientName: 'Olivia Nguyen',
    when: 'Jan 1, 2026, 10:00 AM',
    giftCardCodes: { 'card-0': 'GC-OLDCARD-4417' },
  };

  it('has every section: store, address, number, time, lines, discounts, tax, tips, tenders, cards', () => {
    const r = buildReceipt(input);
    expect(r.storeName).toBe('Mango Nails & Spa of Greater Brooklyn Heights');
    expect(r.address).toEqual(['12 Main Street', 'Suite 4', 'Brooklyn, NY 11201']);
    expect(r.ticketNumber).toBe('Ticket A-017');
    expect(r.when).toBe('Jan 1, 2026, 10:00 AM');
    expect(r.clientName).toBe('Olivia Nguyen');
    expect(r.items).toEqual([
      { kind: 'line', left: 'Gel Manicure', right: '$40.00' },
      { kind: 'detail', left: '  with Linh' },
      { kind: 'detail', left: '  discount', right: '−$4.00' },
      { kind: 'line', left: 'Nail art ×10', right: '$10.00' },
      { kind: 'detail', left: '  10 × $1.00' },
      { kind: 'detail', left: '  with Mai' },
      { kind: 'line', left: 'Gift card', right: '$50.00' },
    ]);
    const totals = r.totals.map((row) => [row.kind, row.left.trim(), row.right]);
    expect(totals).toEqual([
      ['subtotal', 'Subtotal', '$100.00'],
      ['discount', 'Discount', '−$5.00'],
      ['tax', 'Tax (8.875 %)', '$4.44'],
      ['total', 'Total', '$99.44'],
      ['tip', 'Tip', '$10.00'],
      ['tipShare', 'split: Even', undefined],
      ['tipShare', 'Linh', '$5.00'],
      ['tipShare', 'Mai', '$5.00'],
      // A redeemed card is named by its last characters only: the code is what spends it.
      ['tender', 'Gift card …4417', '$20.00'],
      ['tender', 'Card', '$60.00'],
      ['tender', 'Cash', '$30.00'],
      ['change', 'change $0.56', undefined],
    ]);
    expect(r.totals.find((row) => row.kind === 'tender' && row.left === 'Card')?.paymentId).toBe(
      'p2',
    );
    // The card sold on this ticket is printed in full, for the client to keep.
    expect(r.giftCards).toEqual([
      { kind: 'giftCard', left: 'Gift card GC-7Q2M-K9XD', right: '$50.00' },
    ]);
    expect(r.voided).toBeUndefined();
  });

  it('names a reload by the card it loaded, and a voided ticket with its reason', () => {
    const reload = { ...soldCard, name: 'Gift card reload', giftCardReload: true };
    const r = buildReceipt({
      ...input,
      ticket: { ...input.ticket, status: 'voided', voidReason: 'Opened by mistake' },
      lines: [reload],
    });
    expect(r.giftCards).toEqual([
      { kind: 'giftCard', left: 'Reloaded GC-7Q2M-K9XD', right: '$50.00' },
    ]);
    expect(r.voided).toBe('VOIDED — Opened by mistake');
    expect(buildReceipt({ ...input, storeAddress: undefined }).address).toEqual([]);
  });

  for (const layout of RECEIPT_LAYOUTS) {
    it(`${layout}: the text keeps every section within ${RECEIPT_TEXT_WIDTH[layout]} characters`, () => {
      const width = RECEIPT_TEXT_WIDTH[layout];
      const text = receiptText(
        {
          ...input,
          lines: [
            ...input.lines,
            line({
              id: 'long',
              name: 'Deluxe spa pedicure with hot stones and paraffin',
              position: 9,
            }),
          ],
        },
        width,
      );
      const rows = text.split('\n');
      for (const row of rows) expect(row.length, row).toBeLessThanOrEqual(width);
      for (const part of [
        'Mango Nails',
        '12 Main Street',
        'Suite 4',
        'Brooklyn, NY 11201',
        'Ticket A-017',
        'Jan 1, 2026, 10:00 AM',
        'Client: Olivia Nguyen',
        '  10 × $1.00',
        'Gift card GC-7Q2M-K9XD',
        'Thank you!',
      ]) {
        expect(text, part).toContain(part);
      }
      for (const pattern of [
        /^ {2}discount\s+−\$4\.00$/m,
        /^Discount\s+−\$5\.00$/m,
        /^Tax \(8\.875 %\)\s+\$4\.44$/m,
        /^Total\s+\$99\.44$/m,
        /^Tip\s+\$10\.00$/m,
        /^ {2}Linh\s+\$5\.00$/m,
        /^Gift card …4417\s+\$20\.00$/m,
        /^Cash\s+\$30\.00$/m,
        /^ {2}change \$0\.56$/m,
      ]) {
        expect(text).toMatch(pattern);
      }
      const long = 'Deluxe spa pedicure with hot stones and paraffin';
      if (long.length + ' $40.00'.length > width) {
        // Too long for the roll: the name wraps at a space, its amount on a row of its own.
        expect(text).not.toContain(long);
        expect(rows).toContain(' '.repeat(width - '$40.00'.length) + '$40.00');
      } else {
        expect(text).toMatch(/^Deluxe spa pedicure with hot stones and paraffin\s+\$40\.00$/m);
      }
    });
  }

  it('prints on an 80 mm roll with no margin, or on the printer’s page with margins', () => {
    expect(receiptPageRule('thermal')).toBe('@page { size: 80mm auto; margin: 0; }');
    expect(receiptPageRule('full')).toBe('@page { size: auto; margin: 15mm; }');
    expect(addressLines(' a \n\n b ')).toEqual(['a', 'b']);
    expect(maskedCode('GC-1234-5678')).toBe('…5678');
    expect(maskedCode('ABC')).toBe('ABC');
  });
});
