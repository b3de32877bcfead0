import type { StaffRow } from '@mango/domain/entities';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useDevice } from '../hooks/useDevice';
import { verifyPin } from '../lib/pins';

/**
 * Pick a person, type their PIN; checked online by the server (lockout after 5 tries), offline
 * with the device's cached verifiers. Hands back the person and the PIN just verified (an
 * approval signs one mutation with it); the form keeps neither.
 */
export function PinForm(props: {
  staff: StaffRow[];
  submitLabel: string;
  /** Focus the PIN field at once (the lock screen); otherwise the first field gets it. */
  autoFocusPin?: boolean;
  onVerified: (s: StaffRow, pin: string) => void;
}) {
  const { device } = useDevice();
  const [staffId, setStaffId] = useState(props.staff[0]?.id ?? '');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pinRef = useRef<HTMLInputElement>(null);
  const { autoFocusPin } = props;

  useEffect(() => {
    if (autoFocusPin) pinRef.current?.focus();
  }, [autoFocusPin]);

  // The list can change under the form (a live query): keep a valid choice.
  const chosen = props.staff.some((s) => s.id === staffId) ? staffId : (props.staff[0]?.id ?? '');

  async function submit(e: FormEvent) {
    e.preventDefault();
    const person = props.staff.find((s) => s.id === chosen);
    if (!person) return;
    setBusy(true);
    setError(null);
    const typed = pin;
    const res = await verifyPin(device, person.id, typed);
    setBusy(false);
    setPin('');
    if (res.ok) props.onVerified(person, typed);
    else {
      setError(res.message);
      pinRef.current?.focus();
    }
  }

  return (
    <form onSubmit={submit} className="stack">
      <label>
        Staff member
        <select
          value={chosen}
          onChange={(e) => {
            setStaffId(e.target.value);
            pinRef.current?.focus();
          }}
        >
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
          ref={pinRef}
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
      <button type="submit" className="primary" disabled={busy || !chosen}>
        {busy ? 'Checking…' : props.submitLabel}
      </button>
    </form>
  );
}
