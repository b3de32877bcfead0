import { canTransition } from '@mango/domain/appointments';
import type { AppointmentRow } from '@mango/domain/entities';
import { useState } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';

/** For a booking of a recurring series: cancel it and every later one ("this and following"). */
export function SeriesActions(props: { appt: AppointmentRow; onDone: () => void }) {
  const { mutate } = useDevice();
  const a = props.appt;
  const [confirming, setConfirming] = useState(false);
  // The rule and the list live on the series' first booking (entities.ts AppointmentSeries).
  const first = useLive(
    async (r) => (a.seriesId ? r.get('appointment', a.seriesId) : undefined),
    [a.seriesId],
  );
  if (!a.seriesId || !canTransition(a.status, 'cancelled')) return null;
  const ids = first?.series?.ids ?? [];
  const index = ids.indexOf(a.id);
  const rule = first?.series;
  return (
    <section className="stack" aria-label="Series">
      {rule && index >= 0 && (
        <p>
          ↻ {index + 1} of {ids.length},{' '}
          {rule.everyWeeks === 1 ? 'every week' : `every ${rule.everyWeeks} weeks`}
        </p>
      )}
      {confirming ? (
        <div className="row wrap" role="group" aria-label="Cancel this and following?">
          <span>Cancel this booking and every later one of the series?</span>
          <button type="button" autoFocus onClick={() => setConfirming(false)}>
            Keep them
          </button>
          <button
            type="button"
            className="danger"
            onClick={() =>
              void mutate('appointment.cancelFollowing', { id: a.id }).then(
                (done) => done && props.onDone(),
              )
            }
          >
            Cancel them
          </button>
        </div>
      ) : (
        <div className="row">
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Cancel this and following
          </button>
        </div>
      )}
    </section>
  );
}
