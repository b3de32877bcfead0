/// <reference lib="webworker" />
import type { ClientRow } from '@mango/domain/entities';
import { LocalStore } from '@mango/sync-client';
import { buildIndex, searchIndex, type SearchIndex } from '../lib/search-index';

/**
 * Client search off the main thread (seed plan 2.4): keeps an in-memory index of the store's
 * clients, rebuilt live when they change in IndexedDB, and answers each keystroke's query.
 */
export type SearchRequest =
  { type: 'init'; storeId: string } | { type: 'search'; seq: number; query: string };

export type SearchResponse =
  | { type: 'indexed'; total: number }
  | {
      type: 'result';
      seq: number;
      total: number;
      ids: string[];
      names: string[];
      phones: string[];
    };

const scope = self as unknown as DedicatedWorkerGlobalScope;
let index: SearchIndex = buildIndex([]);
let store: LocalStore | null = null;

scope.onmessage = (ev: MessageEvent<SearchRequest>) => {
  const msg = ev.data;
  if (msg.type === 'init') {
    if (store) return;
    store = new LocalStore(msg.storeId, async () => {
      throw new Error('read-only');
    });
    store
      .live((r) => r.list('client'))
      .subscribe({
        next(clients: ClientRow[]) {
          index = buildIndex(clients);
          scope.postMessage({ type: 'indexed', total: index.ids.length } satisfies SearchResponse);
        },
        error(e: unknown) {
          console.error('client index failed', e);
        },
      });
    return;
  }
  const hits = searchIndex(index, msg.query);
  const res: SearchResponse = {
    type: 'result',
    seq: msg.seq,
    total: index.ids.length,
    ids: hits.map((i) => index.ids[i] as string),
    names: hits.map((i) => index.names[i] as string),
    phones: hits.map((i) => index.phones[i] as string),
  };
  scope.postMessage(res);
};
