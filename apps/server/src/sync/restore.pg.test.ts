/**
 * A point-in-time restore must not lose a sale that a device had already synced: the device keeps
 * the mutations the server acknowledged, notices the restored server is behind (its epoch and its
 * lastMutationId went back) and pushes them again with the same ids, so each takes effect exactly
 * once. The REAL device sync engine (fake-indexeddb) against the REAL app over a PGlite database
 * that is snapshotted and brought back, like a base backup restored to a point in time. (On
 * PostgreSQL the restore itself is exercised by `npm run drill:recovery`; the SQL here is the same.)
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { PaymentRow, TicketRow } from '@mango/domain/entities';
import type { FetchLike, SyncEngine } from '@mango/sync-client';
import { afterEach, expect, it } from 'vitest';
import { createPglite, wrapPglite } from '../db/db-pglite';
import { migrate } from '../db/migrate';
import { silentEventStream, injectRequest, startTestEngine } from '../test-support/device-engine';
import { makeTestApp, pullAll, signupStore, type TestStore } from '../test-support/test-app';
import { rotateSyncEpochs } from './sync-epoch';

/** The server the devices talk to; swapped for the restored one mid-test. */
const current: { app: FastifyInstance | null } = { app: null };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const fetchCurrent: FetchLike = async (input, init) => {
  if (input.includes('/sync/events')) return silentEventStream(init);
  if (!current.app) throw new TypeError('fetch failed (server down)');
  return (await injectRequest(current.app, input, init)).response;
};

async function startServer(dump?: Blob | File) {
  const instance = await createPglite(dump ? { loadDataDir: dump } : {});
  const db = wrapPglite(instance);
  await migrate(db);
  const app = await makeTestApp(db);
  current.app = app;
  let stopped = false;
  return {
    db,
    app,
    snapshot: () => instance.dumpDataDir('none'),
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await db.close();
      if (current.app === app) current.app = null;
    },
  };
}

async function makeEngine(store: TestStore, deviceId: string): Promise<SyncEngine> {
  const engine = await startTestEngine(store, deviceId, fetchCurrent);
  closers.push(async () => engine.stop());
  return engine;
}

async function syncUntilQuiet(engine: SyncEngine): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const result = await engine.syncNow();
    if (result.ok && (await engine.store.unsyncedCount()) === 0) return;
  }
  throw new Error(`device did not sync: ${JSON.stringify(engine.status())}`);
}

/** A cash sale of one service: open, line, payment, close (4 mutations). */
async function sell(engine: SyncEngine, catalog: { staffId: string; serviceId: string }) {
  const ticketId = randomUUID();
  const paymentId = randomUUID();
  await engine.mutate('ticket.open', { id: ticketId });
  await engine.mutate('ticket.addLine', {
    ticketId,
    lineId: randomUUID(),
    kind: 'service',
    itemId: catalog.serviceId,
    staffId: catalog.staffId,
  });
  await engine.mutate('ticket.addPayment', {
    ticketId,
    paymentId,
    method: 'cash',
    amountCents: 4000,
  });
  await engine.mutate('ticket.close', { ticketId });
  return { ticketId, paymentId };
}

it('after a restore to before a synced sale, the device pushes it again and it takes effect once', async () => {
  const first = await startServer();
  closers.push(first.stop);
  const store = await signupStore(first.app, 'Restore');
  const engine = await makeEngine(store, store.deviceId);
  await syncUntilQuiet(engine); // the store row arrives: mutators need it
  const catalog = { staffId: randomUUID(), serviceId: randomUUID() };
  await engine.mutate('staff.upsert', {
    id: catalog.staffId,
    displayName: 'Linh',
    role: 'technician',
    active: true,
  });
  await engine.mutate('service.upsert', {
    id: catalog.serviceId,
    name: 'Gel Manicure',
    durationMin: 45,
    priceCents: 4000,
    taxable: false,
  });
  const before = await sell(engine, catalog);
  await syncUntilQuiet(engine);

  // The nightly base backup: everything up to here survives the restore.
  const backup = await first.snapshot();

  // After the backup: a sale and a client, synced and acknowledged (the outbox is empty)…
  const after = await sell(engine, catalog);
  const clientId = randomUUID();
  await engine.mutate('client.upsert', { id: clientId, firstName: 'Mai', lastName: 'Pham' });
  await syncUntilQuiet(engine);
  expect(await engine.store.outboxCount()).toBe(0);
  const ackedBefore = (await engine.store.readMeta()).ackedMutationId;
  expect(ackedBefore).toBe(11);

  // …then the database is lost and restored from the backup; the operator runs
  // `admin new-sync-epoch` before the servers take traffic again.
  await first.stop();
  const restored = await startServer(backup);
  closers.push(restored.stop);
  expect(await rotateSyncEpochs(restored.db)).toBe(1);
  const lostOnServer = await pullAll(restored.app, store, store.deviceId);
  expect(lostOnServer.replica.has(`ticket:${after.ticketId}`)).toBe(false);

  await syncUntilQuiet(engine);

  // The server has both sales, each once, and the client; the device agrees with it.
  const server = await pullAll(restored.app, store, store.deviceId);
  expect(server.lastMutationId).toBe(ackedBefore);
  const tickets = [...server.replica.entries()].filter(([k]) => k.startsWith('ticket:'));
  expect(tickets.map(([k]) => k).sort()).toEqual(
    [`ticket:${before.ticketId}`, `ticket:${after.ticketId}`].sort(),
  );
  for (const [, row] of tickets) expect((row.data as TicketRow).status).toBe('closed');
  const payments = [...server.replica.values()]
    .map((r) => r.data as PaymentRow)
    .filter((d) => d.id === before.paymentId || d.id === after.paymentId);
  expect(payments).toHaveLength(2);
  expect(server.replica.has(`client:${clientId}`)).toBe(true);
  const onDevice = (await engine.store.get('ticket', after.ticketId)) as TicketRow | undefined;
  expect(onDevice?.status).toBe('closed');
  expect(onDevice?.paidCents).toBe(4000);
  expect(await engine.store.unsyncedCount()).toBe(0);
  expect((await engine.store.readMeta()).epoch).toMatch(/^[0-9a-f-]{36}$/);
});

it('a device that only pulled after the restore point hydrates again instead of skipping versions', async () => {
  const first = await startServer();
  closers.push(first.stop);
  const store = await signupStore(first.app, 'RestoreReader');
  const writer = await makeEngine(store, store.deviceId);
  const readerId = randomUUID();
  const reg = await first.app.inject({
    method: 'POST',
    url: `/api/v1/stores/${store.storeId}/devices`,
    headers: store.auth,
    payload: { deviceId: readerId, name: 'Back office' },
  });
  expect(reg.statusCode).toBe(201);
  const reader = await makeEngine(store, readerId);
  await writer.mutate('client.upsert', { id: randomUUID(), firstName: 'An', lastName: 'Le' });
  await syncUntilQuiet(writer);
  await syncUntilQuiet(reader);
  const backup = await first.snapshot();

  // Lost by the restore: three clients the reader has already pulled.
  const lost = [randomUUID(), randomUUID(), randomUUID()];
  for (const id of lost)
    await writer.mutate('client.upsert', { id, firstName: 'X', lastName: 'Y' });
  await syncUntilQuiet(writer);
  await syncUntilQuiet(reader);
  expect(await reader.store.get('client', lost[0]!)).toBeDefined();
  await writer.stop();

  await first.stop();
  const restored = await startServer(backup);
  closers.push(restored.stop);
  await rotateSyncEpochs(restored.db, store.storeId);
  // The writer, restored to its state at the backup, writes again on the restored server: new
  // rows take the versions the reader had already seen rows of the lost history under.
  const fresh = randomUUID();
  for (const [i, id] of [fresh, randomUUID(), randomUUID(), randomUUID(), randomUUID()].entries()) {
    const res = await restored.app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/sync/push`,
      headers: store.auth,
      payload: {
        deviceId: store.deviceId,
        schemaVersion: 1,
        mutations: [
          {
            id: 2 + i,
            name: 'client.upsert',
            args: { id, firstName: 'Nu', lastName: `Vo ${i}` },
            clientTime: new Date().toISOString(),
          },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
  }
  // Only the epoch tells the reader's cursor apart: the restored store has reached it again.
  const readerCursor = (await reader.store.readMeta()).cursor;
  const serverNow = await pullAll(restored.app, store, store.deviceId);
  expect(serverNow.cursor).toBeGreaterThanOrEqual(readerCursor);

  await syncUntilQuiet(reader);
  // The reader sees the new client and no longer shows the ones the restore lost.
  expect(await reader.store.get('client', fresh)).toBeDefined();
  for (const id of lost) expect(await reader.store.get('client', id)).toBeUndefined();
});
