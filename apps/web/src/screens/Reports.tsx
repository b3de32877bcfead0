import type { PaymentRow, RefundRow, TicketLineRow } from '@mango/domain/entities';
import { expectedDrawerCash } from '@mango/domain/cash-drawer';
import { dailySalesSummaries, staffEarnings } from '@mango/domain/earnings';
import { minorDigits } from '@mango/domain/money';
import { can } from '@mango/domain/permissions';
import { useMemo, useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useStaff, useStoreRow } from '../hooks/useStoreRow';
import { centsToDecimal, downloadText, salesCsv, toCsv } from '../lib/csv';
import { newId } from '../lib/ids';
import { methodLabel, parseMoney, taxRatesText } from '../lib/receipt';
import { addDays, localYmd, zonedDayRange } from '../lib/time';
import { BarChart, HBarChart } from '../ui/Charts';
import { CashOutsideDrawers } from '../ui/CashOutsideDrawers';
import { OpenDrawerForm } from '../ui/OpenDrawerForm';
import { usePageTitle } from '../hooks/usePageTitle';

/** Reports over local data with the domain's pure report functions; lazy-loaded. */
export default function Reports() {
  const { role } = useDevice();
  // The front desk sees only the cash drawer here, under that name.
  usePageTitle(can(role, 'reports.view') ? 'Reports' : 'Cash drawer');
  const { timeZone, money, currency } = useStoreRow();
  const today = localYmd(new Date(), timeZone);
  const [from, setFrom] = useState(addDays(today, -6));
  const [to, setTo] = useState(today);
  const start = zonedDayRange(from, timeZone).start;
  const end = zonedDayRange(to, timeZone).end;
  const { staff } = useStaff();

  const data = useLive(
    async (r) => {
      const closed = await r.list('ticket', { range: { field: 'closedAt', gte: start, lt: end } });
      // Voids and tickets still open count apart from sales: they are read by status, on the
      // instant that places them in the period (voided, opened).
      const within = (at: string | null | undefined) => !!at && at >= start && at < end;
      const voided = (await r.list('ticket', { where: { status: 'voided' } })).filter((t) =>
        within(t.voidedAt),
      );
      const open = (await r.list('ticket', { where: { status: 'open' } })).filter((t) =>
        within(t.openedAt),
      );
      const tickets = [...closed, ...voided, ...open];
      const lines: TicketLineRow[] = [];
      const payments: PaymentRow[] = [];
      for (const t of closed) {
        lines.push(...(await r.list('ticketLine', { where: { ticketId: t.id } })));
        payments.push(...(await r.list('payment', { where: { ticketId: t.id } })));
      }
      const refunds = (await r.list('refund')).filter(
        (f) => f.createdAt >= start && f.createdAt < end,
      );
      return { tickets, closed, lines, payments, refunds };
    },
    [start, end],
  );

  const daily = useMemo(
    () =>
      data
        ? dailySalesSummaries({
            tickets: data.tickets,
            payments: data.payments,
            refunds: data.refunds,
            timeZone,
          })
        : [],
    [data, timeZone],
  );
  const earnings = useMemo(
    () =>
      data
        ? staffEarnings({ tickets: data.tickets, lines: data.lines, staff, from: start, to: end })
        : [],
    [data, staff, start, end],
  );
  const totals = daily.reduce(
    (s, d) => ({
      tickets: s.tickets + d.ticketCount,
      voided: s.voided + d.voidedCount,
      open: s.open + d.openCount,
      openPaid: s.openPaid + d.openPaidCents,
      revenue: s.revenue + d.revenueCents,
      net: s.net + d.netRevenueCents,
      tax: s.tax + d.taxCents,
      tips: s.tips + d.tipsCents,
      refunds: s.refunds + d.refundsCents,
      cash: s.cash + d.byMethod.cash,
      card: s.card + d.byMethod.card,
      gift_card: s.gift_card + d.byMethod.gift_card,
      other: s.other + d.byMethod.other,
    }),
    {
      tickets: 0,
      voided: 0,
      open: 0,
      openPaid: 0,
      revenue: 0,
      net: 0,
      tax: 0,
      tips: 0,
      refunds: 0,
      cash: 0,
      card: 0,
      gift_card: 0,
      other: 0,
    },
  );
  const digits = minorDigits(currency);
  const dec = (c: number) => centsToDecimal(c, digits);
  const taxRates = data ? taxRatesText(data.closed) : '';

  function exportDaily() {
    downloadText(`sales-${from}-to-${to}.csv`, salesCsv(daily, digits));
  }
  function exportStaff() {
    downloadText(
      `staff-${from}-to-${to}.csv`,
      toCsv(
        ['staff', 'services', 'service_sales', 'commission', 'tips', 'total_pay'],
        earnings.map((e) => [
          e.displayName,
          e.serviceCount,
          dec(e.serviceSalesCents),
          dec(e.commissionCents),
          dec(e.tipsCents),
          dec(e.totalCents),
        ]),
      ),
    );
  }

  if (!can(role, 'reports.view')) {
    // The front desk runs the cash drawer here; sales reports are for managers.
    return (
      <section className="reports" aria-label="Reports">
        <div className="toolbar">
          <h1>Cash drawer</h1>
        </div>
        {can(role, 'cashDrawer.operate') && <CloseOut />}
      </section>
    );
  }

  return (
    <section className="reports" aria-label="Reports">
      <div className="toolbar">
        <h1>Reports</h1>
        <label>
          From
          <input
            type="date"
            value={from}
            max={to}
            onChange={(e) => e.target.value && setFrom(e.target.value)}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={to}
            min={from}
            onChange={(e) => e.target.value && setTo(e.target.value)}
          />
        </label>
        <button
          type="button"
          onClick={() => {
            setFrom(today);
            setTo(today);
          }}
        >
          Today
        </button>
        <span className="spacer" />
        <button type="button" onClick={exportDaily}>
          Export sales CSV
        </button>
        <button type="button" onClick={exportStaff}>
          Export staff CSV
        </button>
      </div>
      <div className="kpis" aria-label="Summary">
        <Kpi label="Tickets" value={String(totals.tickets)} />
        <Kpi label="Voided" value={String(totals.voided)} />
        <Kpi
          label="Still open"
          value={`${totals.open}${totals.openPaid > 0 ? ` · ${money(totals.openPaid)} paid` : ''}`}
        />
        <Kpi label="Revenue" value={money(totals.revenue)} />
        <Kpi label="Refunds" value={money(totals.refunds)} />
        <Kpi label="Net sales" value={money(totals.net)} />
        <Kpi label={taxRates ? `Tax (${taxRates})` : 'Tax'} value={money(totals.tax)} />
        <Kpi label="Tips" value={money(totals.tips)} />
      </div>
      <div className="report-grid">
        <section className="card">
          <BarChart
            title="Net sales by day"
            bars={daily.map((d) => ({ label: d.businessDate.slice(5), value: d.netRevenueCents }))}
            format={(v) => money(v).replace(/\.00$/, '')}
          />
        </section>
        <section className="card">
          <HBarChart
            title="Money kept by payment method"
            bars={(['cash', 'card', 'gift_card', 'other'] as const).map((m) => ({
              label: methodLabel(m),
              value: totals[m],
            }))}
            format={money}
          />
        </section>
        <section className="card" aria-label="Staff sales">
          <h2>Staff sales, tips and commission</h2>
          {/* Focusable: on a phone its columns scroll sideways, by keyboard too. */}
          <table tabIndex={0} aria-label="Staff sales, tips and commission">
            <thead>
              <tr>
                <th>Staff</th>
                <th className="num">Services</th>
                <th className="num">Sales</th>
                <th className="num">Commission</th>
                <th className="num">Tips</th>
                <th className="num">Pay</th>
              </tr>
            </thead>
            <tbody>
              {earnings.map((e) => (
                <tr key={e.staffId}>
                  <td>{e.displayName}</td>
                  <td className="num">{e.serviceCount}</td>
                  <td className="num">{money(e.serviceSalesCents)}</td>
                  <td className="num">{money(e.commissionCents)}</td>
                  <td className="num">{money(e.tipsCents)}</td>
                  <td className="num">{money(e.totalCents)}</td>
                </tr>
              ))}
              {earnings.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted">
                    No service sales in this period.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </section>
        <CloseOut />
      </div>
    </section>
  );
}

function Kpi({ label, value }: { label: string; value: string }) {
  return (
    <div className="kpi">
      <div className="muted">{label}</div>
      <div className="kpi-value">{value}</div>
    </div>
  );
}

/** End-of-day close-out: the cash drawer (float, pay-in, pay-out, count → expected, over/short). */
function CloseOut() {
  const { mutate } = useDevice();
  const { money, currency, dateTime } = useStoreRow();
  const drawers = useLive((r) => r.list('cashDrawer'), []);
  const open = (drawers ?? []).find((d) => d.status === 'open');
  const lastClosed = (drawers ?? [])
    .filter((d) => d.status === 'closed')
    .sort((a, b) => ((a.closedAt ?? '') < (b.closedAt ?? '') ? 1 : -1))[0];
  const activity = useLive(
    async (r) => {
      if (!open) return null;
      const [payments, refunds, movements] = await Promise.all([
        r.list('payment', { where: { cashDrawerId: open.id } }),
        r.list('refund', { where: { cashDrawerId: open.id } }),
        r.list('cashMovement', { where: { cashDrawerId: open.id } }),
      ]);
      return { payments: payments as PaymentRow[], refunds: refunds as RefundRow[], movements };
    },
    [open?.id],
  );
  const expected =
    open && activity ? expectedDrawerCash({ floatCents: open.floatCents, ...activity }) : null;
  const [move, setMove] = useState('');
  const [moveReason, setMoveReason] = useState('');
  const [counted, setCounted] = useState('');
  const cents = (s: string) => parseMoney(s, currency);

  return (
    <section className="card" aria-label="Close-out">
      <h2>End-of-day close-out</h2>
      <CashOutsideDrawers />
      {!open ? (
        <>
          {lastClosed && (
            <dl className="totals" aria-label="Last close-out">
              <dt>Closed</dt>
              <dd>{lastClosed.closedAt ? dateTime(lastClosed.closedAt) : ''}</dd>
              <dt>Expected cash</dt>
              <dd>{money(lastClosed.expectedCents ?? 0)}</dd>
              <dt>Counted</dt>
              <dd>{money(lastClosed.countedCents ?? 0)}</dd>
              <dt>Over / short</dt>
              <dd className={(lastClosed.overShortCents ?? 0) < 0 ? 'error' : ''}>
                {money(lastClosed.overShortCents ?? 0)}
              </dd>
            </dl>
          )}
          <OpenDrawerForm />
        </>
      ) : (
        <>
          {expected && (
            <dl className="totals" aria-label="Drawer">
              <dt>Float</dt>
              <dd>{money(open.floatCents)}</dd>
              <dt>Cash sales</dt>
              <dd>{money(expected.cashSalesCents)}</dd>
              <dt>Cash tips</dt>
              <dd aria-label="Cash tips">{money(expected.cashTipsCents)}</dd>
              <dt>Change given</dt>
              <dd>−{money(expected.changeCents)}</dd>
              <dt>Cash refunds</dt>
              <dd>−{money(expected.cashRefundsCents)}</dd>
              <dt>Pay-ins</dt>
              <dd>{money(expected.payInsCents)}</dd>
              <dt>Pay-outs</dt>
              <dd>−{money(expected.payOutsCents)}</dd>
              <dt className="total">Expected cash</dt>
              <dd className="total" aria-label="Expected cash">
                {money(expected.expectedCents)}
              </dd>
            </dl>
          )}
          <form
            className="row wrap"
            aria-label="Pay in or out"
            onSubmit={(e) => e.preventDefault()}
          >
            <label>
              Amount
              <input
                type="text"
                inputMode="decimal"
                value={move}
                onChange={(e) => setMove(e.target.value)}
              />
            </label>
            <label>
              Reason
              <input
                type="text"
                value={moveReason}
                onChange={(e) => setMoveReason(e.target.value)}
              />
            </label>
            {(['payIn', 'payOut'] as const).map((k) => (
              <button
                key={k}
                type="button"
                onClick={() => {
                  const c = cents(move);
                  if (!c) return;
                  void mutate(`cashDrawer.${k}`, {
                    id: newId(),
                    amountCents: c,
                    ...(moveReason.trim() ? { reason: moveReason.trim() } : {}),
                  }).then((ok) => ok && (setMove(''), setMoveReason('')));
                }}
              >
                {k === 'payIn' ? 'Pay in' : 'Pay out'}
              </button>
            ))}
          </form>
          <form
            className="row wrap"
            onSubmit={(e) => {
              e.preventDefault();
              const c = cents(counted);
              if (c !== null)
                void mutate('cashDrawer.close', { id: open.id, countedCents: c }).then(
                  (ok) => ok && setCounted(''),
                );
            }}
          >
            <label>
              Counted cash
              <input
                type="text"
                inputMode="decimal"
                value={counted}
                onChange={(e) => setCounted(e.target.value)}
                required
              />
            </label>
            {expected && cents(counted) !== null && (
              <span aria-label="Over or short">
                {(cents(counted) ?? 0) - expected.expectedCents >= 0 ? 'Over' : 'Short'}{' '}
                {money(Math.abs((cents(counted) ?? 0) - expected.expectedCents))}
              </span>
            )}
            <button type="submit" className="primary">
              Close drawer
            </button>
          </form>
        </>
      )}
    </section>
  );
}
