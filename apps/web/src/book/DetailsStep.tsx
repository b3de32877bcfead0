import { useRef, useState, type FormEvent } from 'react';
import { newId } from '../lib/ids';
import { BackButton } from './BackButton';
import { bookingWhen } from './booking-days';
import {
  createBooking,
  failureText,
  mayHaveGoneThrough,
  takenSlotTimes,
  type Booking,
  type FreeTime,
  type PublicService,
  type PublicStore,
} from './public-api';
import { StepHeading } from './StepHeading';

/**
 * Step 4: who is coming. Submitting books; the page moves on only with the server's 201. A 409
 * SLOT_TAKEN goes back to the times with the fresh ones. The Idempotency-Key is one per filled
 * form: a second tap or a retry after a lost answer sends the same key and books once; any edit
 * makes a new booking attempt with a new key.
 */
export function DetailsStep(props: {
  slug: string;
  store: PublicStore;
  locale: string;
  service: PublicService;
  staffId: string;
  staffName: string;
  time: FreeTime;
  onBooked: (b: { booking: Booking; manageUrl: string }) => void;
  onTaken: (fresh: FreeTime[]) => void;
  onBack: () => void;
}) {
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [note, setNote] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<{ text: string; unsure: boolean } | null>(null);
  const key = useRef<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (sending) return;
    key.current ??= newId();
    setSending(true);
    setError(null);
    try {
      const res = await createBooking(
        props.slug,
        {
          serviceId: props.service.id,
          staffId: props.staffId,
          start: props.time.start,
          client: {
            name: name.trim(),
            phone: phone.trim(),
            ...(email.trim() ? { email: email.trim() } : {}),
          },
          ...(note.trim() ? { note: note.trim() } : {}),
        },
        key.current,
      );
      props.onBooked(res);
    } catch (err) {
      const fresh = takenSlotTimes(err);
      if (fresh) return props.onTaken(fresh);
      setError({ text: failureText(err), unsure: mayHaveGoneThrough(err) });
      setSending(false);
    }
  }

  return (
    <section aria-labelledby="bk-details-h">
      <BackButton onBack={props.onBack} label="Other times" />
      <StepHeading id="bk-details-h">Your details</StepHeading>
      <p className="bk-summary">
        <strong>{props.service.name}</strong> with {props.staffName}
        <br />
        {bookingWhen(props.time.start, props.store.timeZone, props.locale)}
      </p>
      <form
        className="bk-form"
        aria-label="Your details"
        onInput={() => {
          key.current = null;
        }}
        onSubmit={(e) => void submit(e)}
      >
        <label>
          Name
          <input
            type="text"
            autoComplete="name"
            required
            maxLength={120}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Phone
          <input
            type="tel"
            autoComplete="tel"
            required
            maxLength={32}
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
          />
        </label>
        <label>
          Email (optional, for a confirmation)
          <input
            type="email"
            autoComplete="email"
            maxLength={254}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Note for the salon (optional)
          <textarea
            rows={2}
            maxLength={500}
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        </label>
        {error && (
          <p role="alert" className="bk-error">
            {error.unsure
              ? // No answer: the booking may have reached the salon. The same key goes with the
                // retry, so trying again books once or answers the booking already made.
                `Not confirmed: ${error.text} Tap “Book this time” again: you will not be booked twice.`
              : `Not booked: ${error.text}`}
          </p>
        )}
        <button type="submit" className="bk-primary" disabled={sending}>
          {sending ? 'Booking…' : 'Book this time'}
        </button>
      </form>
    </section>
  );
}
