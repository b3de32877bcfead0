import type { SyncStatus, SyncWorkerClient } from '@mango/sync-client';
import { useEffect, useState } from 'react';

export function useSyncStatus(client: SyncWorkerClient): SyncStatus | null {
  const [status, setStatus] = useState<SyncStatus | null>(() => client.status());
  useEffect(() => client.subscribe(setStatus), [client]);
  return status;
}
