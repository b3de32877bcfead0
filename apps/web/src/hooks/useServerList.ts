import { useEffect, useState } from 'react';
import { loadSession } from '../lib/session';
import { useDevice } from './useDevice';

/**
 * A list only the server has (not synced to the device), loaded on mount and on `reload`. The
 * messages name what is missing when signed out or offline, in the screen's own words.
 */
export function useServerList<T>(
  fetchItems: (token: string, storeId: string) => Promise<{ items: T[] }>,
  words: { signedOut: string; offline: string },
): {
  items: T[] | null;
  error: string | null;
  setError: (message: string | null) => void;
  reload: () => void;
} {
  const { device } = useDevice();
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () => {
    const token = loadSession()?.accessToken;
    if (!token) return setError(words.signedOut);
    fetchItems(token, device.storeId)
      .then((r) => {
        setItems(r.items);
        setError(null);
      })
      .catch((e: unknown) => setError(e instanceof TypeError ? words.offline : String(e)));
  };
  useEffect(reload, [device.storeId]);
  return { items, error, setError, reload };
}
