/**
 * A batched push sends its read-ahead right behind the statement that takes the store's lock,
 * without waiting for the lock first (push.ts, prefetch.ts): one round trip. It must still read
 * the store as it is once the lock is granted — what a transaction that held the lock committed
 * meanwhile — never as it was when the push arrived.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  technicianAndService,
} from '../test-support/test-app';

interface PushBody {
  lastMutationId: number;
  results: { id: number; status: string; error?: { code: string } }[];
}

describeEachEngine('push: read-ahead behind the lock', (getDb) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeTestApp(getDb());
  });
  afterAll(async () => {
    await app.close();
  });

  it('reads what a transaction holding the lock committed before the push got it', async () => {
    const store = await signupStore(app, 'Ahead');
    const log = new MutationLog(store.deviceId);
    const { staffId, serviceId, mutations } = technicianAndService(log);
    const ticketId = randomUUID();
    const setup = await push(app, store, store.deviceId, [
      ...mutations,
      log.make('ticket.open', { id: ticketId }),
    ]);
    expect(json<PushBody>(setup).results.map((r) => r.status)).toEqual(Array(3).fill('applied'));

    // Another writer holds the store's row lock and, before it lets go, removes the ticket.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = getDb().ownerTransaction(async (sql) => {
      await sql.query('select 1 from stores where id = $1 for update', [store.storeId]);
      locked();
      await released;
      await sql.query('update tickets set deleted = true where store_id = $1 and id = $2', [
        store.storeId,
        ticketId,
      ]);
    });
    await isLocked;
    const pushing = push(app, store, store.deviceId, [
      log.make('ticket.addLine', {
        ticketId,
        lineId: randomUUID(),
        kind: 'service',
        itemId: serviceId,
        staffId,
      }),
    ]);
    // On PostgreSQL the push is now waiting for the lock, its read-ahead sent behind it (on
    // PGlite, transactions run one at a time: it has not started).
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await holder;
    const body = json<PushBody>(await pushing);
    // Read before the lock, the ticket would have been there and the line applied.
    expect(body.results.map((r) => r.error?.code ?? r.status)).toEqual(['TICKET_NOT_FOUND']);
  });
});
