import type { PaymentRow } from '@mango/domain/entities';
import type { OfflineReconciliationFlag } from '@mango/domain/offline-payments';

const FLAG_LABEL: Record<OfflineReconciliationFlag, string> = {
  SYNCED_LATE: 'Synced late',
  OVER_DEVICE_CAP: "Over the device's offline limit",
};

const FLAG_HELP: Record<OfflineReconciliationFlag, string> = {
  SYNCED_LATE:
    'This card was taken offline and reached the server more than 24 hours later: check with the card processor that it went through.',
  OVER_DEVICE_CAP:
    'This card was taken offline beyond the device’s offline total: check with the card processor that it went through.',
};

/**
 * What a person must check about an offline card payment the server flagged. Only the server
 * sets the flags; the device shows them once the pull brings them back.
 */
export function ReconciliationBadges(props: {
  flags: readonly OfflineReconciliationFlag[] | undefined;
}) {
  const flags = props.flags ?? [];
  if (flags.length === 0) return null;
  return (
    <>
      {flags.map((f) => (
        <span
          key={f}
          className="pill warn"
          title={FLAG_HELP[f]}
          aria-label={`Check: ${FLAG_LABEL[f]}`}
        >
          {FLAG_LABEL[f] ?? f}
        </span>
      ))}
    </>
  );
}

/** "Taken offline" next to a card payment that has not been flagged (yet). */
export function OfflineMark({ payment }: { payment: Pick<PaymentRow, 'offline'> }) {
  return payment.offline ? <span className="muted"> (taken offline)</span> : null;
}
