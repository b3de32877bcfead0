/// <reference lib="webworker" />
import {
  createHttpTransport,
  createSyncEngine,
  hostSyncWorker,
  type PortLike,
  type SnapshotTraceEvent,
} from '@mango/sync-client';
import { MAX_PULL_LIMIT } from '@mango/protocol';
import { frontDeskEssentials } from '../lib/essentials';

/**
 * The first sync's steps (request, head, each IndexedDB batch, essentials, end), kept in the
 * worker for the device bench to read (tools/bench/device-side.ts): a few hundred small objects
 * once per device, nothing after the hydration.
 */
const snapshotTrace: SnapshotTraceEvent[] = [];
(self as unknown as { __mangoSnapshotTrace?: SnapshotTraceEvent[] }).__mangoSnapshotTrace =
  snapshotTrace;

// The device's sync engine runs here, off the UI thread (seed plan 2.4). Only the leader (one
// tab per store, Web Locks) pushes, pulls and listens to the poke stream.
hostSyncWorker(self as unknown as PortLike, (init, getAccessToken) =>
  createSyncEngine({
    ...init,
    // Big pages hydrate a large store (50,000 clients) in fewer round trips; the server answers
    // a 5,000-row page about as fast as a 1,000-row one.
    pullLimit: MAX_PULL_LIMIT,
    // The front desk opens on the catalog; the rest arrives behind a progress bar (HydrationBar).
    essentials: frontDeskEssentials,
    onSnapshotTrace: (e) => {
      if (snapshotTrace.length < 2000) snapshotTrace.push(e);
    },
    transport: createHttpTransport({ ...init, getAccessToken }),
  }),
);
