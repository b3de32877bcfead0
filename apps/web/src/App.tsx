import { useCallback, useState } from 'react';
import { loadSession, signOut, type StoredSession } from './lib/session';
import { DeviceRoot } from './ui/DeviceRoot';
import { SignIn } from './ui/SignIn';

/**
 * Sign-in state machine: signed out → sign in (online) | locked → unlock (password checked
 * against the local verifier, works offline) → the device (sync worker + screens).
 */
export function App() {
  const [session, setSession] = useState<StoredSession | null>(() => loadSession());
  const [unlocked, setUnlocked] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const lock = useCallback((why?: string) => {
    setUnlocked(false);
    setSession(loadSession());
    setMessage(why ?? null);
  }, []);

  if (!session || !unlocked || session.revoked) {
    return (
      <SignIn
        key={session ? 'unlock' : 'signin'}
        existing={session?.revoked ? null : session}
        message={message}
        onSignedIn={(s) => {
          setSession(s);
          setUnlocked(true);
          setMessage(null);
        }}
        onForget={() => {
          void signOut().then(() => {
            setSession(null);
            setMessage(null);
          });
        }}
      />
    );
  }
  return (
    <DeviceRoot
      key={`${session.storeId}:${session.user.id}`}
      session={session}
      onLock={lock}
      onSignedOut={() => {
        setSession(null);
        setUnlocked(false);
      }}
    />
  );
}
