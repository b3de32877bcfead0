import { describe, expect, it } from 'vitest';
import { expectedDrawerCash } from './cash-drawer';

describe('expectedDrawerCash', () => {
  it('is float + cash tendered − change − cash refunds + pay-ins − pay-outs', () => {
    const result = expectedDrawerCash({
      floatCents: 10_000,
      payments: [
        { method: 'cash', amountCents: 5000, changeCents: 800 },
        { method: 'card', amountCents: 9999, changeCents: 0 },
        { method: 'cash', amountCents: 2000, changeCents: 0 },
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
      changeCents: 800,
      cashRefundsCents: 500,
      payInsCents: 1000,
      payOutsCents: 300,
      expectedCents: 10_000 + 7000 - 800 - 500 + 1000 - 300,
    });
  });
});
