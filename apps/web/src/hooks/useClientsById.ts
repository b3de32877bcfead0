import type { ClientRow } from '@mango/domain/entities';
import { useLive } from './useLive';

/**
 * The clients a screen names (an appointment's, a waitlist entry's), read one key each and kept
 * live. Never the whole list: a store has tens of thousands of clients, and a live query over all
 * of them re-reads every one on the main thread each time a batch of clients lands (the first
 * sync writes them in batches of thousands) — that held a walk-in off the desk for minutes.
 */
export function useClientsById(ids: readonly (string | null | undefined)[]) {
  const unique = [...new Set(ids.filter((id): id is string => !!id))].sort();
  return useLive(
    async (r) =>
      new Map(
        (await Promise.all(unique.map((id) => r.get('client', id)))).flatMap((c) =>
          c ? [[c.id, c] as const] : [],
        ),
      ) as Map<string, ClientRow>,
    [unique.join(',')],
  );
}
