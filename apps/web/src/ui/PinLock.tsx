import type { StaffRow } from '@mango/domain/entities';
import { useDevice } from '../hooks/useDevice';
import { useStaffWithPin } from '../hooks/useStaffWithPin';
import { PinForm } from './PinForm';
import { usePageTitle } from '../hooks/usePageTitle';

/**
 * The locked desk: whoever comes to it picks their name and types their PIN (checked by the
 * server online, by the cached PIN verifiers offline), and the desk opens with them acting. The
 * device keeps syncing meanwhile. The account's password is one link away.
 */
export function PinLock(props: { onUnlocked: (staff: StaffRow) => void; onPassword: () => void }) {
  const { session } = useDevice();
  const people = useStaffWithPin();
  const storeName = session.stores.find((s) => s.id === session.storeId)?.name;
  usePageTitle('Unlock');

  return (
    <main className="signin">
      <h1>
        <span className="logo" aria-hidden="true">
          ◐
        </span>{' '}
        Mango POS
      </h1>
      <section aria-label="Unlock with PIN" className="stack">
        <p className="muted">
          {storeName ? `${storeName}: this` : 'This'} desk is locked. Choose your name and enter
          your PIN.
        </p>
        {people === undefined ? (
          <p className="muted">Loading…</p>
        ) : people.length > 0 ? (
          <PinForm
            staff={people}
            submitLabel="Unlock"
            autoFocusPin
            onVerified={(s) => props.onUnlocked(s)}
          />
        ) : (
          <p role="alert">
            No one has a PIN on this device yet: sign in with the password, then set PINs under
            Team.
          </p>
        )}
        <button type="button" className="link" onClick={props.onPassword}>
          Sign in with password
        </button>
      </section>
    </main>
  );
}
