import { describe, expect, it } from 'vitest';
import { Dexie } from 'dexie';
import { isDomainError } from '@mango/domain/errors';
import { ACKED_RETENTION_MAX, LocalStore } from './local-store';
import {
  CURRENT_SCHEMA_VERSION,
  databaseName,
  SCHEMA_V1,
  SCHEMA_V3,
  SCHEMA_V4,
  SCHEMA_V5,
  indexKeys,
  toViewRecord,
  UNSTAMPED_ROWS_KEY,
} from './local-db';
import { freshIdb, ownerActor, uid } from './test-support/fake-server';
import { STORE_ID, storeRow, ana, manicure } from './test-support/fixtures';
import { applyMutation } from '@mango/domain';
import type { PullResponse } from '@mango/protocol';

const DEVICE = uid(500);
const actor = ownerActor(DEVICE);
const T = '2026-11-24T15:00:00.000Z';

async function openStore(idb = freshIdb()) {
  const store = new LocalStore(STORE_ID, applyMutation, idb);
  await store.open();
  return { store, idb };
}

/** Puts rows as if pulled from the server (cursor 0 → 3). */
async function seedFromServer(store: LocalStore) {
  const rows = [
    { entity: 'store', data: storeRow },
    { entity: 'staff', data: ana },
    { entity: 'service', data: manicure },
  ];
  await store.beginHydration();
  await store.applyPullPage(
    {
      cursor: 3,
      hasMore: false,
      lastMutationId: 0,
      rejections: [],
      changes: rows.map((r, i) => ({
        entity: r.entity,
        id: r.data.id,
        version: i + 1,
        deleted: false,
        data: r.data as unknown as Record<string, unknown>,
      })),
    },
    T,
  );
}

const client = (n: number, phone?: string) => ({
  name: 'client.upsert',
  args: { id: uid(n), firstName: `C${n}`, lastName: 'X', ...(phone ? { phone } : {}) },
  actor,
  clientTime: T,
});

describe('local store', () => {
  it('stores a mutation in the outbox and the view in one step', async () => {
    const { store } = await openStore();
    await seedFromServer(store);
    const id = await store.enqueue(client(41, '555-0101'));
    expect(id).toBe(1);
    expect(await store.get('client', uid(41))).toMatchObject({ firstName: 'C41' });
    const outbox = await store.outbox();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({
      id: 1,
      name: 'client.upsert',
      touched: [['client', uid(41)]],
    });
    expect(await store.unsyncedCount()).toBe(1);
  });

  it('a locally rejected mutation stores nothing and consumes no id', async () => {
    const { store } = await openStore();
    await seedFromServer(store);
    await store.enqueue(client(41));
    const err = await store
      .enqueue({
        name: 'ticket.addLine',
        args: { ticketId: uid(99), lineId: uid(98), kind: 'service', itemId: manicure.id },
        actor,
        clientTime: T,
      })
      .catch((e: unknown) => e);
    expect(isDomainError(err) && err.code).toBe('TICKET_NOT_FOUND');
    expect((await store.outbox()).map((m) => m.id)).toEqual([1]);
    expect(await store.enqueue(client(42))).toBe(2);
  });

  it('rolls back the view writes of a mutator that throws half-way', async () => {
    const idb = freshIdb();
    const store = new LocalStore(
      STORE_ID,
      async (ctx, name) => {
        await ctx.tx.put('client', { id: uid(77), firstName: 'half', lastName: '' });
        if (name === 'fail') throw new Error('boom');
      },
      idb,
    );
    await store.open();
    await expect(store.enqueue({ name: 'fail', args: {}, actor, clientTime: T })).rejects.toThrow(
      'boom',
    );
    expect(await store.get('client', uid(77))).toBeUndefined();
    expect(await store.outboxCount()).toBe(0);
    expect(await store.enqueue({ name: 'ok', args: {}, actor, clientTime: T })).toBe(1);
  });

  it('keeps the id counter strictly increasing across restarts', async () => {
    const idb = freshIdb();
    const a = (await openStore(idb)).store;
    await seedFromServer(a);
    expect(await a.enqueue(client(41))).toBe(1);
    expect(await a.enqueue(client(42))).toBe(2);
    a.close();
    const b = (await openStore(idb)).store;
    expect(await b.enqueue(client(43))).toBe(3);
    // the server handled 1..3 and the outbox was emptied: ids still never go back
    await b.applyPullPage(
      { cursor: 3, hasMore: false, lastMutationId: 3, changes: [], rejections: [] },
      T,
    );
    expect(await b.outboxCount()).toBe(0);
    b.close();
    const c = (await openStore(idb)).store;
    expect(await c.enqueue(client(44))).toBe(4);
  });

  it('allocates unique, gap-free ids from two instances sharing one IndexedDB', async () => {
    const idb = freshIdb();
    const a = (await openStore(idb)).store;
    await seedFromServer(a);
    const b = (await openStore(idb)).store;
    const ids = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).enqueue(client(100 + i))),
    );
    expect([...ids].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await a.outbox()).map((m) => m.id)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  it('answers list queries through the indexes (boolean, range) and without (phone, null)', async () => {
    const { store } = await openStore();
    await seedFromServer(store);
    await store.enqueue(client(41, '555-0101'));
    await store.enqueue(client(42, '555-0102'));
    await store.enqueue(client(43));
    expect((await store.list('client', { where: { phone: '555-0102' } })).map((c) => c.id)).toEqual(
      [uid(42)],
    );
    expect((await store.list('client', { where: { phone: null } })).map((c) => c.id)).toEqual([
      uid(43),
    ]);
    expect(await store.count('staff', { where: { active: true } })).toBe(1);
    expect(await store.count('staff', { where: { active: false } })).toBe(0);
    expect(await store.count('client')).toBe(3);
    await store.applyPullPage(
      {
        cursor: 10,
        hasMore: false,
        lastMutationId: 0,
        rejections: [],
        changes: ['2026-11-24T14:00:00Z', '2026-11-24T16:00:00Z', '2026-11-25T10:00:00Z'].map(
          (start, i) => ({
            entity: 'appointment',
            id: uid(60 + i),
            version: 5 + i,
            deleted: false,
            data: {
              id: uid(60 + i),
              staffId: ana.id,
              serviceId: manicure.id,
              start,
              end: start,
              durationMin: 30,
              status: 'booked',
              conflict: false,
            },
          }),
        ),
      },
      T,
    );
    const today = await store.list('appointment', {
      range: { field: 'start', gte: '2026-11-24T00:00:00Z', lt: '2026-11-25T00:00:00Z' },
    });
    expect(today.map((a) => a.id)).toEqual([uid(60), uid(61)]);
    // the query planner really uses the index: the multiEntry key exists
    const viaIndex = await store.db.view.where('ix').equals(['staff', 'active', 1]).toArray();
    expect(viaIndex.map((r) => r.id)).toEqual([ana.id]);
    // a field of DEVICE_UNINDEXED_FIELDS has no key; its queries above answered from the rows
    expect(await store.db.view.where('ix').equals(['client', 'phone', '555-0101']).count()).toBe(0);
  });

  it('retention removes old synced tickets and appointments but keeps anything pending', async () => {
    const { store } = await openStore();
    await seedFromServer(store);
    const old = '2026-01-10T12:00:00.000Z';
    const ticket = (n: number, status: string) => ({
      entity: 'ticket',
      id: uid(n),
      version: n,
      deleted: false,
      data: {
        id: uid(n),
        status,
        openedAt: old,
        closedAt: status === 'closed' ? old : null,
        voidedAt: status === 'voided' ? old : null,
        subtotalCents: 0,
        discountCents: 0,
        taxCents: 0,
        totalCents: 0,
        tipCents: 0,
        paidCents: 0,
        changeCents: 0,
        refundedCents: 0,
      },
    });
    await store.applyPullPage(
      {
        cursor: 20,
        hasMore: false,
        lastMutationId: 0,
        rejections: [],
        changes: [
          ticket(10, 'closed'),
          ticket(11, 'voided'),
          ticket(12, 'closed'), // referenced by a pending mutation below
          ticket(13, 'open'),
          {
            entity: 'ticketLine',
            id: uid(14),
            version: 14,
            deleted: false,
            data: { id: uid(14), ticketId: uid(10) },
          },
          {
            entity: 'payment',
            id: uid(15),
            version: 15,
            deleted: false,
            data: { id: uid(15), ticketId: uid(10) },
          },
          {
            entity: 'appointment',
            id: uid(16),
            version: 16,
            deleted: false,
            data: { id: uid(16), start: old, end: old, status: 'completed' },
          },
          {
            entity: 'appointment',
            id: uid(17),
            version: 17,
            deleted: false,
            data: {
              id: uid(17),
              start: '2026-11-20T10:00:00Z',
              end: '2026-11-20T10:30:00Z',
              status: 'booked',
            },
          },
        ],
      },
      T,
    );
    // A pending mutation that refers to ticket 12 (e.g. a refund queued offline).
    await store.db.outbox.add({
      id: 1,
      name: 'ticket.refund',
      args: { ticketId: uid(12) },
      clientTime: T,
      actor,
      touched: [],
    });
    const result = await store.runRetention(Date.parse(T), 90);
    expect(result).toEqual({
      tickets: 2,
      ticketLines: 1,
      payments: 1,
      refunds: 0,
      appointments: 1,
    });
    expect(await store.get('ticket', uid(10))).toBeUndefined();
    expect(await store.db.view.get(['ticket', uid(10)])).toBeUndefined();
    expect(await store.get('payment', uid(15))).toBeUndefined();
    expect(await store.get('ticket', uid(12))).toBeDefined();
    expect(await store.get('ticket', uid(13))).toBeDefined();
    expect(await store.get('appointment', uid(17))).toBeDefined();
  });

  it('retention runs in small transactions: a write issued meanwhile lands before it ends', async () => {
    const { store } = await openStore();
    await seedFromServer(store);
    const old = '2026-01-10T12:00:00.000Z';
    const changes = [];
    for (let n = 0; n < 12; n++) {
      const id = uid(1000 + n);
      changes.push(
        {
          entity: 'ticket',
          id,
          version: 10 + 3 * n,
          deleted: false,
          data: { id, status: n % 4 === 3 ? 'voided' : 'closed', openedAt: old, closedAt: old },
        },
        {
          entity: 'ticketLine',
          id: uid(2000 + n),
          version: 11 + 3 * n,
          deleted: false,
          data: { id: uid(2000 + n), ticketId: id },
        },
        {
          entity: 'appointment',
          id: uid(3000 + n),
          version: 12 + 3 * n,
          deleted: false,
          data: { id: uid(3000 + n), start: old, end: old, status: 'completed' },
        },
      );
    }
    const recent = '2026-11-20T12:00:00.000Z';
    changes.push({
      entity: 'ticket',
      id: uid(1100),
      version: 99,
      deleted: false,
      data: { id: uid(1100), status: 'closed', openedAt: recent, closedAt: recent },
    });
    await store.applyPullPage(
      { cursor: 100, hasMore: false, lastMutationId: 0, rejections: [], changes },
      T,
    );
    // Between chunks: count them, and at the second pause queue a mutation that refers to a
    // ticket of a later chunk (a refund queued while retention runs) and a walk-in's write.
    let pauses = 0;
    let written: number | null = null;
    const lateTicket = uid(1000 + 11);
    const result = await store.runRetention(Date.parse(T), 90, {
      chunkSize: 5,
      pause: async () => {
        pauses += 1;
        if (pauses === 2) {
          written = await store.enqueue(client(41));
          await store.db.outbox.put({
            id: 99,
            name: 'ticket.refund',
            args: { ticketId: lateTicket },
            clientTime: T,
            actor,
            touched: [],
          });
        }
      },
    });
    // 12 tickets in chunks of 5 (3) + 12 appointments in chunks of 5 (3): 6 transactions.
    expect(pauses).toBe(5);
    expect(written).toBe(1);
    expect(await store.get('client', uid(41))).toMatchObject({ firstName: 'C41' });
    expect(result).toEqual({
      tickets: 11,
      ticketLines: 11,
      payments: 0,
      refunds: 0,
      appointments: 12,
    });
    expect(await store.get('ticket', lateTicket)).toBeDefined();
    expect(await store.get('ticket', uid(1100))).toBeDefined(); // recent: not even a candidate
    expect(await store.get('ticketLine', uid(2000 + 11))).toBeDefined();
    expect(await store.get('ticket', uid(1000))).toBeUndefined();
    expect(await store.db.view.get(['ticketLine', uid(2000)])).toBeUndefined();
    // Interrupted or not, a second run finds nothing more to remove (idempotent).
    await store.db.outbox.delete(99);
    const again = await store.runRetention(Date.parse(T), 90, { chunkSize: 5 });
    expect(again.tickets).toBe(1);
    expect(await store.runRetention(Date.parse(T), 90)).toEqual({
      tickets: 0,
      ticketLines: 0,
      payments: 0,
      refunds: 0,
      appointments: 0,
    });
  });

  it('a retention pass stopped halfway is finished by the next one', async () => {
    const { store } = await openStore();
    await seedFromServer(store);
    const old = '2026-01-10T12:00:00.000Z';
    const changes = Array.from({ length: 10 }, (_, n) => ({
      entity: 'ticket',
      id: uid(1000 + n),
      version: 10 + n,
      deleted: false,
      data: { id: uid(1000 + n), status: 'closed', openedAt: old, closedAt: old },
    }));
    await store.applyPullPage(
      { cursor: 100, hasMore: false, lastMutationId: 0, rejections: [], changes },
      T,
    );
    const stop = new Error('tab closed');
    const err = await store
      .runRetention(Date.parse(T), 90, {
        chunkSize: 4,
        pause: () => Promise.reject(stop),
      })
      .catch((e: unknown) => e);
    expect(err).toBe(stop);
    expect(await store.count('ticket')).toBe(6); // the first chunk was committed
    expect((await store.runRetention(Date.parse(T), 90)).tickets).toBe(6);
    expect(await store.count('ticket')).toBe(0);
  });

  it('clear refuses with UNSYNCED_CHANGES while mutations are pending', async () => {
    const { store } = await openStore();
    await seedFromServer(store);
    await store.enqueue(client(41));
    const err = await store.clear().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNSYNCED_CHANGES', details: { count: 1 } });
    await store.clear({ force: true });
  });
});

describe('handled mutations kept for a server restore', () => {
  const page = (lastMutationId: number, cursor: number) => ({
    cursor,
    hasMore: false,
    lastMutationId,
    rejections: [],
    changes: [],
  });

  it('keeps handled mutations, and puts the ones a restored server lost back in the outbox', async () => {
    const { store } = await openStore();
    await seedFromServer(store);
    for (let n = 1; n <= 5; n++) await store.enqueue(client(n));
    await store.recordPush({ lastMutationId: 5, results: [] }, T);
    await store.applyPullPage(page(5, 8), T);
    expect(await store.outboxCount()).toBe(0);
    expect((await store.db.acked.toArray()).map((m) => m.id)).toEqual([1, 2, 3, 4, 5]);

    // The server comes back from a backup that had only mutation 1 of this device.
    const result = await store.applyPullPage(page(1, 2), T);
    expect(result).toEqual({ changes: 0, requeued: 4 });
    expect((await store.outbox()).map((m) => [m.id, m.touched])).toEqual([
      [2, []],
      [3, []],
      [4, []],
      [5, []],
    ]);
    expect((await store.db.acked.toArray()).map((m) => m.id)).toEqual([1]);
    const meta = await store.readMeta();
    expect(meta).toMatchObject({ ackedMutationId: 1, cursor: 0, hydrating: true });
    expect(await store.unsyncedCount()).toBe(4);
    // New work continues after the highest id ever used: no id is issued twice.
    expect(await store.enqueue(client(6))).toBe(6);
    expect((await store.nextPushBatch(10, 1_000_000)).mutations.map((m) => m.id)).toEqual([
      2, 3, 4, 5, 6,
    ]);
  });

  it('a push answer from a restored server re-queues the same way', async () => {
    const { store } = await openStore();
    await seedFromServer(store);
    for (let n = 1; n <= 3; n++) await store.enqueue(client(n));
    await store.recordPush({ lastMutationId: 3, results: [] }, T);
    await store.applyPullPage(page(3, 6), T);
    await store.enqueue(client(4));
    // Pushing 4 to a server that has only 1: a gap, nothing processed, lastMutationId 1.
    await store.recordPush({ lastMutationId: 1, results: [] }, T);
    expect((await store.outbox()).map((m) => m.id)).toEqual([2, 3, 4]);
    expect((await store.readMeta()).ackedMutationId).toBe(1);
  });

  it('drops kept mutations after seven days and beyond the count cap', async () => {
    const { store } = await openStore();
    await seedFromServer(store);
    for (let n = 1; n <= 2; n++) await store.enqueue(client(n));
    await store.applyPullPage(page(2, 5), '2026-11-01T10:00:00.000Z');
    await store.enqueue(client(3));
    await store.applyPullPage(page(3, 6), '2026-11-07T10:00:00.000Z');
    expect((await store.db.acked.toArray()).map((m) => m.id)).toEqual([1, 2, 3]);
    await store.enqueue(client(4));
    await store.applyPullPage(page(4, 7), '2026-11-08T10:00:01.000Z'); // 1 and 2: 7 days old
    expect((await store.db.acked.toArray()).map((m) => m.id)).toEqual([3, 4]);
    // Beyond ACKED_RETENTION_MAX the oldest ids go first.
    await store.db.acked.bulkPut(
      Array.from({ length: ACKED_RETENTION_MAX }, (_, i) => ({
        id: 100 + i,
        name: 'client.upsert',
        args: {},
        clientTime: T,
        actor,
        ackedAt: Date.parse('2026-11-08T10:00:00.000Z'),
      })),
    );
    await store.enqueue(client(5));
    await store.applyPullPage(page(100 + ACKED_RETENTION_MAX, 8), '2026-11-08T11:00:00.000Z');
    expect(await store.db.acked.count()).toBe(ACKED_RETENTION_MAX);
    expect((await store.db.acked.orderBy('id').limit(2).toArray()).map((m) => m.id)).toEqual([
      100, 101,
    ]); // 3, 4 and 5 went: the lowest ids are the oldest
  });
});

describe('schema upgrade', () => {
  it('opens a v1 database with pending mutations and keeps the outbox intact', async () => {
    const idb = freshIdb();
    const v1 = new Dexie(databaseName(STORE_ID), idb);
    v1.version(1).stores(SCHEMA_V1);
    await v1.open();
    const v1Outbox = [1, 2, 3].map((id) => ({
      id,
      name: 'client.upsert',
      args: { id: uid(40 + id), firstName: `C${id}`, lastName: 'X' },
      clientTime: T,
      actor,
    }));
    await v1.table('outbox').bulkAdd(v1Outbox);
    await v1.table('meta').bulkPut([
      { key: 'nextMutationId', value: 4 },
      { key: 'cursor', value: 3 },
      { key: 'hydrated', value: true },
    ]);
    const rows = [storeRow, ana, manicure];
    const entities = ['store', 'staff', 'service'];
    await v1
      .table('server')
      .bulkAdd(rows.map((d, i) => ({ e: entities[i], id: d.id, v: i + 1, d })));
    v1.close();

    const { store } = await openStore(idb);
    expect(store.db.verno).toBe(CURRENT_SCHEMA_VERSION);
    const outbox = await store.outbox();
    expect(
      outbox.map(({ id, name, args, clientTime }) => ({ id, name, args, clientTime })),
    ).toEqual(v1Outbox.map(({ id, name, args, clientTime }) => ({ id, name, args, clientTime })));
    expect(outbox.every((m) => Array.isArray(m.touched))).toBe(true);
    expect(await store.enqueue(client(50))).toBe(4);
    // The first pull after the upgrade rebuilds the view from server state + the old outbox.
    await store.applyPullPage(
      { cursor: 3, hasMore: false, lastMutationId: 1, changes: [], rejections: [] },
      T,
    );
    expect((await store.outbox()).map((m) => m.id)).toEqual([2, 3, 4]);
    expect((await store.list('client')).map((c) => c.id)).toEqual([uid(42), uid(43), uid(50)]);
    expect(await store.get('store', STORE_ID)).toMatchObject({ name: 'Mango Nails' });
  });

  /** A v3 database in the field: two pending mutations, and a hydration under way or done. */
  async function v3Device(hydrating: boolean) {
    const idb = freshIdb();
    const v3 = new Dexie(databaseName(STORE_ID), idb);
    v3.version(3).stores(SCHEMA_V3);
    await v3.open();
    const c41 = { id: uid(41), firstName: 'C41', lastName: 'X' };
    const c42 = { id: uid(42), firstName: 'C42', lastName: 'X' };
    const mine41 = { ...c41, firstName: 'Mine' };
    const c50 = { id: uid(50), firstName: 'C50', lastName: 'X' };
    // Generation 2: client 42 was written by generation 1 only.
    await v3.table('server').bulkAdd([
      { e: 'store', id: STORE_ID, v: 1, g: 2, d: storeRow },
      { e: 'client', id: c41.id, v: 2, g: 2, d: c41 },
      { e: 'client', id: c42.id, v: 3, g: 1, d: c42 },
    ]);
    await v3
      .table('view')
      .bulkAdd([
        toViewRecord('store', STORE_ID, storeRow as unknown as Record<string, unknown>),
        toViewRecord('client', c41.id, mine41),
        toViewRecord('client', c42.id, c42),
        toViewRecord('client', c50.id, c50),
      ]);
    const pending = [
      { id: 1, name: 'client.upsert', args: mine41, touched: [['client', c41.id]] },
      { id: 2, name: 'client.upsert', args: c50, touched: [['client', c50.id]] },
    ];
    await v3.table('outbox').bulkAdd(pending.map((m) => ({ ...m, clientTime: T, actor })));
    await v3.table('meta').bulkPut([
      { key: 'nextMutationId', value: 3 },
      { key: 'cursor', value: hydrating ? 0 : 3 },
      { key: 'generation', value: 2 },
      { key: 'hydrating', value: hydrating },
      { key: 'hydrated', value: true },
    ]);
    v3.close();
    const { store } = await openStore(idb);
    expect(store.db.verno).toBe(CURRENT_SCHEMA_VERSION);
    expect([...store.db.backendDB().objectStoreNames]).not.toContain('server');
    expect((await store.outbox()).map((m) => [m.id, m.name, m.args, m.touched])).toEqual(
      pending.map((m) => [m.id, m.name, m.args, m.touched]),
    );
    expect(await store.db.shadow.toArray()).toEqual([
      { e: 'client', id: c41.id, v: 2, g: 2, d: c41 },
      { e: 'client', id: c50.id, v: 0, g: 0, d: null },
    ]);
    expect(await store.list('client')).toEqual([mine41, c42, c50]); // the view is unchanged
    /** The hydration's last page: the server applied mutation 1; client 42 is gone. */
    const endHydration = (changes: PullResponse['changes']) =>
      store.applyPullPage(
        {
          cursor: 4,
          hasMore: false,
          lastMutationId: 1,
          rejections: [],
          changes: [
            { entity: 'client', id: c41.id, version: 4, deleted: false, data: mine41 },
            ...changes,
          ],
        },
        T,
      );
    return { store, c41, c42, c50, mine41, endHydration };
  }

  it('v3 → v4 during a hydration: pending mutations and rows kept, shadows for the rows they touched, the sweep still exact', async () => {
    const { store, c41, c42, c50, mine41, endHydration } = await v3Device(true);
    // rows as pulled get their exact generation: what the hydration wrote survives its sweep
    expect(await store.db.view.get(['client', c42.id])).toMatchObject({ v: 3, g: 1 });
    expect(await store.db.view.get(['client', c41.id])).not.toHaveProperty('g');
    expect(await store.db.meta.get(UNSTAMPED_ROWS_KEY)).toBeUndefined();
    const result = await endHydration([]);
    expect(result.rebase).toEqual({ dropped: 1, rerun: 1, reset: 2 });
    expect((await store.outbox()).map((m) => m.id)).toEqual([2]);
    expect(await store.list('client')).toEqual([mine41, c50]);
    expect(await store.db.view.get(['client', c41.id])).toMatchObject({ v: 4, g: 2 });
    expect((await store.db.shadow.toArray()).map((r) => r.id)).toEqual([c50.id]);
    expect(await store.get('store', STORE_ID)).toMatchObject({ name: 'Mango Nails' });
  });

  it('v3 → v4 at rest: the view is not rewritten; the next re-hydration sweeps the old rows by key', async () => {
    const { store, c42, c50, mine41, endHydration } = await v3Device(false);
    expect(await store.db.view.get(['client', c42.id])).not.toHaveProperty('g');
    expect(await store.db.meta.get(UNSTAMPED_ROWS_KEY)).toMatchObject({ value: true });
    await store.beginHydration(); // e.g. RESYNC_REQUIRED: generation 3
    await endHydration([
      { entity: 'store', id: STORE_ID, version: 1, deleted: false, data: { ...storeRow } },
    ]);
    expect(await store.list('client')).toEqual([mine41, c50]); // 42 swept, the pending 50 kept
    expect(await store.get('store', STORE_ID)).toMatchObject({ name: 'Mango Nails' });
    expect(await store.db.meta.get(UNSTAMPED_ROWS_KEY)).toBeUndefined();
  });

  it('v4 → v5 with pending mutations: view, shadows, outbox and meta kept; a packed re-hydration then keeps the pending work', async () => {
    const idb = freshIdb();
    const v4 = new Dexie(databaseName(STORE_ID), idb);
    v4.version(4).stores(SCHEMA_V4);
    await v4.open();
    const c41 = { id: uid(41), firstName: 'C41', lastName: 'X' };
    const mine41 = { ...c41, firstName: 'Mine' };
    const c42 = { id: uid(42), firstName: 'C42', lastName: 'X' };
    await v4.table('view').bulkAdd([
      toViewRecord('store', STORE_ID, storeRow as unknown as Record<string, unknown>, {
        v: 1,
        g: 1,
      }),
      toViewRecord('client', c41.id, mine41),
      toViewRecord('client', c42.id, c42, { v: 3, g: 1 }),
    ]);
    await v4.table('shadow').add({ e: 'client', id: c41.id, v: 2, g: 1, d: c41 });
    const pending = { id: 1, name: 'client.upsert', args: mine41, touched: [['client', c41.id]] };
    await v4.table('outbox').add({ ...pending, clientTime: T, actor });
    await v4.table('meta').bulkPut([
      { key: 'nextMutationId', value: 2 },
      { key: 'cursor', value: 3 },
      { key: 'generation', value: 1 },
      { key: 'hydrated', value: true },
    ]);
    v4.close();

    const { store } = await openStore(idb);
    expect(store.db.verno).toBe(CURRENT_SCHEMA_VERSION);
    expect(await store.db.pack.count()).toBe(0);
    expect((await store.outbox()).map((m) => [m.id, m.name, m.args, m.touched])).toEqual([
      [pending.id, pending.name, pending.args, pending.touched],
    ]);
    expect(await store.db.shadow.toArray()).toEqual([
      { e: 'client', id: c41.id, v: 2, g: 1, d: c41 },
    ]);
    expect(await store.list('client')).toEqual([mine41, c42]);
    expect((await store.readMeta()).cursor).toBe(3);
    expect(await store.unsyncedCount()).toBe(1);

    // A re-hydration whose clients come packed: the pending row stays in the view over its
    // shadow, client 42 lands in a pack (its view row moves there), the sale is still pending.
    await store.beginHydration();
    const progress = { resume: null, cursor: 4, epoch: 'e', rows: 3, total: 3, essentials: true };
    await store.applySnapshotBatch(
      [
        { entity: 'store', id: STORE_ID, version: 1, data: { ...storeRow } },
        { entity: 'client', id: c41.id, version: 2, data: c41, packed: true },
        { entity: 'client', id: c42.id, version: 3, data: c42, packed: true },
      ],
      progress,
      0,
    );
    await store.finishSnapshot(4, 'e');
    await store.applyPullPage(
      { cursor: 4, hasMore: false, lastMutationId: 0, rejections: [], changes: [] },
      T,
    );
    expect(await store.db.view.get(['client', c42.id])).toBeUndefined();
    expect((await store.db.pack.toArray()).flatMap((p) => p.rows.map((r) => r.id))).toEqual([
      c42.id,
    ]);
    expect(await store.list('client')).toEqual([mine41, c42]);
    expect(await store.get('client', c42.id)).toEqual(c42);
    expect((await store.outbox()).map((m) => m.id)).toEqual([1]);
    expect(await store.db.shadow.get(['client', c41.id])).toMatchObject({ d: c41 });
  });
  it('v5 → v6: every pack gets its month keys and postings (history found again by date and client), the outbox and view kept', async () => {
    const idb = freshIdb();
    const v5 = new Dexie(databaseName(STORE_ID), idb);
    v5.version(5).stores(SCHEMA_V5);
    await v5.open();
    const ticket = (n: number, day: string) => ({
      id: uid(n),
      status: 'closed',
      clientId: uid(90),
      closedAt: `${day}T18:00:00.000Z`,
      businessDate: day,
    });
    const rows = [ticket(71, '2026-03-02'), ticket(72, '2026-03-09'), ticket(73, '2026-04-01')];
    // A v5 pack: the view's exact keys of its rows.
    const v5Keys = new Map<string, unknown>();
    for (const r of rows) for (const k of indexKeys('ticket', r)) v5Keys.set(JSON.stringify(k), k);
    await v5.table('pack').add({
      e: 'ticket',
      lo: uid(71),
      hi: uid(73),
      g: 1,
      ix: [...v5Keys.values()],
      rows: rows.map((d, i) => ({ id: d.id, v: i + 1, g: 1, d })),
    });
    const mine = { id: uid(41), firstName: 'Mine', lastName: 'X' };
    await v5.table('view').add(toViewRecord('client', mine.id, mine));
    await v5.table('shadow').add({ e: 'client', id: mine.id, v: 0, g: 0, d: null });
    const pending = { id: 1, name: 'client.upsert', args: mine, touched: [['client', mine.id]] };
    await v5.table('outbox').add({ ...pending, clientTime: T, actor });
    await v5.table('meta').bulkPut([
      { key: 'nextMutationId', value: 2 },
      { key: 'cursor', value: 3 },
      { key: 'hydrated', value: true },
    ]);
    v5.close();

    const { store } = await openStore(idb);
    expect(store.db.verno).toBe(CURRENT_SCHEMA_VERSION);
    // One key per status and month (4 + 4 date keys became 2 + 2); the client in a posting.
    const [pack] = await store.db.pack.toArray();
    expect(pack!.ix.map((k) => k.slice(1).join('=')).sort()).toEqual([
      'businessDate=2026-03',
      'businessDate=2026-04',
      'closedAt=2026-03',
      'closedAt=2026-04',
      'status=closed',
    ]);
    expect(await store.db.posting.toArray()).toEqual([
      {
        e: 'ticket',
        f: 'clientId',
        k: `p${uid(90)}`,
        pairs: [uid(90), uid(71), uid(90), uid(72), uid(90), uid(73)],
      },
    ]);
    const ids = (list: { id: string }[]) => list.map((t) => t.id);
    expect(ids(await store.list('ticket', { where: { businessDate: '2026-03-09' } }))).toEqual([
      uid(72),
    ]);
    expect(
      ids(
        await store.list('ticket', {
          range: { field: 'closedAt', gte: '2026-03-02T19:00:00.000Z', lt: '2026-04-01T19:00:00Z' },
        }),
      ),
    ).toEqual([uid(72), uid(73)]);
    expect(await store.get('ticket', uid(71))).toEqual(rows[0]);
    expect(ids(await store.list('ticket', { where: { clientId: uid(90) } }))).toEqual([
      uid(71),
      uid(72),
      uid(73),
    ]);
    expect((await store.outbox()).map((m) => [m.id, m.name, m.touched])).toEqual([
      [pending.id, pending.name, pending.touched],
    ]);
    expect(await store.list('client')).toEqual([mine]);
    expect(await store.unsyncedCount()).toBe(1);
  });
});
