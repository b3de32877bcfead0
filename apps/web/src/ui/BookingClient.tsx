import { useState } from 'react';
import { useLive } from '../hooks/useLive';
import { ClientAlerts } from './ClientAlerts';
import { ClientPicker } from './ClientPicker';
import { NewClientForm, type PickedClient } from './NewClientForm';

/** Who a booking is for. Nobody yet is not the same as a walk-in: the desk must say which. */
export type BookingClientChoice =
  { kind: 'undecided' } | { kind: 'walkIn' } | ({ kind: 'client' } & PickedClient);

/**
 * The booking dialog's client: find one, add one right here, or say on purpose that the booking
 * has no client. The chosen client's allergies and notes stay in view while booking.
 */
export function BookingClient(props: {
  value: BookingClientChoice;
  onChange: (v: BookingClientChoice) => void;
}) {
  const [adding, setAdding] = useState(false);
  const picked = props.value.kind === 'client' ? props.value : null;
  const client = useLive(
    async (r) => (picked ? r.get('client', picked.id) : undefined),
    [picked?.id],
  );
  const choose = (c: PickedClient) => {
    setAdding(false);
    props.onChange({ kind: 'client', ...c });
  };

  return (
    <section className="stack booking-client" aria-label="Booking client">
      {props.value.kind === 'walkIn' ? (
        <div className="row">
          <span>
            Client: <strong>Walk-in / no client</strong>
          </span>
          <button type="button" onClick={() => props.onChange({ kind: 'undecided' })}>
            Change client
          </button>
        </div>
      ) : adding ? (
        <NewClientForm onPicked={choose} onCancel={() => setAdding(false)} />
      ) : (
        <>
          <ClientPicker
            value={picked && { id: picked.id, name: picked.name }}
            onChange={(v) => (v ? choose(v) : props.onChange({ kind: 'undecided' }))}
          />
          {!picked && (
            <div className="row wrap">
              <button type="button" onClick={() => setAdding(true)}>
                New client
              </button>
              <button type="button" onClick={() => props.onChange({ kind: 'walkIn' })}>
                Walk-in / no client
              </button>
            </div>
          )}
        </>
      )}
      <ClientAlerts client={client} />
    </section>
  );
}
