import type { StaffRow, StoreRow } from '@mango/domain/entities';
import { formatMoney } from '@mango/domain/money';
import { useCallback, useMemo } from 'react';
import { formatClock, formatDateTime, storeLocale } from '../lib/time';
import { useDevice } from './useDevice';
import { useLive } from './useLive';

const FALLBACK_TZ = Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The store's settings row plus money in its currency, and instants in its zone and its one
 * clock format (the locale follows the currency: lib/time.ts storeLocale).
 */
export function useStoreRow(): {
  store: StoreRow | undefined;
  timeZone: string;
  currency: string;
  money: (cents: number) => string;
  /** "2:30 PM" or "14:30". */
  clock: (iso: string) => string;
  /** "Dec 7, 2026, 2:30 PM" or "7 Dec 2026, 14:30". */
  dateTime: (iso: string) => string;
} {
  const { device } = useDevice();
  const store = useLive((r) => r.get('store', device.storeId), [device.storeId]);
  const currency = store?.currency ?? 'USD';
  const timeZone = store?.timeZone ?? FALLBACK_TZ;
  const money = useCallback((c: number) => formatMoney(c, currency), [currency]);
  const times = useMemo(() => {
    const locale = storeLocale(currency);
    return {
      clock: (iso: string) => formatClock(iso, timeZone, locale),
      dateTime: (iso: string) => formatDateTime(iso, timeZone, locale),
    };
  }, [currency, timeZone]);
  return { store, timeZone, currency, money, ...times };
}

/**
 * All staff (active first, by name) and a name lookup. `loaded` is false until the first read
 * answers: what prints names (a receipt) waits for it rather than print "Unknown".
 */
export function useStaff(): {
  staff: StaffRow[];
  nameOf: (id: string | null | undefined) => string;
  loaded: boolean;
} {
  const rows = useLive((r) => r.list('staff'), []);
  return useMemo(() => {
    const staff = [...(rows ?? [])].sort(
      (a, b) => Number(b.active) - Number(a.active) || a.displayName.localeCompare(b.displayName),
    );
    const byId = new Map(staff.map((s) => [s.id, s.displayName]));
    return {
      staff,
      nameOf: (id) => (id ? (byId.get(id) ?? 'Unknown') : ''),
      loaded: rows !== undefined,
    };
  }, [rows]);
}
