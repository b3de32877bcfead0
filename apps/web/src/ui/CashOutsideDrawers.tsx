import { cashOutsideDrawers } from '@mango/domain/cash-drawer';
import type { PaymentRow, RefundRow } from '@mango/domain/entities';
import { ticketLabel } from '@mango/domain/ticket-numbers';
import { useLive } from '../hooks/useLive';
import { useStoreRow } from '../hooks/useStoreRow';
import { localYmd } from '../lib/time';

/**
 * Today's cash that no drawer counts: taken or refunded while no drawer was open
 * (`cashDrawerId` null; see `NoDrawerNotice`). Read per ticket of the store's business day: a
 * list by `cashDrawerId: null` would return every card payment the store ever took. Shown in
 * the close-out whatever the drawer's state; nothing when there is none.
 */
export function CashOutsideDrawers() {
  const { money, timeZone, clock } = useStoreRow();
  const today = localYmd(new Date(), timeZone);
  const data = useLive(
    async (r) => {
      const tickets = await r.list('ticket', { where: { businessDate: today } });
      const payments: PaymentRow[] = [];
      const refunds: RefundRow[] = [];
      for (const t of tickets) {
        payments.push(...(await r.list('payment', { where: { ticketId: t.id } })));
        refunds.push(...(await r.list('refund', { where: { ticketId: t.id } })));
      }
      return { tickets: new Map(tickets.map((t) => [t.id, t])), payments, refunds };
    },
    [today],
  );
  if (!data) return null;
  const outside = cashOutsideDrawers(data.payments, data.refunds);
  if (outside.entries.length === 0) return null;
  const label = (ticketId: string) => {
    const ticket = data.tickets.get(ticketId);
    return ticket ? ticketLabel(ticket) : '';
  };
  return (
    <div className="drawer-warning stack" aria-label="Cash outside any drawer">
      <dl className="totals">
        <dt className="total">Cash outside any drawer</dt>
        <dd className="total" aria-label="Cash outside any drawer today">
          {money(outside.netCents)}
        </dd>
      </dl>
      <p>Taken or refunded today while no drawer was open: add it to the count, or pay it in.</p>
      <ul className="list" aria-label="Cash outside any drawer, by ticket">
        {outside.entries.map((e) => (
          <li key={`${e.kind}-${e.row.id}`}>
            <span>
              Ticket {label(e.row.ticketId)} · {clock(e.row.createdAt)}
              {e.kind === 'refund' && ' · refund'}
            </span>
            <span>{money(e.netCents)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
