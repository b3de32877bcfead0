import type { PaymentRow, TicketRow } from '@mango/domain/entities';
import { dailySalesSummaries } from '@mango/domain/earnings';
import { describe, expect, it } from 'vitest';
import { centsToDecimal, csvCell, salesCsv, toCsv } from './csv';

const ticket = (id: string, extra: Partial<TicketRow>): TicketRow => ({
  id,
  status: 'closed',
  clientId: null,
  appointmentId: null,
  subtotalCents: 0,
  discountCents: 0,
  taxCents: 0,
  totalCents: 0,
  tipCents: 0,
  paidCents: 0,
  changeCents: 0,
  refundedCents: 0,
  openedAt: '2026-11-24T15:00:00.000Z',
  ...extra,
});
const cash = (id: string, ticketId: string, amountCents: number): PaymentRow => ({
  id,
  ticketId,
  method: 'cash',
  amountCents,
  tipCents: 0,
  changeCents: 0,
  createdAt: '2026-11-24T15:00:00.000Z',
});

describe('CSV export', () => {
  it('quotes commas, quotes and newlines', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(-12)).toBe('-12');
  });
  it('neutralises spreadsheet formulas in text', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });
  it('joins rows with CRLF and a trailing newline', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          [1, 'x'],
          [2, null],
        ],
      ),
    ).toBe('a,b\r\n1,x\r\n2,\r\n');
  });
  it('formats cents as decimals without float drift', () => {
    expect(centsToDecimal(1234)).toBe('12.34');
    expect(centsToDecimal(-5)).toBe('-0.05');
    expect(centsToDecimal(100, 0)).toBe('100');
    expect(centsToDecimal(1, 3)).toBe('0.001');
  });

  it('counts voids and open tickets apart from sales in the daily export', () => {
    const tickets = [
      ticket('sale', {
        subtotalCents: 1500,
        totalCents: 1500,
        paidCents: 2000,
        changeCents: 500,
        closedAt: '2026-11-24T16:00:00.000Z',
      }),
      // A $15.00 ticket voided: not a sale, and its amount is not revenue.
      ticket('void', {
        status: 'voided',
        subtotalCents: 1500,
        totalCents: 1500,
        voidedAt: '2026-11-24T17:00:00.000Z',
      }),
      // $10.00 cash on a $15.00 ticket still open: money in hand, not yet a sale.
      ticket('open', { status: 'open', subtotalCents: 1500, totalCents: 1500, paidCents: 1000 }),
    ];
    const payments = [{ ...cash('p1', 'sale', 2000), changeCents: 500 }, cash('p2', 'open', 1000)];
    const days = dailySalesSummaries({
      tickets,
      payments,
      refunds: [],
      timeZone: 'America/New_York',
    });
    const [header, row, ...rest] = salesCsv(days).split('\r\n');
    expect(rest).toEqual(['']);
    const cells = Object.fromEntries(
      (header ?? '').split(',').map((name, i) => [name, (row ?? '').split(',')[i]]),
    );
    expect(cells).toEqual({
      date: '2026-11-24',
      tickets: '1',
      voids: '1',
      open: '1',
      open_paid: '10.00',
      subtotal: '15.00',
      discounts: '0.00',
      tax: '0.00',
      tips: '0.00',
      revenue: '15.00',
      refunds: '0.00',
      net: '15.00',
      cash: '15.00',
      card: '0.00',
      gift_card: '0.00',
      other: '0.00',
    });
  });

  it('writes one row per day in date order and the currency’s minor digits', () => {
    const days = dailySalesSummaries({
      tickets: [
        ticket('b', { totalCents: 1200, closedAt: '2026-11-25T16:00:00.000Z' }),
        ticket('a', { status: 'voided', voidedAt: '2026-11-23T16:00:00.000Z' }),
      ],
      payments: [],
      refunds: [],
      timeZone: 'UTC',
    });
    const lines = salesCsv(days, 0).split('\r\n');
    expect(lines[1]?.startsWith('2026-11-23,0,1,0,0,')).toBe(true);
    expect(lines[2]?.startsWith('2026-11-25,1,0,0,0,')).toBe(true);
    expect(lines[2]).toContain(',1200,');
  });
});
