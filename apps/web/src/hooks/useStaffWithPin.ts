import type { StaffRow } from '@mango/domain/entities';
import { useEffect, useState } from 'react';
import { refreshPinVerifiers, staffIdsWithPin } from '../lib/pins';
import { useDevice } from './useDevice';
import { useLive } from './useLive';

/**
 * Active staff members who have a PIN (as this device last heard from the server), by name;
 * `undefined` while loading. Refreshes the PIN verifiers once when online.
 */
export function useStaffWithPin(): StaffRow[] | undefined {
  const { device } = useDevice();
  const staff = useLive((r) => r.list('staff', { where: { active: true } }), []);
  const [withPin, setWithPin] = useState(() => staffIdsWithPin(device.storeId));
  const [refreshing, setRefreshing] = useState(() => navigator.onLine);
  useEffect(() => {
    let live = true;
    if (navigator.onLine) {
      void refreshPinVerifiers(device).then(() => {
        if (!live) return;
        setWithPin(staffIdsWithPin(device.storeId));
        setRefreshing(false);
      });
    }
    return () => {
      live = false;
    };
  }, [device]);
  // Nothing cached yet: wait for the server's list rather than say that nobody has a PIN.
  if (staff === undefined || (refreshing && withPin.size === 0)) return undefined;
  return staff
    .filter((s) => withPin.has(s.id))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}
