import type { AppointmentRow } from '@mango/domain/entities';
import { useState } from 'react';
import { useStoreRow } from '../hooks/useStoreRow';

/**
 * "Conflicts (n)" on the book: the double bookings still to resolve, from today on, whatever
 * day the book shows. Each opens its appointment, where the desk moves or cancels it.
 */
export function ConflictsPanel(props: {
  conflicts: AppointmentRow[];
  clientName: (id: string | null | undefined) => string;
  serviceName: (id: string) => string;
  staffName: (id: string) => string;
  onOpen: (id: string) => void;
}) {
  const { dateTime } = useStoreRow();
  const [open, setOpen] = useState(false);
  const n = props.conflicts.length;
  if (n === 0) return null;
  return (
    <div className="conflicts">
      <button
        type="button"
        className="conflicts-toggle"
        aria-expanded={open}
        aria-controls="book-conflicts"
        onClick={() => setOpen((o) => !o)}
      >
        <span aria-hidden="true">⚠ </span>Conflicts ({n})
      </button>
      {open && (
        <ul id="book-conflicts" className="conflicts-list" aria-label="Conflicts to resolve">
          {props.conflicts.map((a) => (
            <li key={a.id}>
              <button type="button" onClick={() => props.onOpen(a.id)}>
                <strong>{dateTime(a.start)}</strong> {props.clientName(a.clientId)} —{' '}
                {props.serviceName(a.serviceId)} · {props.staffName(a.staffId)}
                {a.source === 'online' && <span className="appt-mark appt-online">Online</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
