import { isActiveAppointment } from '@mango/domain/appointments';
import type { WaitlistEntryRow } from '@mango/domain/entities';
import { can } from '@mango/domain/permissions';
import {
  activeWaitlist,
  freeSlots,
  hhmmMinutes,
  waitlistOffers,
  workingSpans,
} from '@mango/domain/waitlist';
import { useMemo, useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { useNow } from '../hooks/useNow';
import { useProviders, useServices } from '../hooks/useProviders';
import { useStoreClock } from '../hooks/useStoreClock';
import { newId } from '../lib/ids';
import { localMinutes, localYmd, zonedDayRange, zonedToUtc } from '../lib/time';
import { WaitlistEntry } from './WaitlistEntry';
import { WaitlistForm } from './WaitlistForm';

/**
 * The waitlist beside the book: clients waiting for a time, soonest to expire first, and the
 * ones a free gap of the day shown fits (a cancellation opens one) offered with a Book button.
 */
export function Waitlist({ ymd }: { ymd: string }) {
  const { mutate, role } = useDevice();
  const mayChange = can(role, 'appointments.book');
  const { timeZone, clockOfMinutes } = useStoreClock();
  const providers = useProviders();
  const services = useServices();
  const now = useNow();
  const today = localYmd(now, timeZone);
  const [adding, setAdding] = useState(false);

  const waiting = useLive((r) => r.list('waitlistEntry', { where: { status: 'waiting' } }), []);
  const range = zonedDayRange(ymd, timeZone);
  const appts = useLive(
    (r) => r.list('appointment', { range: { field: 'start', gte: range.start, lt: range.end } }),
    [range.start, range.end],
  );
  const entries = useMemo(() => activeWaitlist(waiting ?? [], today), [waiting, today]);
  const clientIds = [...new Set(entries.map((e) => e.clientId))];
  const names = useLive(
    async (r) =>
      new Map(
        await Promise.all(
          clientIds.map(async (id) => {
            const c = await r.get('client', id);
            return [id, c ? `${c.firstName} ${c.lastName}`.trim() : 'Client'] as const;
          }),
        ),
      ),
    [clientIds.join(',')],
  );

  const offers = useMemo(() => {
    if (ymd < today) return new Map();
    // Today, from the next five-minute mark: a booking is offered at a time the book can show.
    const fromMin =
      ymd === today ? Math.ceil(localMinutes(now.toISOString(), timeZone) / 5) * 5 : 0;
    const slots = providers.flatMap((p) => {
      const busy = (appts ?? [])
        .filter((a) => a.staffId === p.id && isActiveAppointment(a.status))
        .map((a) => ({
          startMin: localMinutes(a.start, timeZone),
          // One that runs past midnight holds the rest of this day.
          endMin: localYmd(a.end, timeZone) > ymd ? 24 * 60 : localMinutes(a.end, timeZone),
        }));
      return freeSlots(p.id, ymd, workingSpans(p, ymd), busy, fromMin);
    });
    return waitlistOffers(entries, slots, services);
  }, [entries, appts, providers, services, ymd, today, now, timeZone]);

  const serviceNames = (ids: readonly string[]) =>
    ids.map((id) => services.find((s) => s.id === id)?.name ?? 'Service').join(' + ');
  const when = (e: WaitlistEntryRow) => {
    const days = e.fromDate === e.toDate ? e.fromDate : `${e.fromDate} to ${e.toDate}`;
    if (!e.windowStart || !e.windowEnd) return days;
    const [from, until] = [e.windowStart, e.windowEnd].map((t) => clockOfMinutes(hhmmMinutes(t)));
    return `${days}, ${from}–${until}`;
  };
  const staffName = (id: string | null | undefined) =>
    providers.find((p) => p.id === id)?.displayName ?? 'anyone';

  return (
    <section aria-label="Waitlist" className="card">
      <div className="row wrap">
        <h2>Waitlist</h2>
        {mayChange && !adding && (
          <button type="button" onClick={() => setAdding(true)}>
            Add to waitlist
          </button>
        )}
      </div>
      {adding && (
        <WaitlistForm
          today={today}
          providers={providers}
          services={services}
          onDone={() => setAdding(false)}
        />
      )}
      <ul className="list" aria-label="Waiting clients">
        {entries.map((entry) => {
          const offer = offers.get(entry.id);
          const clientName = names?.get(entry.clientId) ?? 'Client';
          return (
            <WaitlistEntry
              key={entry.id}
              entry={entry}
              clientName={clientName}
              serviceNames={serviceNames(entry.serviceIds)}
              technician={staffName(entry.staffId)}
              when={when(entry)}
              offer={
                offer ? `${staffName(offer.staffId)} at ${clockOfMinutes(offer.startMin)}` : null
              }
              mayChange={mayChange}
              onBook={() =>
                offer &&
                void mutate('waitlist.book', {
                  id: entry.id,
                  staffId: offer.staffId,
                  start: zonedToUtc(ymd, offer.startMin, timeZone),
                  appointmentIds: entry.serviceIds.map(() => newId()),
                })
              }
              onRemove={() => void mutate('waitlist.remove', { id: entry.id })}
            />
          );
        })}
        {entries.length === 0 && <li className="muted">Nobody is waiting.</li>}
      </ul>
    </section>
  );
}
