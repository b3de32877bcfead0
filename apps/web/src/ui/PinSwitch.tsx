import type { StaffRow } from '@mango/domain/entities';
import { useState, type FormEvent } from 'react';
import { useDevice } from '../hooks/useDevice';
import { useLive } from '../hooks/useLive';
import { verifyPin } from '../lib/pins';
import { Dialog } from './Dialog';

function PinForm(props: {
  staff: StaffRow[];
  submitLabel: string;
  onVerified: (s: StaffRow) => void;
}) {
  const { device } = useDevice();
  const [staffId, setStaffId] = useState(props.staff[0]?.id ?? '');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const person = props.staff.find((s) => s.id === staffId);
    if (!person) return;
    setBusy(true);
    setError(null);
    const res = await verifyPin(device, person.id, pin);
    setBusy(false);
    if (res.ok) props.onVerified(person);
    else {
      setError(res.message);
      setPin('');
    }
  }

  return (
    <form onSubmit={submit} className="stack">
      <label>
        Staff member
        <select value={staffId} onChange={(e) => setStaffId(e.target.value)}>
          {props.staff.map((s) => (
            <option key={s.id} value={s.id}>
              {s.displayName}
            </option>
          ))}
        </select>
      </label>
      <label>
        PIN
        <input
          type="password"
          inputMode="numeric"
          autoComplete="off"
          pattern="\d{4,6}"
          required
          value={pin}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 6))}
        />
      </label>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || !staffId}>
        {busy ? 'Checking…' : props.submitLabel}
      </button>
    </form>
  );
}

/** Quick PIN switch of the acting staff member (online: the server; offline: local verifiers). */
export function PinSwitch(props: { onClose: () => void }) {
  const { acting, setActing, notify } = useDevice();
  const staff = useLive((r) => r.list('staff', { where: { active: true } }), []);
  return (
    <Dialog title="Switch staff member" onClose={props.onClose}>
      {acting && (
        <button
          type="button"
          onClick={() => {
            setActing(null);
            props.onClose();
          }}
        >
          Stop acting as {acting.displayName}
        </button>
      )}
      {staff && staff.length > 0 ? (
        <PinForm
          staff={[...staff].sort((a, b) => a.displayName.localeCompare(b.displayName))}
          submitLabel="Switch"
          onVerified={(s) => {
            setActing(s);
            notify(`${s.displayName} is now at the desk.`);
            props.onClose();
          }}
        />
      ) : (
        <p>No staff yet.</p>
      )}
    </Dialog>
  );
}

/** A manager's PIN approves one protected action (void, refund, comp) for the front desk. */
export function ManagerApproval(props: {
  action: string;
  onApproved: () => void;
  onClose: () => void;
}) {
  const staff = useLive((r) => r.list('staff', { where: { active: true } }), []);
  const managers = (staff ?? []).filter((s) => s.role === 'manager' || s.role === 'owner');
  return (
    <Dialog title="Manager approval" onClose={props.onClose}>
      <p>A manager must approve: {props.action}.</p>
      {managers.length > 0 ? (
        <PinForm staff={managers} submitLabel="Approve" onVerified={() => props.onApproved()} />
      ) : (
        <p>No manager is set up in this store.</p>
      )}
    </Dialog>
  );
}
