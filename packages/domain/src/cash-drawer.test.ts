import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cashOutsideDrawers, expectedDrawerCash } from './cash-drawer';
import type { PaymentMethod } from './entities';

describe('expectedDrawerCash', () => {
  it('is float + cash tendered + cash tips − change − cash refunds + pay-ins − pay-outs', () => {
    const result = expectedDrawerCash({
      floatCents: 10_000,
      payments: [
        { method: 'cash', amountCents: 5000, tipCents: 700, changeCents: 800 },
        { method: 'card', amountCents: 9999, tipCents: 1500, changeCents: 0 },
        { method: 'cash', amountCents: 2000, tipCents: 0, changeCents: 0 },
        // A tip-only cash payment (the ticket was already paid by card).
        { method: 'cash', amountCents: 0, tipCents: 300, changeCents: 0 },
        { method: 'gift_card', amountCents: 1000, tipCents: 200, changeCents: 0 },
      ],
      refunds: [
        { method: 'cash', amountCents: 500 },
        { method: 'card', amountCents: 700 },
      ],
      movements: [
        { kind: 'pay_in', amountCents: 1000 },
        { kind: 'pay_out', amountCents: 300 },
      ],
    });
    expect(result).toEqual({
      cashSalesCents: 7000,
      cashTipsCents: 1000,
      changeCents: 800,
      cashRefundsCents: 500,
      payInsCents: 1000,
      payOutsCents: 300,
      expectedCents: 10_000 + 7000 + 1000 - 800 - 500 + 1000 - 300,
    });
  });
});

describe('cashOutsideDrawers', () => {
  const at = (minute: number) => `2026-03-02T15:${String(minute).padStart(2, '0')}:00.000Z`;
  const payment = (
    id: string,
    method: PaymentMethod,
    cashDrawerId: string | null | undefined,
    cents: { amount: number; tip?: number; change?: number },
    minute: number,
  ) => ({
    id,
    ticketId: `t-${id}`,
    method,
    amountCents: cents.amount,
    tipCents: cents.tip ?? 0,
    changeCents: cents.change ?? 0,
    // Absent, not undefined: rows written before payments recorded their drawer.
    ...(cashDrawerId === undefined ? {} : { cashDrawerId }),
    createdAt: at(minute),
  });

  it('nets the cash no drawer holds: tendered + cash tips − change − cash refunds', () => {
    const result = cashOutsideDrawers(
      [
        payment('p1', 'cash', null, { amount: 5000, tip: 700, change: 800 }, 10),
        // In a drawer: that drawer's close-out counts it.
        payment('p2', 'cash', 'drawer-1', { amount: 4000 }, 11),
        // Not cash: never in any drawer.
        payment('p3', 'card', null, { amount: 9999, tip: 1500 }, 12),
        // A row written before drawers were recorded on payments.
        payment('p4', 'cash', undefined, { amount: 2000 }, 5),
      ],
      [
        { id: 'r1', method: 'cash', amountCents: 500, cashDrawerId: null, createdAt: at(20) },
        { id: 'r2', method: 'cash', amountCents: 900, cashDrawerId: 'drawer-1', createdAt: at(21) },
        { id: 'r3', method: 'card', amountCents: 700, cashDrawerId: null, createdAt: at(22) },
      ],
    );
    expect(result.netCents).toBe(5000 + 700 - 800 + 2000 - 500);
    expect(result.entries.map((e) => [e.kind, e.row.id, e.netCents])).toEqual([
      ['payment', 'p4', 2000],
      ['payment', 'p1', 4900],
      ['refund', 'r1', -500],
    ]);
  });

  it('is zero with nothing listed when every cash row is in a drawer', () => {
    const result = cashOutsideDrawers([payment('p1', 'cash', 'd', { amount: 4000 }, 1)], []);
    expect(result).toEqual({ entries: [], netCents: 0 });
  });

  it('equals tendered + tips − change − refunds of the drawerless cash rows, entry by entry', () => {
    const cents = fc.integer({ min: 0, max: 1_000_000 });
    const drawer = fc.constantFrom<string | null | undefined>(null, undefined, 'drawer-1');
    const method = fc.constantFrom<PaymentMethod>('cash', 'card', 'gift_card', 'other');
    const minute = fc.integer({ min: 0, max: 59 });
    const payments = fc.array(
      fc.record({ method, drawer, amount: cents, tip: cents, change: cents, minute }),
      { maxLength: 12 },
    );
    const refunds = fc.array(fc.record({ method, drawer, amount: cents, minute }), {
      maxLength: 12,
    });
    fc.assert(
      fc.property(payments, refunds, (ps, rs) => {
        const paymentRows = ps.map((p, i) => payment(`p${i}`, p.method, p.drawer, p, p.minute));
        const refundRows = rs.map((r, i) => ({
          id: `r${i}`,
          method: r.method,
          amountCents: r.amount,
          ...(r.drawer === undefined ? {} : { cashDrawerId: r.drawer }),
          createdAt: at(r.minute),
        }));
        const result = cashOutsideDrawers(paymentRows, refundRows);
        const outside = (m: PaymentMethod, d: string | null | undefined) =>
          m === 'cash' && d !== 'drawer-1';
        let expected = 0;
        for (const p of ps) {
          if (outside(p.method, p.drawer)) expected += p.amount + p.tip - p.change;
        }
        for (const r of rs) if (outside(r.method, r.drawer)) expected -= r.amount;
        expect(result.netCents).toBe(expected);
        expect(result.entries.reduce((s, e) => s + e.netCents, 0)).toBe(expected);
        const times = result.entries.map((e) => e.row.createdAt);
        expect(times).toEqual([...times].sort());
      }),
    );
  });
});
