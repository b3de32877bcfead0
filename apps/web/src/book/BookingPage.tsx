import { useState } from 'react';
import { usePageTitle } from '../hooks/usePageTitle';
import { storeLocale } from '../lib/time';
import { BookedStep } from './BookedStep';
import { DetailsStep } from './DetailsStep';
import { NotLoaded } from './NotLoaded';
import type { Booking, FreeTime } from './public-api';
import { ServiceStep } from './ServiceStep';
import { StaffStep } from './StaffStep';
import { StoreHeader } from './StoreHeader';
import { TimeStep } from './TimeStep';
import { useStorePage } from './useStorePage';

/**
 * /book/{slug}: service → technician or anyone → day and free time → contact → booked. Each
 * choice is kept while the client goes back; "Booked" shows only after the server's 201.
 */
export function BookingPage({ slug }: { slug: string }) {
  const loaded = useStorePage(slug);
  const [serviceId, setServiceId] = useState<string | null>(null);
  const [staffId, setStaffId] = useState<string | null>(null);
  const [date, setDate] = useState<string | null>(null);
  const [time, setTime] = useState<FreeTime | null>(null);
  /** The times a 409 SLOT_TAKEN answered with: the slot just went to someone else. */
  const [taken, setTaken] = useState<FreeTime[] | null>(null);
  const [booked, setBooked] = useState<{ booking: Booking; manageUrl: string } | null>(null);
  usePageTitle(loaded.state === 'ready' ? `Book at ${loaded.page.store.name}` : 'Book online');

  if (loaded.state !== 'ready') {
    return (
      <NotLoaded
        loaded={loaded}
        missing={{
          title: 'Online booking is not available',
          text: 'This salon does not take bookings online at this address. Please call the salon.',
        }}
        failedTitle="Could not load the booking page"
      />
    );
  }

  const { store, services, staff } = loaded.page;
  const locale = storeLocale(store.currency);
  const service = services.find((s) => s.id === serviceId) ?? null;
  const staffName =
    staffId === null ? null : (staff.find((s) => s.id === staffId)?.displayName ?? 'Anyone');

  let body;
  if (booked) {
    body = (
      <BookedStep
        booking={booked.booking}
        manageUrl={booked.manageUrl}
        timeZone={store.timeZone}
        locale={locale}
      />
    );
  } else if (!service) {
    body = (
      <ServiceStep
        services={services}
        currency={store.currency}
        locale={locale}
        onPick={(id) => setServiceId(id)}
      />
    );
  } else if (staffId === null) {
    body = <StaffStep staff={staff} onPick={setStaffId} onBack={() => setServiceId(null)} />;
  } else if (!time) {
    body = (
      <TimeStep
        slug={slug}
        store={store}
        locale={locale}
        serviceId={service.id}
        staffId={staffId}
        date={date}
        taken={taken}
        onDate={(d) => {
          setDate(d);
          setTaken(null);
        }}
        onPick={setTime}
        onBack={() => setStaffId(null)}
      />
    );
  } else {
    body = (
      <DetailsStep
        slug={slug}
        store={store}
        locale={locale}
        service={service}
        staffId={staffId}
        staffName={staffName ?? 'Anyone'}
        time={time}
        onBooked={(b) => setBooked(b)}
        onTaken={(fresh) => {
          setTaken(fresh);
          setTime(null);
        }}
        onBack={() => setTime(null)}
      />
    );
  }
  return (
    <main className="bk">
      <StoreHeader store={store} />
      {body}
    </main>
  );
}
