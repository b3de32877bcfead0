import { describe, expect, it } from 'vitest';
import { commissionCents, dailySalesSummaries, staffEarnings } from './earnings';
import type { PaymentRow, StaffRow, TicketLineRow, TicketRow } from './entities';

const ticket = (id: string, extra: Partial<TicketRow> = {}): TicketRow => ({
  id,
  status: 'closed',
  subtotalCents: 0,
  discountCents: 0,
  taxCents: 0,
  totalCents: 0,
  tipCents: 0,
  paidCents: 0,
  changeCents: 0,
  refundedCents: 0,
  openedAt: '2026-11-24T14:00:00.000Z',
  closedAt: '2026-11-24T15:00:00.000Z',
  ...extra,
});
const line = (
  id: string,
  ticketId: string,
  staffId: string,
  cents: number,
  kind: TicketLineRow['kind'] = 'service',
): TicketLineRow => ({
  id,
  ticketId,
  kind,
  itemId: 'x',
  name: 'x',
  staffId,
  quantity: 1,
  unitPriceCents: cents,
  taxable: true,
  comp: false,
  discountCents: 0,
  lineTotalCents: cents,
});
const payment = (
  id: string,
  ticketId: string,
  method: PaymentRow['method'],
  amountCents: number,
  changeCents = 0,
): PaymentRow => ({
  id,
  ticketId,
  method,
  amountCents,
  tipCents: 0,
  changeCents,
  createdAt: '2026-11-24T15:00:00.000Z',
});

describe('commissionCents', () => {
  it('applies a flat rate, rounded half up', () => {
    expect(commissionCents(10_001, { commissionBps: 4000 })).toBe(4000); // 4000.4
    expect(commissionCents(10_000, {})).toBe(0);
    expect(commissionCents(-500, { commissionBps: 4000 })).toBe(0);
  });

  it('applies marginal tiers: each rate only on its slice', () => {
    const tiers = {
      commissionTiers: [
        { fromCents: 100_000, bps: 5000 },
        { fromCents: 0, bps: 4000 },
      ],
    };
    expect(commissionCents(50_000, tiers)).toBe(20_000);
    expect(commissionCents(150_000, tiers)).toBe(40_000 + 25_000);
    expect(commissionCents(50_000, { commissionTiers: [{ fromCents: 60_000, bps: 5000 }] })).toBe(
      0,
    );
  });
});

describe('staffEarnings', () => {
  const staff: StaffRow[] = [
    { id: 'ana', displayName: 'Ana', role: 'technician', active: true, commissionBps: 5000 },
    { id: 'ben', displayName: 'Ben', role: 'technician', active: true },
  ];

  it('sums service sales net of ticket discounts, commission and tips per person in the period', () => {
    const tickets = [
      ticket('t1', {
        discount: { kind: 'amount', cents: 1000 },
        tipCents: 900,
        tipShares: { ana: 600, ben: 300 },
      }),
      ticket('t2', { tipCents: 100 }),
      ticket('t3', { closedAt: '2026-11-25T15:00:00.000Z', tipCents: 5000 }),
      ticket('t4', { status: 'open', closedAt: null }),
    ];
    const lines = [
      line('l1', 't1', 'ana', 3000),
      line('l2', 't1', 'ben', 1000),
      line('l3', 't1', 'ben', 2000, 'product'),
      line('l4', 't2', 'ana', 2000),
      line('l5', 't3', 'ana', 99_999),
      line('l6', 't2', 'zed', 100),
    ];
    const report = staffEarnings({
      tickets,
      lines,
      staff,
      from: '2026-11-24T00:00:00.000Z',
      to: '2026-11-25T00:00:00.000Z',
    });
    expect(report).toEqual([
      {
        staffId: 'ana',
        displayName: 'Ana',
        serviceCount: 2,
        serviceSalesCents: 3000 - 500 + 2000,
        commissionCents: 2250,
        tipsCents: 600 + 95,
        totalCents: 2945,
      },
      {
        staffId: 'ben',
        displayName: 'Ben',
        serviceCount: 1,
        serviceSalesCents: 1000 - 167,
        commissionCents: 0,
        tipsCents: 300,
        totalCents: 300,
      },
      {
        staffId: 'zed',
        displayName: 'Unknown staff member',
        serviceCount: 1,
        serviceSalesCents: 100,
        commissionCents: 0,
        tipsCents: 5,
        totalCents: 5,
      },
    ]);
  });
});

describe('dailySalesSummaries', () => {
  it('groups closed tickets, payments and refunds by store-local day', () => {
    const tickets = [
      ticket('t1', {
        subtotalCents: 5000,
        discountCents: 500,
        taxCents: 371,
        totalCents: 4871,
        tipCents: 700,
        closedAt: '2026-11-24T15:00:00.000Z',
      }),
      ticket('t2', { subtotalCents: 1000, totalCents: 1000, closedAt: '2026-11-25T03:00:00.000Z' }),
      ticket('t3', { status: 'voided', closedAt: null, voidedAt: '2026-11-24T16:00:00.000Z' }),
      ticket('t4', { status: 'open', closedAt: null, paidCents: 100 }),
      ticket('t5', {
        status: 'open',
        closedAt: null,
        openedAt: '2026-11-25T04:30:00.000Z',
        paidCents: 2000,
        changeCents: 250,
      }),
    ];
    const payments = [
      payment('p1', 't1', 'cash', 3000, 129),
      payment('p2', 't1', 'card', 2000),
      payment('p3', 't2', 'gift_card', 1000),
      payment('p4', 't4', 'cash', 100),
    ];
    const refunds = [
      {
        id: 'r1',
        ticketId: 't1',
        amountCents: 500,
        method: 'card' as const,
        createdAt: '2026-11-24T20:00:00.000Z',
      },
    ];
    const days = dailySalesSummaries({ tickets, payments, refunds, timeZone: 'America/New_York' });
    expect(days.map((d) => d.businessDate)).toEqual(['2026-11-24']);
    expect(days[0]).toEqual({
      businessDate: '2026-11-24',
      ticketCount: 2,
      voidedCount: 1,
      openCount: 2,
      openPaidCents: 100 + 1750,
      subtotalCents: 6000,
      discountCents: 500,
      taxCents: 371,
      tipsCents: 700,
      revenueCents: 5871,
      refundsCents: 500,
      netRevenueCents: 5371,
      byMethod: { cash: 2871, card: 1500, gift_card: 1000, other: 0 },
    });
    expect(
      dailySalesSummaries({ tickets, payments, refunds, timeZone: 'UTC' }).map(
        (d) => d.businessDate,
      ),
    ).toEqual(['2026-11-24', '2026-11-25']);
  });
});
