import { isManager } from '@mango/domain/permissions';
import { useStaffWithPin } from '../hooks/useStaffWithPin';
import { Dialog } from './Dialog';
import { PinForm } from './PinForm';

/**
 * A manager's PIN approves one protected action (void, refund, comp, removing a payment) for the
 * front desk. Hands back who approved and the PIN they typed, which signs that one mutation
 * (`mutate(name, args, { approval })`) and is then forgotten.
 */
export function ManagerApproval(props: {
  action: string;
  onApproved: (approval: { staffId: string; pin: string }) => void;
  onClose: () => void;
}) {
  const staff = useStaffWithPin();
  const managers = (staff ?? []).filter((s) => isManager(s.role));
  return (
    <Dialog title="Manager approval" onClose={props.onClose}>
      <p>A manager must approve: {props.action}.</p>
      {staff === undefined ? (
        <p className="muted">Loading…</p>
      ) : managers.length > 0 ? (
        <PinForm
          staff={managers}
          submitLabel="Approve"
          onVerified={(s, pin) => props.onApproved({ staffId: s.id, pin })}
        />
      ) : (
        <p role="alert">No manager with a PIN is set up on this device.</p>
      )}
    </Dialog>
  );
}
