import type { ServiceRow, WalkInRow } from '@mango/domain/entities';
import { useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { navigate } from '../lib/router';
import { startTicketFrom } from '../lib/ticket-number';

/** A walk-in with their technician: start their ticket, or reopen it while it is open. */
export function WalkInInService(props: {
  walkIn: WalkInRow;
  technician: string;
  ticketOpen: boolean;
  services: ServiceRow[];
  mayStart: boolean;
}) {
  const { device, mutate } = useDevice();
  const w = props.walkIn;
  // A walk-in who named no service gets one chosen here, so the ticket starts with the
  // technician on a line (checkout's new lines follow the first line's technician).
  const [serviceId, setServiceId] = useState('');

  async function start() {
    const args: Record<string, unknown> = { id: w.id };
    if (!w.serviceId && serviceId) args['serviceId'] = serviceId;
    await startTicketFrom({ device, mutate }, 'walkIn.startTicket', args);
  }

  return (
    <li aria-label={w.name}>
      <span>
        {w.name} → <strong>{props.technician}</strong>
        {w.request && (
          <>
            {' '}
            <span className="pill ok">Request</span>
          </>
        )}
        {props.ticketOpen && (
          <>
            {' '}
            <span className="pill warn">At checkout</span>
          </>
        )}
      </span>
      {props.ticketOpen ? (
        <button
          type="button"
          aria-label={`Open ticket of ${w.name}`}
          onClick={() => navigate(`/checkout/${w.ticketId}`)}
        >
          Open ticket
        </button>
      ) : (
        props.mayStart && (
          <span className="row">
            {!w.serviceId && (
              <select
                aria-label={`Service for ${w.name}`}
                value={serviceId}
                onChange={(e) => setServiceId(e.target.value)}
              >
                <option value="">No service yet</option>
                {props.services.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
            <button
              type="button"
              className="primary"
              aria-label={`Start ticket for ${w.name}`}
              onClick={() => void start()}
            >
              Start ticket
            </button>
          </span>
        )
      )}
    </li>
  );
}
