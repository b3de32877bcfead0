import { useStoreRow } from '../../hooks/useStoreRow';
import { OnlineBookingForm } from './OnlineBookingForm';

/** Online booking settings (owner and manager: the Team screen shows the tab to them only). */
export function OnlineBookingTab() {
  const { store } = useStoreRow();
  if (!store) return <p>Loading…</p>;
  // The row is handed down: a fresh live query of its own would be empty on the first render.
  return <OnlineBookingForm key={store.id} store={store} />;
}
