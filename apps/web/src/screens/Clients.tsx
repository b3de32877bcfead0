import { can } from '@mango/domain/permissions';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, useState, type FormEvent } from 'react';
import { useClientSearch } from '../hooks/useClientSearch';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useStaff, useStoreRow } from '../hooks/useStoreRow';
import { newId } from '../lib/ids';
import { navigate } from '../lib/router';
import { Dialog } from '../ui/Dialog';
import { usePageTitle } from '../hooks/usePageTitle';

/** All clients, virtualized, with instant search by name or phone (worker index). */
export default function Clients({ params }: { params: string[] }) {
  usePageTitle('Clients');
  const { role } = useDevice();
  const [query, setQuery] = useState('');
  const hits = useClientSearch(query);
  const [adding, setAdding] = useState(false);
  const selectedId = params[0] ?? null;
  const parentRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: hits.ids.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => 52,
    overscan: 10,
  });

  return (
    <section className="clients" aria-label="Clients">
      <div className="toolbar">
        <h1>Clients</h1>
        <input
          type="search"
          aria-label="Search clients"
          placeholder="Search by name or phone"
          value={query}
          autoFocus
          onChange={(e) => setQuery(e.target.value)}
        />
        <span className="muted" aria-live="polite">
          {hits.ready
            ? `${hits.ids.length.toLocaleString()} of ${hits.total.toLocaleString()}`
            : 'Indexing…'}
        </span>
        <span className="spacer" />
        {can(role, 'clients.manage') && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add client
          </button>
        )}
      </div>
      <div className="clients-grid">
        <div ref={parentRef} className="vlist" role="list" aria-label="Client list">
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((item) => {
              const id = hits.ids[item.index] as string;
              return (
                <div
                  key={id}
                  role="listitem"
                  className="vrow"
                  style={{ transform: `translateY(${item.start}px)`, height: item.size }}
                >
                  <a
                    href={`/clients/${id}`}
                    aria-current={selectedId === id ? 'true' : undefined}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`/clients/${id}`);
                    }}
                  >
                    <span className="name">{hits.names[item.index]}</span>
                    <span className="muted">{hits.phones[item.index]}</span>
                  </a>
                </div>
              );
            })}
          </div>
        </div>
        {selectedId ? (
          <Profile id={selectedId} />
        ) : (
          <p className="empty">Pick a client to see their profile.</p>
        )}
      </div>
      {adding && <ClientForm onClose={() => setAdding(false)} />}
    </section>
  );
}

function ClientForm(props: {
  onClose: () => void;
  existing?: { id: string; firstName: string; lastName: string; phone: string; email: string };
}) {
  const { mutate } = useDevice();
  const e0 = props.existing;
  const [firstName, setFirst] = useState(e0?.firstName ?? '');
  const [lastName, setLast] = useState(e0?.lastName ?? '');
  const [phone, setPhone] = useState(e0?.phone ?? '');
  const [email, setEmail] = useState(e0?.email ?? '');
  async function submit(e: FormEvent) {
    e.preventDefault();
    const id = e0?.id ?? newId();
    const args: Record<string, unknown> = {
      id,
      firstName: firstName.trim(),
      lastName: lastName.trim(),
    };
    args['phone'] = phone.trim() || null;
    args['email'] = email.trim() || null;
    if (await mutate('client.upsert', args)) {
      props.onClose();
      navigate(`/clients/${id}`);
    }
  }
  return (
    <Dialog title={e0 ? 'Edit client' : 'Add client'} onClose={props.onClose}>
      <form className="stack" onSubmit={submit}>
        <label>
          First name
          <input
            type="text"
            required
            value={firstName}
            onChange={(e) => setFirst(e.target.value)}
          />
        </label>
        <label>
          Last name
          <input type="text" value={lastName} onChange={(e) => setLast(e.target.value)} />
        </label>
        <label>
          Phone
          <input type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} />
        </label>
        <label>
          Email
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Save client
        </button>
      </form>
    </Dialog>
  );
}

function Profile({ id }: { id: string }) {
  const { mutate, role } = useDevice();
  const mayEdit = can(role, 'clients.manage');
  const { money, dateTime } = useStoreRow();
  const { nameOf } = useStaff();
  const client = useLive((r) => r.get('client', id), [id]);
  const tickets = useLive((r) => r.list('ticket', { where: { clientId: id } }), [id]);
  const appts = useLive((r) => r.list('appointment', { where: { clientId: id } }), [id]);
  const services = useLive((r) => r.list('service'), []);
  const [notes, setNotes] = useState<string | null>(null);
  const [allergies, setAllergies] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  if (client === undefined) return <p className="empty">This client is not on this device.</p>;
  const now = new Date().toISOString();
  const upcoming = (appts ?? [])
    .filter((a) => a.start >= now && (a.status === 'booked' || a.status === 'checked_in'))
    .sort((a, b) => (a.start < b.start ? -1 : 1));
  const visits = (tickets ?? [])
    .filter((t) => t.status === 'closed')
    .sort((a, b) => ((a.closedAt ?? '') < (b.closedAt ?? '') ? 1 : -1));
  const name = `${client.firstName} ${client.lastName}`.trim();
  return (
    <article className="card profile" aria-label="Client profile">
      <div className="row">
        <h2>{name}</h2>
        <span className="spacer" />
        {mayEdit && (
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
      </div>
      <p>
        {client.phone && <span>{client.phone}</span>}{' '}
        {client.email && <span className="muted">· {client.email}</span>}
      </p>
      <label>
        Notes
        <textarea
          rows={3}
          readOnly={!mayEdit}
          value={notes ?? client.notes ?? ''}
          onChange={(e) => setNotes(e.target.value)}
          onBlur={() => {
            if (notes !== null && notes !== (client.notes ?? ''))
              void mutate('client.upsert', {
                id,
                firstName: client.firstName,
                lastName: client.lastName,
                notes: notes.trim() || null,
              });
          }}
        />
      </label>
      <label>
        Allergies
        {/* Shown as an alert on this client's tickets at checkout (ui/TicketClient.tsx). */}
        <input
          readOnly={!mayEdit}
          placeholder="e.g. acrylic monomer, latex"
          value={allergies ?? client.allergies ?? ''}
          onChange={(e) => setAllergies(e.target.value)}
          onBlur={() => {
            if (allergies !== null && allergies !== (client.allergies ?? ''))
              void mutate('client.upsert', {
                id,
                firstName: client.firstName,
                lastName: client.lastName,
                allergies: allergies.trim() || null,
              });
          }}
        />
      </label>
      <h3>Upcoming appointments</h3>
      {upcoming.length === 0 ? (
        <p className="muted">None booked.</p>
      ) : (
        <ul className="list">
          {upcoming.map((a) => (
            <li key={a.id}>
              <span>{dateTime(a.start)}</span>
              <span>
                {services?.find((s) => s.id === a.serviceId)?.name} with {nameOf(a.staffId)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h3>Visits</h3>
      {visits.length === 0 ? (
        <p className="muted">No visits on this device.</p>
      ) : (
        <ul className="list">
          {visits.map((t) => (
            <li key={t.id}>
              <a
                href={`/checkout/${t.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/checkout/${t.id}`);
                }}
              >
                {dateTime(t.closedAt ?? t.openedAt)}
              </a>
              <span>{money(t.totalCents)}</span>
            </li>
          ))}
        </ul>
      )}
      {editing && (
        <ClientForm
          onClose={() => setEditing(false)}
          existing={{
            id,
            firstName: client.firstName,
            lastName: client.lastName,
            phone: client.phone ?? '',
            email: client.email ?? '',
          }}
        />
      )}
    </article>
  );
}
