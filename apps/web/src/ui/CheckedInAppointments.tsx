import type { ServiceRow, StaffRow } from '@mango/domain/entities';
import { can } from '@mango/domain/permissions';
import { useDevice } from '../hooks/useDevice';
import { useClientsById } from '../hooks/useClientsById';
import { useLive } from '../hooks/useLive';
import { useStoreClock } from '../hooks/useStoreClock';
import { startTicketFrom } from '../lib/ticket-number';
import { zonedDayRange } from '../lib/time';

/**
 * The day's appointment clients who are here (checked in or in service) and have no ticket yet:
 * beside the walk-ins, so the desk starts every ticket from one place.
 */
export function CheckedInAppointments(props: {
  ymd: string;
  readOnly: boolean;
  providers: StaffRow[];
  services: ServiceRow[];
}) {
  const { device, mutate, role } = useDevice();
  // The store's one clock format (12 or 24 hours), as on the appointment book.
  const { timeZone, clock } = useStoreClock();
  const { ymd } = props;
  const range = zonedDayRange(ymd, timeZone);
  const appointments = useLive(
    (r) => r.list('appointment', { range: { field: 'start', gte: range.start, lt: range.end } }),
    [range.start, range.end],
  );
  const here = (appointments ?? [])
    .filter((a) => (a.status === 'checked_in' || a.status === 'in_service') && !a.ticketId)
    .sort((a, b) => (a.start < b.start ? -1 : 1));
  const clients = useClientsById(here.map((a) => a.clientId));
  if (here.length === 0) return null;
  const mayStart = !props.readOnly && can(role, 'appointments.work') && can(role, 'tickets.sell');

  return (
    <section aria-label="Checked-in appointments" className="card">
      <h2>Appointments here</h2>
      <ul className="list">
        {here.map((a) => {
          const client = a.clientId ? clients?.get(a.clientId) : undefined;
          const who = client ? `${client.firstName} ${client.lastName}` : 'Walk-in';
          const service = props.services.find((s) => s.id === a.serviceId)?.name ?? '';
          const tech = props.providers.find((p) => p.id === a.staffId)?.displayName ?? '';
          return (
            <li key={a.id} aria-label={`${who} at ${clock(a.start)}`}>
              <span>
                {who} → <strong>{tech}</strong>{' '}
                <span className="muted">
                  {service} · {clock(a.start)}
                </span>
              </span>
              {mayStart && (
                <button
                  type="button"
                  className="primary"
                  aria-label={`Start ticket for ${who}`}
                  // appointment.complete opens the ticket with the booked service and
                  // technician; it counts as a turn on close when the store says so.
                  onClick={() =>
                    void startTicketFrom({ device, mutate }, 'appointment.complete', { id: a.id })
                  }
                >
                  Start ticket
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
