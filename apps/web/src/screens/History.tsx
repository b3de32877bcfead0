import type { PaymentRow, TicketLineRow, TicketRow } from '@mango/domain/entities';
import { byLineOrder } from '@mango/domain/line-order';
import { amountDue } from '@mango/domain/payments';
import { ticketLabel } from '@mango/domain/ticket-numbers';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useStaff, useStoreRow } from '../hooks/useStoreRow';
import { methodLabel } from '../lib/receipt';
import { navigate } from '../lib/router';
import { Dialog } from '../ui/Dialog';
import { ReconciliationBadges } from '../ui/Reconciliation';
import { usePageTitle } from '../hooks/usePageTitle';

type ServerTicket = TicketRow & { lines?: TicketLineRow[]; payments?: PaymentRow[] };
type Filter = 'all' | 'closed' | 'open' | 'voided';
/** The server pages the ended tickets a device no longer keeps; open ones are always local. */
type EndedStatus = 'closed' | 'voided';

const FILTERS: { key: Filter; label: string }[] = [
  { key: 'all', label: 'All' },
  { key: 'closed', label: 'Sales' },
  { key: 'open', label: 'Open' },
  { key: 'voided', label: 'Voided' },
];
const STATUS_PILL: Record<TicketRow['status'], { label: string; className: string }> = {
  closed: { label: 'Closed', className: 'pill ok' },
  open: { label: 'Open', className: 'pill warn' },
  voided: { label: 'Voided', className: 'pill off' },
};

/**
 * Every ticket, newest first, with filters for sales, open and voided tickets: the device's
 * recent window from local data, then older pages from the server (cursor pagination, seed plan
 * 2.3), all in one virtual list.
 */
export default function History() {
  usePageTitle('History');
  const { device, notify } = useDevice();
  const { money, dateTime } = useStoreRow();
  const [filter, setFilter] = useState<Filter>('all');
  const closed = useLive((r) => r.list('ticket', { where: { status: 'closed' } }), []);
  const voided = useLive((r) => r.list('ticket', { where: { status: 'voided' } }), []);
  const open = useLive((r) => r.list('ticket', { where: { status: 'open' } }), []);
  const [older, setOlder] = useState<Record<EndedStatus, ServerTicket[]>>({
    closed: [],
    voided: [],
  });
  const [cursors, setCursors] = useState<Record<EndedStatus, string | null | undefined>>({
    closed: undefined,
    voided: undefined,
  });
  const [loading, setLoading] = useState(false);
  const [detail, setDetail] = useState<ServerTicket | null>(null);
  // Few payments are ever flagged; the row shows the ticket's flags without opening it.
  const flagged = useLive(
    async (r) => (await r.list('payment')).filter((p) => (p.reconciliation?.length ?? 0) > 0),
    [],
  );

  const flagsByTicket = useMemo(() => {
    const byTicket = new Map<string, PaymentRow['reconciliation']>();
    const add = (p: PaymentRow) => {
      if (!p.reconciliation?.length) return;
      byTicket.set(p.ticketId, [
        ...new Set([...(byTicket.get(p.ticketId) ?? []), ...p.reconciliation]),
      ]);
    };
    for (const t of [...older.closed, ...older.voided]) for (const p of t.payments ?? []) add(p);
    for (const p of flagged ?? []) add(p);
    return byTicket;
  }, [older, flagged]);

  const rows = useMemo(() => {
    const byId = new Map<string, ServerTicket & { local: boolean }>();
    for (const t of [...older.closed, ...older.voided]) byId.set(t.id, { ...t, local: false });
    for (const t of [...(closed ?? []), ...(voided ?? []), ...(open ?? [])]) {
      byId.set(t.id, { ...t, local: true });
    }
    const at = (t: TicketRow) => t.closedAt ?? t.voidedAt ?? t.openedAt;
    return [...byId.values()]
      .filter((t) => filter === 'all' || t.status === filter)
      .sort((a, b) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0));
  }, [closed, voided, open, older, filter]);

  const olderStatus: EndedStatus | null =
    filter === 'open' ? null : filter === 'voided' ? 'voided' : 'closed';
  const cursor = olderStatus ? cursors[olderStatus] : null;

  async function loadOlder() {
    if (!olderStatus) return;
    setLoading(true);
    try {
      const page = await device.client.fetchHistoryPage(cursor ?? null, 100, olderStatus);
      const items = page.items as unknown as ServerTicket[];
      setOlder((o) => ({ ...o, [olderStatus]: [...o[olderStatus], ...items] }));
      setCursors((c) => ({ ...c, [olderStatus]: page.nextCursor }));
    } catch (e) {
      notify(
        `Older history needs the network: ${e instanceof Error ? e.message : String(e)}`,
        'error',
      );
    } finally {
      setLoading(false);
    }
  }

  const parentRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => 52,
    overscan: 10,
  });
  // Only sales add up: a void is not money taken, and an open ticket is not a sale yet.
  const sales = rows.filter((t) => t.status === 'closed');
  const total = sales.reduce((s, t) => s + t.totalCents, 0);

  return (
    <section aria-label="History" className="history">
      <div className="toolbar">
        <h1>History</h1>
        <div className="row" role="group" aria-label="Show">
          {FILTERS.map((f) => (
            <button
              key={f.key}
              type="button"
              aria-pressed={filter === f.key}
              className={filter === f.key ? 'chip on' : 'chip'}
              onClick={() => setFilter(f.key)}
            >
              {f.label}
            </button>
          ))}
        </div>
        <span className="muted" aria-live="polite">
          {rows.length.toLocaleString()} ticket{rows.length === 1 ? '' : 's'}
          {sales.length > 0 && ` · ${money(total)} in sales`}
        </span>
        <span className="spacer" />
        {olderStatus && (
          <button
            type="button"
            onClick={() => void loadOlder()}
            disabled={loading || cursor === null}
          >
            {cursor === null ? 'No older tickets' : loading ? 'Loading…' : 'Load older from server'}
          </button>
        )}
      </div>
      <div ref={parentRef} className="vlist tall" role="list" aria-label="Tickets">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const t = rows[item.index];
            if (!t) return null;
            return (
              <div
                key={t.id}
                role="listitem"
                className="vrow"
                style={{ transform: `translateY(${item.start}px)`, height: item.size }}
              >
                <button
                  type="button"
                  className="rowbutton"
                  onClick={() => (t.local ? navigate(`/checkout/${t.id}`) : setDetail(t))}
                >
                  <span>{dateTime(t.closedAt ?? t.voidedAt ?? t.openedAt)}</span>
                  <span className="muted">#{ticketLabel(t)}</span>
                  <span className={STATUS_PILL[t.status].className}>
                    {STATUS_PILL[t.status].label}
                  </span>
                  {t.refundedCents > 0 && (
                    <span className="pill warn">refunded {money(t.refundedCents)}</span>
                  )}
                  <ReconciliationBadges flags={flagsByTicket.get(t.id)} />
                  <span className="spacer" />
                  <TicketAmount ticket={t} money={money} />
                  {!t.local && <span className="muted">(server)</span>}
                </button>
              </div>
            );
          })}
        </div>
      </div>
      {detail && <ServerTicketDialog ticket={detail} onClose={() => setDetail(null)} />}
    </section>
  );
}

/** What a row's amount means: a sale's total, a void's (not counted), an open ticket's due. */
function TicketAmount({ ticket, money }: { ticket: TicketRow; money: (c: number) => string }) {
  if (ticket.status === 'voided') {
    return (
      <span>
        <span className="strike muted" aria-label={`was ${money(ticket.totalCents)}`}>
          {money(ticket.totalCents)}
        </span>{' '}
        <strong>Voided</strong>
      </span>
    );
  }
  if (ticket.status === 'open') {
    return <strong>{money(Math.max(0, amountDue(ticket)))} due</strong>;
  }
  return <strong>{money(ticket.totalCents)}</strong>;
}

function ServerTicketDialog({ ticket, onClose }: { ticket: ServerTicket; onClose: () => void }) {
  const { money } = useStoreRow();
  const { nameOf } = useStaff();
  return (
    <Dialog title={`Ticket ${ticketLabel(ticket)}`} onClose={onClose}>
      <ul className="list">
        {[...(ticket.lines ?? [])].sort(byLineOrder).map((l) => (
          <li key={l.id}>
            <span>
              {l.name} {l.staffId && <span className="muted">with {nameOf(l.staffId)}</span>}
            </span>
            <span>{money(l.lineTotalCents)}</span>
          </li>
        ))}
        <li>
          <strong>Total</strong>
          <TicketAmount ticket={ticket} money={money} />
        </li>
        {ticket.status === 'voided' && ticket.voidReason && (
          <li>
            <span>Why it was voided</span>
            <span>{ticket.voidReason}</span>
          </li>
        )}
        {(ticket.payments ?? []).map((p) => (
          <li key={p.id}>
            <span>
              {methodLabel(p.method)} <ReconciliationBadges flags={p.reconciliation} />
            </span>
            <span>{money(p.amountCents + p.tipCents)}</span>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
