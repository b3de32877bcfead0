import { useEffect, useState } from 'react';
import { ApiError } from '../lib/api';
import { fetchStorePage, type StorePage } from './public-api';

export type StorePageState =
  | { state: 'loading' }
  | { state: 'ready'; page: StorePage }
  | { state: 'missing' }
  | { state: 'failed'; retry: () => void };

/** The store's public page (name, services, staff), or why there is none. */
export function useStorePage(slug: string): StorePageState {
  const [attempt, setAttempt] = useState(0);
  const [result, setResult] = useState<StorePageState>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    setResult({ state: 'loading' });
    fetchStorePage(slug).then(
      (page) => live && setResult({ state: 'ready', page }),
      (e: unknown) => {
        if (!live) return;
        // 404 (no such slug) and a store with booking off read the same to a client.
        if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
          setResult({ state: 'missing' });
        } else setResult({ state: 'failed', retry: () => setAttempt((n) => n + 1) });
      },
    );
    return () => {
      live = false;
    };
  }, [slug, attempt]);
  return result;
}
