import type { LocalReader } from '@mango/sync-client';
import { useEffect, useState } from 'react';
import { useDevice } from './useDevice';

/**
 * A live query over the device's local data: re-runs whenever the tables it read change (this
 * tab, another tab or the sync worker). `undefined` until the first answer.
 */
export function useLive<T>(
  query: (r: LocalReader) => Promise<T>,
  deps: readonly unknown[],
): T | undefined {
  const { device } = useDevice();
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    const sub = device.store.live(query).subscribe({
      next: (v) => setValue(() => v),
      error: (e: unknown) => console.error('live query failed', e),
    });
    return () => sub.unsubscribe();
  }, [device, ...deps]);
  return value;
}
