import { describe, expect, it } from 'vitest';
import { expectedDrawerCash } from './cash-drawer';

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
