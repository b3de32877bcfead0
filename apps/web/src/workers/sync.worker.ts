/// <reference lib="webworker" />
import {
  createHttpTransport,
  createSyncEngine,
  hostSyncWorker,
  type PortLike,
} from '@mango/sync-client';

// The device's sync engine runs here, off the UI thread (seed plan 2.4). Only the leader (one
// tab per store, Web Locks) pushes, pulls and listens to the poke stream.
hostSyncWorker(self as unknown as PortLike, (init, getAccessToken) =>
  createSyncEngine({
    ...init,
    transport: createHttpTransport({ ...init, getAccessToken }),
  }),
);
