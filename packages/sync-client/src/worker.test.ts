import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { isDomainError } from '@mango/domain/errors';
import { createSyncEngine } from './engine';
import { hostSyncWorker } from './worker-host';
import { connectSyncWorker } from './worker-client';
import type { PortLike } from './worker-protocol';
import {
  alwaysLeader,
  FakeSyncServer,
  freshIdb,
  ownerActor,
  uid,
  waitFor,
} from './test-support/fake-server';
import { seed, STORE_ID } from './test-support/fixtures';
import { isSyncError } from './errors';

const DEVICE = uid(504);
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('worker host/client', () => {
  it('runs the engine behind postMessage: mutate, status, errors, token requests', async () => {
    const srv = new FakeSyncServer(STORE_ID);
    await srv.write(seed);
    const { port1, port2 } = new MessageChannel();
    const tokenRequests: boolean[] = [];
    const host = hostSyncWorker(port1 as unknown as PortLike, (init, getAccessToken) => {
      void getAccessToken({ forceRefresh: true }).then(() => tokenRequests.push(true));
      return createSyncEngine({
        storeId: init.storeId,
        deviceId: init.deviceId,
        actor: init.actor,
        transport: srv.transport(init.deviceId),
        broadcast: null,
        storage: null,
        leaderLock: alwaysLeader(),
        retentionIntervalMs: 0,
        pushDelayMs: 0,
        ...freshIdb(),
      });
    });
    const client = connectSyncWorker(port2 as unknown as PortLike, {
      init: {
        baseUrl: 'http://unused',
        storeId: STORE_ID,
        deviceId: DEVICE,
        actor: ownerActor(DEVICE),
      },
      getAccessToken: async () => 'tok',
    });
    closers.push(async () => {
      client.close();
      await host.close();
      port1.close();
      port2.close();
    });
    await client.essentialsReady;
    await waitFor(() => tokenRequests.length === 1);
    const statuses: string[] = [];
    client.subscribe((s) => statuses.push(s.role));
    expect(
      await client.mutate('client.upsert', { id: uid(41), firstName: 'Kim', lastName: 'Lee' }),
    ).toEqual({ id: 1 });
    await waitFor(() => srv.db.rows('client').length === 1);
    const err = await client.mutate('ticket.close', { ticketId: uid(99) }).catch((e: unknown) => e);
    expect(isDomainError(err) && err.code).toBe('TICKET_NOT_FOUND');
    expect(await client.syncNow()).toEqual({ ok: true });
    await waitFor(() => client.status()?.pendingCount === 0);
    expect(statuses).toContain('leader');
    srv.down = true;
    await client.mutate('client.upsert', { id: uid(42), firstName: 'Lee', lastName: 'Kim' });
    const refused = await client.clearLocalData().catch((e: unknown) => e);
    expect(isSyncError(refused) && refused.code).toBe('UNSYNCED_CHANGES');
  });
});
