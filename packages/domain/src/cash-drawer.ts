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

type CashPayment = DrawerActivity['payments'][number] &
  Pick<PaymentRow, 'cashDrawerId' | 'createdAt'>;
type CashRefund = DrawerActivity['refunds'][number] & Pick<RefundRow, 'cashDrawerId' | 'createdAt'>;

/** One cash payment or refund that no drawer counts, with what it put in (or took out). */
export type CashOutsideEntry<P, R> =
  { kind: 'payment'; row: P; netCents: number } | { kind: 'refund'; row: R; netCents: number };

export interface CashOutsideDrawers<P, R> {
  /** Oldest first. */
  entries: CashOutsideEntry<P, R>[];
  /** Cash tendered + cash tips − change − cash refunds, over the entries. */
  netCents: number;
}

/** What these rows would add to a drawer counted from zero with no pay-ins or pay-outs. */
function netCash(payments: DrawerActivity['payments'], refunds: DrawerActivity['refunds']): number {
  return expectedDrawerCash({ floatCents: 0, payments, refunds, movements: [] }).expectedCents;
}

/**
 * The cash taken or given back while no drawer was open (`cashDrawerId` null): no close-out
 * counts it, so it is shown apart for the person counting to add it or pay it in. The caller
 * passes the rows of the tickets it reports on (e.g. today's), never a list of every payment.
 */
export function cashOutsideDrawers<P extends CashPayment, R extends CashRefund>(
  payments: readonly P[],
  refunds: readonly R[],
): CashOutsideDrawers<P, R> {
  const outside = <T extends { method: string; cashDrawerId?: string | null }>(
    rows: readonly T[],
  ) => rows.filter((r) => r.method === 'cash' && !r.cashDrawerId);
  const entries: CashOutsideEntry<P, R>[] = [
    ...outside(payments).map((row) => ({
      kind: 'payment' as const,
      row,
      netCents: netCash([row], []),
    })),
    ...outside(refunds).map((row) => ({
      kind: 'refund' as const,
      row,
      netCents: netCash([], [row]),
    })),
  ].sort((a, b) =>
    a.row.createdAt < b.row.createdAt ? -1 : a.row.createdAt > b.row.createdAt ? 1 : 0,
  );
  return { entries, netCents: netCash(outside(payments), outside(refunds)) };
}
