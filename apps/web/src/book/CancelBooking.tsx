import { useState } from 'react';
import { BackButton } from './BackButton';
import { cancelBooking, failureText, type Booking } from './public-api';
import { StepHeading } from './StepHeading';

/** Cancelling asks once more; the booking shows cancelled only after the server said so. */
export function CancelBooking(props: {
  token: string;
  onCancelled: (b: Booking) => void;
  onBack: () => void;
}) {
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function cancel() {
    setSending(true);
    setError(null);
    try {
      const res = await cancelBooking(props.token);
      props.onCancelled(res.booking);
    } catch (e) {
      setError(failureText(e));
      setSending(false);
    }
  }
  return (
    <section aria-labelledby="bk-cancel-h">
      <BackButton onBack={props.onBack} label="Keep my booking" />
      <StepHeading id="bk-cancel-h">Cancel this booking?</StepHeading>
      {error && (
        <p role="alert" className="bk-error">
          Not cancelled: {error}
        </p>
      )}
      <button type="button" className="bk-danger" disabled={sending} onClick={() => void cancel()}>
        {sending ? 'Cancelling…' : 'Yes, cancel it'}
      </button>
    </section>
  );
}
