import { lazy, Suspense, useCallback, useState } from 'react';
import { loadSession, signOut, type StoredSession } from './lib/session';
import { SignIn } from './ui/SignIn';

// The device (sync engine, local database, screens) is its own chunk: the sign-in page, a new
// device's first screen, paints without waiting for it.
const DeviceRoot = lazy(() => import('./ui/DeviceRoot').then((m) => ({ default: m.DeviceRoot })));

/**
 * Sign-in state machine: signed out or revoked → sign in with the password (online; registers a
 * new device) → the device (sync worker + screens). A signed-in device that reloads or locks
 * opens on the PIN lock screen (inside the device, so sync keeps running); its "Sign in with
 * password" link checks the account's password on the device (works offline).
 */
export function App() {
  const [session, setSession] = useState<StoredSession | null>(() => loadSession());
  /** Just signed in with the password in this page: the account acts, no PIN asked. */
  const [unlocked, setUnlocked] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const withdrawn = useCallback((why?: string) => {
    setUnlocked(false);
    setSession(loadSession());
    setMessage(why ?? null);
  }, []);

  const signedIn = useCallback((s: StoredSession) => {
    setSession(s);
    setUnlocked(true);
    setMessage(null);
  }, []);

  const forget = useCallback(() => {
    void signOut().then(() => {
      setSession(null);
      setUnlocked(false);
      setMessage(null);
    });
  }, []);

  if (!session || session.revoked) {
    return (
      <SignIn
        key="signin"
        existing={null}
        message={message}
        onSignedIn={signedIn}
        onForget={forget}
      />
    );
  }
  return (
    <Suspense fallback={<p className="loading">Loading…</p>}>
      <DeviceRoot
        key={`${session.storeId}:${session.user.id}`}
        session={session}
        unlocked={unlocked}
        onLock={withdrawn}
        onSignedIn={signedIn}
        onForget={forget}
        onSignedOut={() => {
          setSession(null);
          setUnlocked(false);
        }}
      />
    </Suspense>
  );
}
