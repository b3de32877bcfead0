import type { StaffRow } from '@mango/domain/entities';
import type { Actor } from '@mango/domain/tx';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { DeviceContext, type DeviceContextValue, type MutateOptions } from '../hooks/useDevice';
import { useSyncStatus } from '../hooks/useSyncStatus';
import { connectDevice, type Device } from '../lib/device';
import { refreshPinVerifiers } from '../lib/pins';
import { setReportContext } from '../lib/report-errors';
import { accessToken, loadSession, type StoredSession } from '../lib/session';
import { Shell } from './Shell';

/** Starts the device (sync worker, local reads) for a signed-in session; gates on hydration. */
export function DeviceRoot(props: {
  session: StoredSession;
  onLock: (why?: string) => void;
  onSignedOut: () => void;
}) {
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

function Ready(props: {
  device: Device;
  session: StoredSession;
  onLock: (why?: string) => void;
  onSignedOut: () => void;
}) {
  const { device, session } = props;
  const status = useSyncStatus(device.client);
  const [essentials, setEssentials] = useState(false);
  const [acting, setActing] = useState<StaffRow | null>(null);
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

  const mutate = useCallback(
    async (name: string, args: Record<string, unknown>, opts: MutateOptions = {}) => {
      const override =
        opts.managerApproval === true || acting?.role === 'manager' || acting?.role === 'owner';
      const actor: Actor = {
        userId: device.userId,
        staffId: acting?.id ?? null,
        role: device.role,
        deviceId: device.deviceId,
        ...(override ? { managerOverride: true } : {}),
      };
      try {
        await device.client.mutate(name, args, { actor });
        return true;
      } catch (e) {
        notify(e instanceof Error ? e.message : String(e), 'error');
        return false;
      }
    },
    [device, acting, notify],
  );

  const value = useMemo<DeviceContextValue>(
    () => ({
      device,
      session,
      acting,
      setActing,
      mutate,
      notify,
      isManager: acting
        ? acting.role === 'manager' || acting.role === 'owner'
        : device.role === 'manager' || device.role === 'owner',
    }),
    [device, session, acting, mutate, notify],
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

  return (
    <DeviceContext.Provider value={value}>
      <Shell
        status={status}
        onLock={props.onLock}
        onSignedOut={props.onSignedOut}
        notice={notice}
      />
    </DeviceContext.Provider>
  );
}
