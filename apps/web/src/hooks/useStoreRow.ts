import type { StaffRow, StoreRow } from '@mango/domain/entities';
import { formatMoney } from '@mango/domain/money';
import { useCallback, useMemo } from 'react';
import { useDevice } from './useDevice';
import { useLive } from './useLive';

const FALLBACK_TZ = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The store's settings row plus money formatting in its currency. */
export function useStoreRow(): {
  store: StoreRow | undefined;
  timeZone: string;
  currency: string;
  money: (cents: number) => string;
} {
  const { device } = useDevice();
  const store = useLive((r) => r.get('store', device.storeId), [device.storeId]);
  const currency = store?.currency ?? 'USD';
  const money = useCallback((c: number) => formatMoney(c, currency), [currency]);
  return { store, timeZone: store?.timeZone ?? FALLBACK_TZ, currency, money };
}

/** All staff (active first, by name) and a name lookup. */
export function useStaff(): {
  staff: StaffRow[];
  nameOf: (id: string | null | undefined) => string;
} {
  const rows = useLive((r) => r.list('staff'), []);
  return useMemo(() => {
    const staff = [...(rows ?? [])].sort(
      (a, b) => Number(b.active) - Number(a.active) || a.displayName.localeCompare(b.displayName),
    );
    const byId = new Map(staff.map((s) => [s.id, s.displayName]));
    return { staff, nameOf: (id) => (id ? (byId.get(id) ?? 'Unknown') : '') };
  }, [rows]);
}
