import type { StaffRow } from '@mango/domain/entities';
import { cappedRole, isManager } from '@mango/domain/permissions';
import type { Actor } from '@mango/domain/tx';
import { approveWithPin, type Approval } from '@mango/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { DeviceContext, type DeviceContextValue, type MutateOptions } from '../hooks/useDevice';
import { useSyncStatus } from '../hooks/useSyncStatus';
import { setActingStaffForRequests } from '../lib/api';
import { connectDevice, type Device } from '../lib/device';
import { approvalKeyParams, refreshPinVerifiers } from '../lib/pins';
import { setReportContext } from '../lib/report-errors';
import { accessToken, deviceCodeOf, loadSession, type StoredSession } from '../lib/session';
import { PinLock } from './PinLock';
import { Shell } from './Shell';
import { SignIn } from './SignIn';

interface DeviceRootProps {
  session: StoredSession;
  /** Open at once with the signed-in account acting (just signed in with the password). */
  unlocked: boolean;
  /** The server withdrew this session: sign in again with the password. */
  onLock: (why?: string) => void;
  onSignedOut: () => void;
  /** Signed in with a password from the lock screen as another account: a new session. */
  onSignedIn: (s: StoredSession) => void;
  onForget: () => void;
}

/**
 * Starts the device (sync worker, local reads) for a signed-in session; gates on the essentials
 * (the rest of a hydration arrives behind the Shell's progress bar), then on the PIN lock. Locking keeps the device (and its sync) running: only the screens go away.
 */
export function DeviceRoot(props: DeviceRootProps) {
  const { session, onLock } = props;
  const [device, setDevice] = useState<Device | null>(null);

  useEffect(() => {
    const d = connectDevice(session, () =>
      onLock('Your access to this store was withdrawn. Sign in again (unsynced changes are kept).'),
    );
    setDevice(d);
    setReportContext({
      storeId: d.storeId,
      deviceId: d.deviceId,
      token: () => loadSession()?.accessToken ?? null,
    });
    // Tokens refresh when the network is there; a revoked session locks the device.
    if (navigator.onLine) void accessToken(true, () => onLock('Your access was withdrawn.'));
    return () => d.close();
  }, [session, onLock]);

  if (!device) return null;
  return <Ready device={device} {...props} />;
}

/** The approval of one mutation, signed with the approving manager's PIN (then forgotten). */
async function signApproval(
  device: Device,
  name: string,
  args: Record<string, unknown>,
  given: { staffId: string; pin: string },
): Promise<Approval> {
  let params = approvalKeyParams(device.storeId, given.staffId);
  if (!params && navigator.onLine) {
    await refreshPinVerifiers(device);
    params = approvalKeyParams(device.storeId, given.staffId);
  }
  if (!params) {
    const manager = await device.store.get('staff', given.staffId);
    const who = manager?.displayName ?? 'The manager';
    throw new Error(
      `${who} must enter their PIN once online, or set a new PIN, before approving on this device.`,
    );
  }
  return approveWithPin(given.pin, params, {
    storeId: device.storeId,
    deviceId: device.deviceId,
    staffId: given.staffId,
    name,
    args,
  });
}

function Ready(props: DeviceRootProps & { device: Device }) {
  const { device, session } = props;
  const status = useSyncStatus(device.client);
  const [essentials, setEssentials] = useState(false);
  const [acting, setActing] = useState<StaffRow | null>(null);
  const [locked, setLocked] = useState(!props.unlocked);
  const [passwordForm, setPasswordForm] = useState(false);
  const [notice, setNotice] = useState<{ text: string; kind: 'info' | 'error'; at: number } | null>(
    null,
  );

  useEffect(() => {
    let live = true;
    void device.client.essentialsReady.then(() => live && setEssentials(true));
    // A device that hydrated before opens at once from its local data (offline too).
    void device.store.get('store', device.storeId).then((row) => {
      if (row && live)
        void device.store.count('staff').then((n) => n > 0 && live && setEssentials(true));
    });
    void refreshPinVerifiers(device);
    return () => {
      live = false;
    };
  }, [device]);

  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice(null), notice.kind === 'error' ? 8000 : 3500);
    return () => clearTimeout(t);
  }, [notice]);

  const notify = useCallback((text: string, kind: 'info' | 'error' = 'info') => {
    setNotice({ text, kind, at: Date.now() });
  }, []);

  const role = acting ? cappedRole(acting.role, device.role) : device.role;

  // REST calls say who is switched in (x-mango-acting-staff): the server acts with the same
  // capped role as this screen.
  useEffect(() => {
    setActingStaffForRequests(acting?.id ?? null);
    return () => setActingStaffForRequests(null);
  }, [acting]);

  const lock = useCallback(() => {
    setActing(null);
    setPasswordForm(false);
    setLocked(true);
  }, []);

  const mutate = useCallback(
    async (name: string, args: Record<string, unknown>, opts: MutateOptions = {}) => {
      try {
        const approval = opts.approval
          ? await signApproval(device, name, args, opts.approval)
          : undefined;
        const actor: Actor = {
          userId: device.userId,
          staffId: acting?.id ?? null,
          role,
          deviceId: device.deviceId,
          // ticket.open checks its number's code here as the server will (ticket-numbers.ts).
          deviceCode: deviceCodeOf(device.storeId),
          approvedBy: approval?.staffId ?? null,
        };
        await device.client.mutate(name, args, approval ? { actor, approval } : { actor });
        return true;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const code = (e as { code?: unknown } | null)?.code;
        if (!opts.onRefused?.({ code: typeof code === 'string' ? code : 'ERROR', message }))
          notify(message, 'error');
        return false;
      }
    },
    [device, acting, role, notify],
  );

  const value = useMemo<DeviceContextValue>(
    () => ({
      device,
      session,
      acting,
      setActing,
      lock,
      role,
      mutate,
      notify,
      isManager: isManager(role),
    }),
    [device, session, acting, lock, role, mutate, notify],
  );

  if (!essentials) {
    const h = status?.hydration;
    const pct = h?.percent ?? null;
    return (
      <main className="hydrating">
        <h1>Getting this device ready</h1>
        <p>Copying the store to this device so it works offline…</p>
        <progress
          max={100}
          value={pct ?? undefined}
          aria-label="Download progress"
          aria-valuetext={pct === null ? `${h?.rows ?? 0} rows` : `${pct}%`}
        />
        <p aria-live="polite">
          {(h?.rows ?? 0).toLocaleString()} rows{pct === null ? '' : ` · ${pct}%`}
          {status && !status.online ? ' · waiting for the network' : ''}
        </p>
      </main>
    );
  }

  if (locked && passwordForm) {
    return (
      <SignIn
        existing={session}
        onSignedIn={(s) => {
          if (s.user.id === session.user.id && s.storeId === session.storeId) {
            // The account itself acts, until someone locks or switches in by PIN.
            setActing(null);
            setPasswordForm(false);
            setLocked(false);
          } else props.onSignedIn(s);
        }}
        onForget={props.onForget}
        onCancel={() => setPasswordForm(false)}
      />
    );
  }

  return (
    <DeviceContext.Provider value={value}>
      {locked ? (
        <PinLock
          onUnlocked={(staff) => {
            setActing(staff);
            setLocked(false);
          }}
          onPassword={() => setPasswordForm(true)}
        />
      ) : (
        <Shell status={status} onLock={lock} onSignedOut={props.onSignedOut} notice={notice} />
      )}
    </DeviceContext.Provider>
  );
}
