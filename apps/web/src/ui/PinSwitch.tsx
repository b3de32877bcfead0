import { useDevice } from '../hooks/useDevice';
import { useStaffWithPin } from '../hooks/useStaffWithPin';
import { Dialog } from './Dialog';
import { PinForm } from './PinForm';

/**
 * Quick PIN switch of the person at the desk (online: the server; offline: local verifiers).
 * Stopping locks the desk: it never falls back to the signed-in account's role.
 */
export function PinSwitch(props: { onClose: () => void }) {
  const { acting, setActing, lock, notify } = useDevice();
  const staff = useStaffWithPin();
  return (
    <Dialog title="Switch staff member" onClose={props.onClose}>
      {acting && (
        <button
          type="button"
          onClick={() => {
            props.onClose();
            lock();
          }}
        >
          Stop acting as {acting.displayName}
        </button>
      )}
      {staff === undefined ? (
        <p className="muted">Loading…</p>
      ) : staff.length > 0 ? (
        <PinForm
          staff={staff}
          submitLabel="Switch"
          onVerified={(s) => {
            setActing(s);
            notify(`${s.displayName} is now at the desk.`);
            props.onClose();
          }}
        />
      ) : (
        <p>No one has a PIN on this device yet.</p>
      )}
    </Dialog>
  );
}
