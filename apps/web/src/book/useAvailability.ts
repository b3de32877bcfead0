import { useEffect, useState } from 'react';
import { failureText, fetchAvailability, type FreeTime } from './public-api';

export interface AvailabilityState {
  times: FreeTime[] | null;
  error: string | null;
  reload: () => void;
}

/** The free start times of one day for a service and a technician (or "anyone"). */
export function useAvailability(
  slug: string,
  q: { serviceId: string; staffId: string; date: string } | null,
): AvailabilityState {
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<{
    key: string;
    times: FreeTime[] | null;
    error: string | null;
  }>({ key: '', times: null, error: null });
  const key = q ? `${q.serviceId}|${q.staffId}|${q.date}|${attempt}` : '';
  useEffect(() => {
    if (!q) return;
    let live = true;
    fetchAvailability(slug, q).then(
      (a) => live && setState({ key, times: a.times, error: null }),
      (e: unknown) => live && setState({ key, times: null, error: failureText(e) }),
    );
    return () => {
      live = false;
    };
    // `key` names the query: the object `q` is new on every render.
  }, [slug, key]);
  const current = state.key === key;
  return {
    times: current ? state.times : null,
    error: current ? state.error : null,
    reload: () => setAttempt((n) => n + 1),
  };
}
