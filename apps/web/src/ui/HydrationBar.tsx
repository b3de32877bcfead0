import type { HydrationProgress } from '@mango/sync-client';

/**
 * Shown under the status bar while the store is still being copied to the device (first sign-in,
 * or a re-hydration): the front desk is already open on the essentials, the rest arrives in the
 * background. Non-blocking; the calendar, search and history fill in live as rows land.
 */
export function HydrationBar(props: { hydration: HydrationProgress }) {
  const { percent, rows, estimatedRows } = props.hydration;
  const count =
    estimatedRows !== undefined && estimatedRows !== null && estimatedRows >= rows
      ? `${rows.toLocaleString('en-US')} of ~${estimatedRows.toLocaleString('en-US')} rows`
      : `${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'}`;
  const text = percent === null ? `${count} copied` : `${percent}% (${count})`;
  return (
    <div className="hydration-bar">
      <span>Copying this store to the device: older history may be incomplete</span>
      <div
        className="meter"
        role="progressbar"
        aria-label="Copying this store"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={text}
      >
        <div
          className={percent === null ? 'fill unknown' : 'fill'}
          style={{ width: `${percent ?? 100}%` }}
        />
      </div>
      <span className="muted">{text}</span>
    </div>
  );
}
