import { useState, type FormEvent } from 'react';
import { SignInError, signIn, unlockOffline, type StoredSession } from '../lib/session';
import { usePageTitle } from '../hooks/usePageTitle';

/**
 * Online sign-in (registers the device the first time) or, from the PIN lock screen of a known
 * session, the account's password (checked on the device, so it works offline).
 */
export function SignIn(props: {
  existing: StoredSession | null;
  message?: string | null;
  onSignedIn: (s: StoredSession) => void;
  onForget: () => void;
  /** Back to the PIN lock screen. */
  onCancel?: () => void;
}) {
  const unlocking = !!props.existing && !props.existing.revoked;
  const [email, setEmail] = useState(props.existing?.user.email ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(props.message ?? null);
  const [busy, setBusy] = useState(false);
  usePageTitle(unlocking ? 'Unlock' : 'Sign in');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s =
        unlocking &&
        props.existing &&
        email.trim().toLowerCase() === props.existing.user.email.toLowerCase()
          ? await unlockOffline(props.existing, password)
          : await signIn(email, password);
      props.onSignedIn(s);
    } catch (err) {
      setError(err instanceof SignInError || err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <h1>
        <span className="logo" aria-hidden="true">
          ◐
        </span>{' '}
        Mango POS
      </h1>
      <form aria-label={unlocking ? 'Unlock' : 'Sign in'} onSubmit={submit}>
        {unlocking && (
          <p className="muted">
            Sign in with the account’s password: the account acts until the desk is locked.
          </p>
        )}
        <label>
          Email
          <input
            type="email"
            value={email}
            required
            onChange={(e) => setEmail(e.target.value)}
            autoComplete="username"
          />
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            required
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : unlocking ? 'Unlock' : 'Sign in'}
        </button>
        {unlocking && props.onCancel && (
          <button type="button" className="link" onClick={props.onCancel}>
            Back to PIN
          </button>
        )}
        {unlocking && (
          <button type="button" className="link" onClick={props.onForget}>
            Sign in as someone else
          </button>
        )}
      </form>
    </main>
  );
}
