import { openTicketSummaries } from '@mango/domain/open-tickets';
import { useMemo } from 'react';
import { useLive } from '../hooks/useLive';
import { useStaff, useStoreRow } from '../hooks/useStoreRow';
import { navigate } from '../lib/router';
import { localYmd } from '../lib/time';

/**
 * Every ticket still open on this device, oldest first, one tap from its checkout: a sale left
 * half-way (and the cash already taken on it) stays in sight until it is closed or voided.
 * Local data only, so it works offline and updates as other devices sync.
 */
export function OpenTicketsBoard() {
  const { money, timeZone, clock, dateTime } = useStoreRow();
  const { nameOf } = useStaff();
  const today = localYmd(new Date(), timeZone);
  const data = useLive(async (r) => {
    const tickets = await r.list('ticket', { where: { status: 'open' } });
    const lines = (
      await Promise.all(tickets.map((t) => r.list('ticketLine', { where: { ticketId: t.id } })))
    ).flat();
    const clientIds = [...new Set(tickets.flatMap((t) => (t.clientId ? [t.clientId] : [])))];
    const clients = await Promise.all(clientIds.map((id) => r.get('client', id)));
    return { tickets, lines, clients };
  }, []);

  const summaries = useMemo(
    () => (data ? openTicketSummaries(data.tickets, data.lines) : []),
    [data],
  );
  const clientName = useMemo(() => {
    const byId = new Map(
      (data?.clients ?? []).flatMap((c) =>
        c ? [[c.id, `${c.firstName} ${c.lastName}`.trim()] as const] : [],
      ),
    );
    return (id: string | null) => (id ? (byId.get(id) ?? 'Client') : 'No client');
  }, [data]);

  return (
    <section className="card open-tickets" aria-labelledby="open-tickets-title">
      <h2 id="open-tickets-title">
        Open tickets <span className="muted">({summaries.length})</span>
      </h2>
      {data === undefined ? (
        <p className="loading">Loading…</p>
      ) : summaries.length === 0 ? (
        <p className="muted">No open tickets.</p>
      ) : (
        <ul className="list" aria-label="Open tickets">
          {summaries.map((t) => {
            const client = clientName(t.clientId);
            // A ticket left open since an earlier day is the one to chase: it shows the date.
            const opened =
              localYmd(t.openedAt, timeZone) === today ? clock(t.openedAt) : dateTime(t.openedAt);
            const technicians = t.staffIds.map(nameOf).join(', ');
            return (
              <li key={t.ticketId} aria-label={`${client}, opened ${opened}`}>
                <div className="stack open-ticket-facts">
                  <strong>{client}</strong>
                  <span className="muted">
                    Opened {opened} · #{t.label}
                  </span>
                  <span>
                    {technicians || (t.lineCount === 0 ? 'Nothing on it yet' : 'No technician')}
                  </span>
                </div>
                <dl className="open-ticket-money">
                  <dt>Paid</dt>
                  <dd>{money(t.paidCents)}</dd>
                  <dt>Due</dt>
                  <dd>
                    <strong>{money(t.dueCents)}</strong>
                  </dd>
                </dl>
                <button
                  type="button"
                  className="primary"
                  aria-label={`Continue checkout for ${client}, opened ${opened}`}
                  onClick={() => navigate(`/checkout/${t.ticketId}`)}
                >
                  Continue
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
