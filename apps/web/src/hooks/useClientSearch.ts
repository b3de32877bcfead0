import { useEffect, useRef, useState } from 'react';
import type { SearchRequest, SearchResponse } from '../workers/search.worker';
import { useDevice } from './useDevice';

export interface ClientHits {
  ids: string[];
  names: string[];
  phones: string[];
  /** All clients on the device. */
  total: number;
  /** false until the worker has indexed the local clients. */
  ready: boolean;
}

let shared: {
  storeId: string;
  worker: Worker;
  listeners: Set<(m: SearchResponse) => void>;
} | null = null;

function searchWorker(storeId: string) {
  if (shared?.storeId !== storeId) {
    shared?.worker.terminate();
    const worker = new Worker(new URL('../workers/search.worker.ts', import.meta.url), {
      type: 'module',
      name: 'mango-search',
    });
    const listeners = new Set<(m: SearchResponse) => void>();
    worker.onmessage = (ev: MessageEvent<SearchResponse>) => {
      for (const l of listeners) l(ev.data);
    };
    worker.postMessage({ type: 'init', storeId } satisfies SearchRequest);
    shared = { storeId, worker, listeners };
  }
  return shared;
}

let seqCounter = 0;

/** Instant client search: each keystroke is answered by the search worker's in-memory index. */
export function useClientSearch(query: string): ClientHits {
  const { device } = useDevice();
  const [hits, setHits] = useState<ClientHits>({
    ids: [],
    names: [],
    phones: [],
    total: 0,
    ready: false,
  });
  const latest = useRef(0);
  const [version, setVersion] = useState(0);
  const indexed = useRef(false);

  useEffect(() => {
    const w = searchWorker(device.storeId);
    const onMsg = (m: SearchResponse) => {
      if (m.type === 'indexed') {
        indexed.current = true;
        setVersion((v) => v + 1);
      } else if (m.seq === latest.current) {
        const ready = indexed.current;
        setHits({ ids: m.ids, names: m.names, phones: m.phones, total: m.total, ready });
      }
    };
    w.listeners.add(onMsg);
    return () => {
      w.listeners.delete(onMsg);
    };
  }, [device.storeId]);

  useEffect(() => {
    const w = searchWorker(device.storeId);
    const seq = ++seqCounter;
    latest.current = seq;
    w.worker.postMessage({ type: 'search', seq, query } satisfies SearchRequest);
  }, [device.storeId, query, version]);

  return hits;
}
