import type { WaitlistEntryRow } from '@mango/domain/entities';

/** One client on the waitlist: what they want, and the free time that fits them, if any. */
export function WaitlistEntry(props: {
  entry: WaitlistEntryRow;
  clientName: string;
  serviceNames: string;
  technician: string;
  /** The days and hours they can come, as the desk reads them. */
  when: string;
  /** "Linh at 2:00 PM" when a free slot of the day fits them. */
  offer: string | null;
  mayChange: boolean;
  onBook: () => void;
  onRemove: () => void;
}) {
  const { entry, clientName, offer } = props;
  return (
    <li aria-label={clientName} style={{ flexWrap: 'wrap' }}>
      <span>
        <strong>{clientName}</strong> — {props.serviceNames} with {props.technician}
        <br />
        <span className="muted">
          {props.when}
          {entry.notes ? ` · ${entry.notes}` : ''}
        </span>
        {offer && (
          <>
            <br />
            <span className="pill ok">Fits: {offer}</span>
          </>
        )}
      </span>
      {props.mayChange && (
        <span className="row">
          {offer && (
            <button
              type="button"
              className="primary"
              aria-label={`Book ${clientName} with ${offer}`}
              onClick={props.onBook}
            >
              Book
            </button>
          )}
          <button
            type="button"
            aria-label={`Remove ${clientName} from the waitlist`}
            onClick={props.onRemove}
          >
            Remove
          </button>
        </span>
      )}
    </li>
  );
}
