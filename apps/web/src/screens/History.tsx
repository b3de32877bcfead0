import type { PaymentRow, TicketLineRow, TicketRow } from '@mango/domain/entities';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useStaff, useStoreRow } from '../hooks/useStoreRow';
import { methodLabel } from '../lib/receipt';
import { navigate } from '../lib/router';
import { formatDateTime } from '../lib/time';
import { Dialog } from '../ui/Dialog';
import { ReconciliationBadges } from '../ui/Reconciliation';

type ServerTicket = TicketRow & { lines?: TicketLineRow[]; payments?: PaymentRow[] };

/**
 * Closed and voided tickets, newest first: the device's recent window from local data, then
 * older pages from the server (cursor pagination, seed plan 2.3), all in one virtual list.
 */
export default function History() {
  const { device, notify } = useDevice();
  const { money, timeZone } = useStoreRow();
  const closed = useLive((r) => r.list('ticket', { where: { status: 'closed' } }), []);
  const voided = useLive((r) => r.list('ticket', { where: { status: 'voided' } }), []);
  const [older, setOlder] = useState<ServerTicket[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
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
    for (const t of older) for (const p of t.payments ?? []) add(p);
    for (const p of flagged ?? []) add(p);
    return byTicket;
  }, [older, flagged]);

  const rows = useMemo(() => {
    const byId = new Map<string, ServerTicket & { local: boolean }>();
    for (const t of older) byId.set(t.id, { ...t, local: false });
    for (const t of [...(closed ?? []), ...(voided ?? [])]) byId.set(t.id, { ...t, local: true });
    const at = (t: TicketRow) => t.closedAt ?? t.voidedAt ?? t.openedAt;
    return [...byId.values()].sort((a, b) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0));
  }, [closed, voided, older]);

  async function loadOlder() {
    setLoading(true);
    try {
      const page = await device.client.fetchHistoryPage(cursor ?? null, 100);
      setOlder((o) => [...o, ...(page.items as unknown as ServerTicket[])]);
      setCursor(page.nextCursor);
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
  const total = rows.reduce((s, t) => s + (t.status === 'closed' ? t.totalCents : 0), 0);

  return (
    <section aria-label="History" className="history">
      <div className="toolbar">
        <h1>History</h1>
        <span className="muted">
          {rows.length.toLocaleString()} tickets · {money(total)}
        </span>
        <span className="spacer" />
        <button
          type="button"
          onClick={() => void loadOlder()}
          disabled={loading || cursor === null}
        >
          {cursor === null ? 'No older tickets' : loading ? 'Loading…' : 'Load older from server'}
        </button>
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
                  <span>{formatDateTime(t.closedAt ?? t.voidedAt ?? t.openedAt, timeZone)}</span>
                  <span className="muted">#{t.id.slice(0, 8).toUpperCase()}</span>
                  <span className={t.status === 'voided' ? 'pill off' : 'pill ok'}>{t.status}</span>
                  {t.refundedCents > 0 && (
                    <span className="pill warn">refunded {money(t.refundedCents)}</span>
                  )}
                  <ReconciliationBadges flags={flagsByTicket.get(t.id)} />
                  <span className="spacer" />
                  <strong>{money(t.totalCents)}</strong>
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

function ServerTicketDialog({ ticket, onClose }: { ticket: ServerTicket; onClose: () => void }) {
  const { money } = useStoreRow();
  const { nameOf } = useStaff();
  return (
    <Dialog title={`Ticket ${ticket.id.slice(0, 8).toUpperCase()}`} onClose={onClose}>
      <ul className="list">
        {(ticket.lines ?? []).map((l) => (
          <li key={l.id}>
            <span>
              {l.name} {l.staffId && <span className="muted">with {nameOf(l.staffId)}</span>}
            </span>
            <span>{money(l.lineTotalCents)}</span>
          </li>
        ))}
        <li>
          <strong>Total</strong>
          <strong>{money(ticket.totalCents)}</strong>
        </li>
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
