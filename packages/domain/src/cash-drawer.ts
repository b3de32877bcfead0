import type { CashMovementRow, PaymentRow, RefundRow } from './entities';
import { sumCents } from './money';

export interface DrawerActivity {
  floatCents: number;
  payments: readonly Pick<PaymentRow, 'method' | 'amountCents' | 'tipCents' | 'changeCents'>[];
  refunds: readonly Pick<RefundRow, 'method' | 'amountCents'>[];
  movements: readonly Pick<CashMovementRow, 'kind' | 'amountCents'>[];
}

export interface DrawerExpectation {
  cashSalesCents: number; // cash tendered
  /** Tips paid in cash: in the drawer until paid out to the technicians (a pay-out). */
  cashTipsCents: number;
  changeCents: number;
  cashRefundsCents: number;
  payInsCents: number;
  payOutsCents: number;
  expectedCents: number;
}

/** expected = float + cash tendered + cash tips − change − cash refunds + pay-ins − pay-outs. */
export function expectedDrawerCash(activity: DrawerActivity): DrawerExpectation {
  const cash = activity.payments.filter((p) => p.method === 'cash');
  const cashSalesCents = sumCents(cash.map((p) => p.amountCents));
  const cashTipsCents = sumCents(cash.map((p) => p.tipCents));
  const changeCents = sumCents(cash.map((p) => p.changeCents));
  const cashRefundsCents = sumCents(
    activity.refunds.filter((r) => r.method === 'cash').map((r) => r.amountCents),
  );
  const payInsCents = sumCents(
    activity.movements.filter((m) => m.kind === 'pay_in').map((m) => m.amountCents),
  );
  const payOutsCents = sumCents(
    activity.movements.filter((m) => m.kind === 'pay_out').map((m) => m.amountCents),
  );
  return {
    cashSalesCents,
    cashTipsCents,
    changeCents,
    cashRefundsCents,
    payInsCents,
    payOutsCents,
    expectedCents:
      activity.floatCents +
      cashSalesCents +
      cashTipsCents -
      changeCents -
      cashRefundsCents +
      payInsCents -
      payOutsCents,
  };
}
