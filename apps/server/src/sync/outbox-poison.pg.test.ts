/**
 * A device's outbox drains in order, so one mutation the server refuses must never hold back the
 * ones after it. The REAL device engine (fake-indexeddb, HTTP transport) against the REAL app:
 * offline, the device queues sales around mutations the server will refuse — one over the
 * plan's quota (only the server counts it) and entries an older app version could have left in
 * the outbox (an unknown name, a NUL in an argument, a malformed clientTime). Back online,
 * every sale reaches the server, each refused mutation is on the desk's attention list, and the
 * outbox is empty.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { FetchLike, SyncEngine } from '@mango/sync-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import { injectRequest, silentEventStream, startTestEngine } from '../test-support/device-engine';
import {
  makeTestApp,
  pullAll,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

describeEachEngine('a refused mutation never holds back the outbox behind it', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let online = true;
  const fetch: FetchLike = async (input, init) => {
    if (input.includes('/sync/events')) return silentEventStream(init);
    if (!online) throw new TypeError('fetch failed (offline)');
    return (await injectRequest(app, input, init)).response;
  };
  let engine: SyncEngine;

  beforeAll(async () => {
    app = await makeTestApp(getDb(), { env: { PLAN_QUOTAS: 'true' } });
    store = await signupStore(app, 'Outbox');
    const deviceId = await registerDevice(app, store.storeId, store.auth);
    engine = await startTestEngine(store, deviceId, fetch);
  });
  afterAll(async () => {
    await engine.stop();
    await app.close();
  });

  /** What an older app version could have left in the outbox: written as it was, unchecked. */
  async function appendRawOutboxEntry(
    name: string,
    args: Record<string, unknown>,
    clientTime: string,
  ) {
    const db = engine.store.db;
    const last = await db.outbox.orderBy('id').last();
    const id = (last?.id ?? 0) + 1;
    await db.outbox.add({
      id,
      name,
      args,
      clientTime,
      actor: {
        userId: store.session.user.id,
        staffId: null,
        role: 'owner',
        deviceId: store.deviceId,
      },
      touched: [],
    });
    return id;
  }

  it('every sale after a refused mutation syncs; the refusals are listed for the desk', async () => {
    await engine.syncNow();
    online = false;
    const serviceId = randomUUID();
    await engine.mutate('service.upsert', {
      id: serviceId,
      name: 'Manicure',
      durationMin: 30,
      priceCents: 2500,
      taxable: true,
    });
    // The free plan allows 3 active staff: the 4th is refused by the server alone.
    const staffIds = Array.from({ length: 4 }, () => randomUUID());
    for (const [i, id] of staffIds.entries()) {
      await engine.mutate('staff.upsert', {
        id,
        displayName: `Tech ${i + 1}`,
        role: 'technician',
        active: true,
      });
    }
    const poisoned = [
      await appendRawOutboxEntry('constructor', {}, new Date().toISOString()),
      await appendRawOutboxEntry(
        'client.upsert',
        { id: randomUUID(), firstName: 'Nul\u0000', lastName: 'Byte' },
        new Date().toISOString(),
      ),
      await appendRawOutboxEntry(
        'client.upsert',
        { id: randomUUID(), firstName: 'Bad', lastName: 'Time' },
        'yesterday',
      ),
    ];
    const ticketIds: string[] = [];
    for (let sale = 0; sale < 3; sale++) {
      const ticketId = randomUUID();
      ticketIds.push(ticketId);
      await engine.mutate('ticket.open', { id: ticketId });
      await engine.mutate('ticket.addLine', {
        ticketId,
        lineId: randomUUID(),
        kind: 'service',
        itemId: serviceId,
        staffId: staffIds[0]!,
      });
      await engine.mutate('ticket.addPayment', {
        ticketId,
        paymentId: randomUUID(),
        method: 'cash',
        amountCents: 2707,
      });
      await engine.mutate('ticket.close', { ticketId });
    }

    online = true;
    for (let attempt = 0; attempt < 10; attempt++) {
      const result = await engine.syncNow();
      if (result.ok && (await engine.store.unsyncedCount()) === 0) break;
    }
    expect(await engine.store.unsyncedCount()).toBe(0);
    expect(await engine.store.outboxCount()).toBe(0);

    // The server has every sale, closed, exactly once.
    const { replica } = await pullAll(app, store, store.deviceId);
    for (const ticketId of ticketIds) {
      expect(replica.get(`ticket:${ticketId}`)?.data).toMatchObject({ status: 'closed' });
    }
    const payments = [...replica.entries()].filter(([key]) => key.startsWith('payment:'));
    expect(payments).toHaveLength(3);
    // …and not the refused staff member.
    expect(replica.has(`staff:${staffIds[3]}`)).toBe(false);

    // The desk sees each refusal, with its code.
    const attention = await engine.attention();
    const codes = new Map(attention.map((a) => [a.mutationId, a.code]));
    expect([...codes.values()]).toContain('QUOTA_EXCEEDED');
    expect(poisoned.map((id) => codes.get(id))).toEqual([
      'UNKNOWN_MUTATION',
      'INVALID_TEXT',
      'INVALID_MUTATION',
    ]);
    expect(engine.status().attentionCount).toBe(attention.length);
  });
});
