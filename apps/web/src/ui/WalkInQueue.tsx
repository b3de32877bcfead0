import type { ServiceRow, StaffRow } from '@mango/domain/entities';
import { can } from '@mango/domain/permissions';
import { useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useStoreClock } from '../hooks/useStoreClock';
import { newId } from '../lib/ids';
import { WalkInInService } from './WalkInInService';
import { StaffSelect } from './StaffSelect';

/**
 * Today's walk-ins: added (optionally asking for a technician), given to the next technician or
 * the one asked for, then in service until their ticket closes at checkout.
 */
export function WalkInQueue(props: {
  ymd: string;
  readOnly: boolean;
  providers: StaffRow[];
  services: ServiceRow[];
}) {
  const { mutate, role } = useDevice();
  const mayAssign = can(role, 'turns.assign');
  const maySell = can(role, 'tickets.sell');
  // The store's one clock format (12 or 24 hours), as on the appointment book.
  const { clock } = useStoreClock();
  const { ymd, readOnly, providers, services } = props;
  const walkIns = useLive((r) => r.list('walkIn', { where: { businessDate: ymd } }), [ymd]);
  const openTickets = useLive((r) => r.list('ticket', { where: { status: 'open' } }), []);
  const openTicketIds = new Set((openTickets ?? []).map((t) => t.id));
  const nameOf = (id: string | null | undefined) =>
    providers.find((p) => p.id === id)?.displayName ?? '';
  const [walkName, setWalkName] = useState('');
  const [walkService, setWalkService] = useState('');
  const [walkRequest, setWalkRequest] = useState('');
  const waiting = (walkIns ?? [])
    .filter((w) => w.status === 'waiting')
    .sort((a, b) => (a.arrivedAt < b.arrivedAt ? -1 : 1));
  const inService = (walkIns ?? [])
    .filter((w) => w.status === 'assigned')
    .sort((a, b) => (a.arrivedAt < b.arrivedAt ? -1 : 1));
  const served = (walkIns ?? [])
    .filter((w) => w.status === 'done')
    .sort((a, b) => (a.arrivedAt < b.arrivedAt ? 1 : -1));

  async function add() {
    if (!walkName.trim()) return;
    const args: Record<string, unknown> = { id: newId(), name: walkName.trim() };
    if (walkService) args['serviceId'] = walkService;
    if (walkRequest) args['requestedStaffId'] = walkRequest;
    if (await mutate('walkIn.add', args)) {
      setWalkName('');
      setWalkRequest('');
    }
  }

  return (
    <section aria-label="Walk-in queue" className="card">
      <h2>Walk-ins</h2>
      {!readOnly && mayAssign && (
        <form
          className="row wrap"
          aria-label="Add walk-in"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <label>
            Walk-in name
            <input type="text" value={walkName} onChange={(e) => setWalkName(e.target.value)} />
          </label>
          <label>
            Service
            <select value={walkService} onChange={(e) => setWalkService(e.target.value)}>
              <option value="">Any</option>
              {services.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <StaffSelect
            label="Asks for"
            anyone="Next in turn"
            staff={providers}
            value={walkRequest}
            onChange={setWalkRequest}
          />
          <button type="submit">Add walk-in</button>
        </form>
      )}
      <ol className="list">
        {waiting.map((w) => (
          <li key={w.id}>
            <span>
              {w.name} <span className="muted">{clock(w.arrivedAt)}</span>
              {w.requestedStaffId && (
                <>
                  {' '}
                  <span className="pill">asks for {nameOf(w.requestedStaffId)}</span>
                </>
              )}
            </span>
            {!readOnly && mayAssign && (
              <span className="row">
                <button
                  type="button"
                  className="primary"
                  aria-label={
                    w.requestedStaffId
                      ? `Assign ${w.name} to ${nameOf(w.requestedStaffId)}`
                      : `Assign next technician to ${w.name}`
                  }
                  onClick={() =>
                    void mutate('turn.assignNext', { walkInId: w.id, eventId: newId() })
                  }
                >
                  {w.requestedStaffId ? `Assign to ${nameOf(w.requestedStaffId)}` : 'Assign next'}
                </button>
                <button
                  type="button"
                  aria-label={`Remove ${w.name}`}
                  onClick={() => void mutate('walkIn.remove', { id: w.id })}
                >
                  Left
                </button>
              </span>
            )}
          </li>
        ))}
        {waiting.length === 0 && <li className="muted">Nobody waiting.</li>}
      </ol>
      {inService.length > 0 && (
        <>
          <h3>In service</h3>
          <ul className="list" aria-label="In service">
            {inService.map((w) => (
              <WalkInInService
                key={w.id}
                walkIn={w}
                technician={nameOf(w.staffId)}
                ticketOpen={!!w.ticketId && openTicketIds.has(w.ticketId)}
                services={services}
                mayStart={!readOnly && maySell}
              />
            ))}
          </ul>
        </>
      )}
      {served.length > 0 && (
        <>
          <h3>Served today</h3>
          <ul className="list" aria-label="Served today">
            {served.map((w) => (
              <li key={w.id}>
                <span>
                  {w.name} → {nameOf(w.staffId)}
                  {w.request && (
                    <>
                      {' '}
                      <span className="pill ok">Request</span>
                    </>
                  )}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
