import { useMemo } from 'react';
import { formatMinutesOfDay, storeLocale } from '../lib/time';
import { useStoreRow } from './useStoreRow';

/** Times on the book in the store's one clock format (12 or 24 hours), in the store's zone. */
export function useStoreClock(): {
  timeZone: string;
  /** An instant's store-local time. */
  clock: (iso: string) => string;
  /** Minutes after store-local midnight. */
  clockOfMinutes: (minutes: number) => string;
} {
  const { timeZone, currency, clock } = useStoreRow();
  return useMemo(() => {
    const locale = storeLocale(currency);
    return {
      timeZone,
      clock,
      clockOfMinutes: (minutes: number) => formatMinutesOfDay(minutes, locale),
    };
  }, [timeZone, currency, clock]);
}
