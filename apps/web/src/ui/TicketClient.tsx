import type { TicketRow } from '@mango/domain/entities';
import { can } from '@mango/domain/permissions';
import { useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { ClientAlerts } from './ClientAlerts';
import { ClientPicker } from './ClientPicker';

/**
 * Who an open ticket is for: link a client to it or change them (`ticket.setClient`), and what
 * the desk must know before the service starts: the client's allergies as an alert, their notes.
 */
export function TicketClient({ ticket }: { ticket: TicketRow }) {
  const { mutate, role } = useDevice();
  const [changing, setChanging] = useState(false);
  const client = useLive(
    async (r) => (ticket.clientId ? r.get('client', ticket.clientId) : undefined),
    [ticket.clientId],
  );
  const current = client
    ? { id: client.id, name: `${client.firstName} ${client.lastName}`.trim() }
    : null;
  const mayChange = can(role, 'tickets.sell');

  const link = async (clientId: string | null) => {
    if (await mutate('ticket.setClient', { ticketId: ticket.id, clientId })) setChanging(false);
  };

  return (
    <section className="card ticket-client" aria-label="Ticket client">
      {mayChange ? (
        <div className="row wrap">
          <ClientPicker
            value={changing ? null : current}
            onChange={(v) => {
              // "Change client" only opens the search: the ticket keeps its client until
              // another one is picked (or it is removed on purpose).
              if (v === null) setChanging(true);
              else void link(v.id);
            }}
          />
          {changing && current && (
            <>
              <button type="button" onClick={() => setChanging(false)}>
                Keep {current.name}
              </button>
              <button type="button" onClick={() => void link(null)}>
                No client
              </button>
            </>
          )}
        </div>
      ) : (
        current && (
          <p>
            Client: <strong>{current.name}</strong>
          </p>
        )
      )}
      <ClientAlerts client={client} />
    </section>
  );
}
