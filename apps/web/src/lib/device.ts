import type { Actor } from '@mango/domain/tx';
import { connectSyncWorker, LocalStore, type SyncWorkerClient } from '@mango/sync-client';
import { accessToken, currentRole, deviceCodeOf, type StoredSession } from './session';

/** One signed-in device: the sync worker (writes) and a read-only view of the local store. */
export interface Device {
  storeId: string;
  deviceId: string;
  userId: string;
  role: Actor['role'];
  client: SyncWorkerClient;
  store: LocalStore;
  close(): void;
}

const readOnly = async () => {
  throw new Error('The UI thread reads only; changes go through the sync worker.');
};

export function connectDevice(session: StoredSession, onRevoked: () => void): Device {
  const role = currentRole(session);
  const worker = new Worker(new URL('../workers/sync.worker.ts', import.meta.url), {
    type: 'module',
    name: 'mango-sync',
  });
  const client = connectSyncWorker(worker, {
    init: {
      baseUrl: location.origin,
      storeId: session.storeId,
      deviceId: session.deviceId,
      actor: {
        userId: session.user.id,
        staffId: null,
        role,
        deviceId: session.deviceId,
        // So the device's own run of ticket.open checks its numbers as the server will.
        deviceCode: deviceCodeOf(session.storeId),
      },
    },
    getAccessToken: ({ forceRefresh }) => accessToken(forceRefresh, onRevoked),
  });
  const store = new LocalStore(session.storeId, readOnly);

  const online = () => {
    void client.setOnline(true);
    void client.nudge('online');
  };
  const offline = () => void client.setOnline(false);
  const focus = () => void client.nudge('focus');
  const visible = () => {
    if (document.visibilityState === 'visible') void client.nudge('visible');
  };
  window.addEventListener('online', online);
  window.addEventListener('offline', offline);
  window.addEventListener('focus', focus);
  document.addEventListener('visibilitychange', visible);

  return {
    storeId: session.storeId,
    deviceId: session.deviceId,
    userId: session.user.id,
    role,
    client,
    store,
    close() {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      window.removeEventListener('focus', focus);
      document.removeEventListener('visibilitychange', visible);
      client.close();
      worker.terminate();
      store.close();
    },
  };
}
