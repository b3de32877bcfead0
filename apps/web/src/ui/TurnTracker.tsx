import { can } from '@mango/domain/permissions';
import { businessDate } from '@mango/domain/time';
import { turnOrder } from '@mango/domain/turns';
import { useMemo } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useProviders, useServices } from '../hooks/useProviders';
import { useStoreRow } from '../hooks/useStoreRow';
import { newId } from '../lib/ids';
import { CheckedInAppointments } from './CheckedInAppointments';
import { WalkInQueue } from './WalkInQueue';

/** The day's turn list: who is next, clocking in and out, walk-ins and checked-in clients. */
export function TurnTracker({ ymd }: { ymd: string }) {
  const { mutate, role } = useDevice();
  const mayClock = can(role, 'turns.clock');
  const mayAssign = can(role, 'turns.assign');
  const { timeZone } = useStoreRow();
  const providers = useProviders();
  const services = useServices();
  const today = businessDate(new Date().toISOString(), timeZone);
  const turns = useLive((r) => r.list('turn', { where: { businessDate: ymd } }), [ymd]);
  const walkIns = useLive((r) => r.list('walkIn', { where: { businessDate: ymd } }), [ymd]);
  const order = useMemo(() => turnOrder(turns ?? [], providers), [turns, providers]);
  const next = order[0];
  const nameOf = (id: string | null | undefined) =>
    providers.find((p) => p.id === id)?.displayName ?? '';
  const openTickets = useLive((r) => r.list('ticket', { where: { status: 'open' } }), []);
  const atCheckout = (ticketId: string | null | undefined) =>
    !!ticketId && (openTickets ?? []).some((t) => t.id === ticketId);
  const readOnly = ymd !== today;

  return (
    <div className="turns">
      <section aria-label="Turn tracker" className="card">
        <h2>Turn tracker</h2>
        <p aria-live="polite" className="next-up">
          {next ? (
            <>
              Next up: <strong>{nameOf(next.staffId)}</strong>
            </>
          ) : (
            'Nobody is available.'
          )}
        </p>
        {readOnly && <p className="muted">Turns can be changed for today only.</p>}
        <table>
          <thead>
            <tr>
              <th>Technician</th>
              <th>Status</th>
              <th>Turns</th>
              <th>Requests</th>
              <th>Order</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {providers.map((s) => {
              const t = (turns ?? []).find((x) => x.staffId === s.id);
              const pos = order.findIndex((x) => x.staffId === s.id);
              const walk = t?.currentWalkInId
                ? (walkIns ?? []).find((w) => w.id === t.currentWalkInId)
                : undefined;
              const status =
                !t || t.status === 'out'
                  ? 'Clocked out'
                  : t.status === 'busy'
                    ? `Busy${walk ? ` with ${walk.name}` : ''}`
                    : 'Available';
              return (
                <tr key={s.id} aria-label={s.displayName}>
                  <td>{s.displayName}</td>
                  <td>
                    <span
                      className={`pill ${t?.status === 'available' ? 'ok' : t?.status === 'busy' ? 'warn' : ''}`}
                    >
                      {status}
                    </span>
                  </td>
                  <td>{((t?.halfTurns ?? 0) / 2).toFixed(1)}</td>
                  <td aria-label={`Requests of ${s.displayName}`}>{t?.requestTurns ?? 0}</td>
                  <td>{pos >= 0 ? `#${pos + 1}` : '—'}</td>
                  <td className="row wrap">
                    {!readOnly && mayClock && (!t || t.status === 'out') && (
                      <button
                        type="button"
                        aria-label={`Clock in ${s.displayName}`}
                        onClick={() =>
                          void mutate('turn.clockIn', {
                            turnId: newId(),
                            staffId: s.id,
                            eventId: newId(),
                          })
                        }
                      >
                        Clock in
                      </button>
                    )}
                    {!readOnly && mayClock && t?.status === 'available' && (
                      <button
                        type="button"
                        aria-label={`Clock out ${s.displayName}`}
                        onClick={() =>
                          void mutate('turn.clockOut', { staffId: s.id, eventId: newId() })
                        }
                      >
                        Clock out
                      </button>
                    )}
                    {!readOnly &&
                      mayAssign &&
                      t?.status === 'busy' &&
                      atCheckout(walk?.ticketId) && <span className="muted">At checkout</span>}
                    {!readOnly &&
                      mayAssign &&
                      t?.status === 'busy' &&
                      !atCheckout(walk?.ticketId) && (
                        <button
                          type="button"
                          aria-label={`Done ${s.displayName}`}
                          onClick={() =>
                            void mutate('turn.complete', { staffId: s.id, eventId: newId() })
                          }
                        >
                          Done
                        </button>
                      )}
                    {!readOnly && can(role, 'turns.adjust') && t && t.status !== 'out' && (
                      <button
                        type="button"
                        aria-label={`Skip ${s.displayName}`}
                        onClick={() =>
                          void mutate('turn.skip', {
                            staffId: s.id,
                            eventId: newId(),
                            note: 'Skipped at the desk',
                          })
                        }
                      >
                        Skip
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <WalkInQueue ymd={ymd} readOnly={readOnly} providers={providers} services={services} />
      <CheckedInAppointments
        ymd={ymd}
        readOnly={readOnly}
        providers={providers}
        services={services}
      />
    </div>
  );
}
