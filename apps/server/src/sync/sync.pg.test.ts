import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pull,
  pullAll,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

interface PushBody {
  lastMutationId: number;
  results: { id: number; status: string; error?: { code: string } }[];
}

/** A service, a staff member and a ticket with one line: the usual start of a checkout. */
function checkoutSetup(log: MutationLog) {
  const staffId = randomUUID();
  const serviceId = randomUUID();
  const ticketId = randomUUID();
  const mutations = [
    log.make('staff.upsert', {
      id: staffId,
      displayName: 'Linh',
      role: 'technician',
      active: true,
    }),
    log.make('service.upsert', {
      id: serviceId,
      name: 'Gel Manicure',
      durationMin: 45,
      priceCents: 4000,
      taxable: false,
    }),
    log.make('ticket.open', { id: ticketId }),
    log.make('ticket.addLine', {
      ticketId,
      lineId: randomUUID(),
      kind: 'service',
      itemId: serviceId,
      staffId,
    }),
  ];
  return { staffId, serviceId, ticketId, mutations };
}

describeEachEngine('sync push and pull', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Push');
  });
  afterAll(async () => {
    await app.close();
  });

  async function countRows(table: string, where: string, params: unknown[]): Promise<number> {
    return getDb().transaction(
      { storeId: store.storeId, organizationId: store.organizationId },
      async (sql) => {
        const res = await sql.query<{ n: number }>(
          `select count(*)::int as n from ${table} where ${where}`,
          params,
        );
        return res.rows[0]!.n;
      },
    );
  }

  it('applies a batch pushed twice exactly once', async () => {
    const deviceId = await registerDevice(app, store.storeId, store.auth);
    const log = new MutationLog(deviceId);
    const { ticketId, mutations } = checkoutSetup(log);
    const paymentId = randomUUID();
    mutations.push(
      log.make('ticket.addPayment', { ticketId, paymentId, method: 'cash', amountCents: 5000 }),
    );
    mutations.push(log.make('ticket.close', { ticketId }));

    const first = await push(app, store, deviceId, mutations);
    expect(first.statusCode).toBe(200);
    const firstBody = json<PushBody>(first);
    expect(firstBody.lastMutationId).toBe(6);
    expect(firstBody.results.map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
    ]);

    const second = await push(app, store, deviceId, mutations);
    expect(json<PushBody>(second).results.map((r) => r.status)).toEqual(Array(6).fill('duplicate'));
    expect(await countRows('payments', 'ticket_id = $1', [ticketId])).toBe(1);
    expect(
      await countRows(
        'tickets',
        "id = $1 and status = 'closed' and paid_cents = 5000 and change_cents = 1000",
        [ticketId],
      ),
    ).toBe(1);
  });

  it('applies exactly once when the response is lost after the commit', async () => {
    const db = getDb();
    const lossy = await makeTestApp(db);
    let dropNext = true;
    // The server commits, then dies before answering: the device sees an error and retries.
    lossy.addHook('onSend', async (request, _reply, payload) => {
      if (dropNext && request.url.endsWith('/sync/push')) {
        dropNext = false;
        throw new Error('connection lost after commit');
      }
      return payload;
    });
    const deviceId = await registerDevice(lossy, store.storeId, store.auth);
    const log = new MutationLog(deviceId);
    const { ticketId, mutations } = checkoutSetup(log);
    mutations.push(
      log.make('ticket.addPayment', {
        ticketId,
        paymentId: randomUUID(),
        method: 'card',
        amountCents: 4000,
        tipCents: 800,
      }),
    );

    const lost = await push(lossy, store, deviceId, mutations);
    expect(lost.statusCode).toBe(500);
    const retry = await push(lossy, store, deviceId, mutations);
    expect(retry.statusCode).toBe(200);
    expect(json<PushBody>(retry).results.every((r) => r.status === 'duplicate')).toBe(true);
    expect(await countRows('payments', 'ticket_id = $1', [ticketId])).toBe(1);
    expect(await countRows('tickets', 'id = $1 and tip_cents = 800', [ticketId])).toBe(1);
    await lossy.close();
  });

  it('stops at a gap, skips duplicates, and resumes where lastMutationId says', async () => {
    const deviceId = await registerDevice(app, store.storeId, store.auth);
    const log = new MutationLog(deviceId);
    const clients = [1, 2, 3, 4].map(() =>
      log.make('client.upsert', { id: randomUUID(), firstName: 'Gap', lastName: 'Test' }),
    );
    const [m1, m2, m3, m4] = clients as [
      (typeof clients)[0],
      (typeof clients)[0],
      (typeof clients)[0],
      (typeof clients)[0],
    ];

    const withGap = json<PushBody>(await push(app, store, deviceId, [m1, m3, m4]));
    expect(withGap.lastMutationId).toBe(1);
    expect(withGap.results).toEqual([{ id: 1, status: 'applied' }]);

    const future = json<PushBody>(await push(app, store, deviceId, [m4]));
    expect(future.lastMutationId).toBe(1);
    expect(future.results).toEqual([]);

    const resumed = json<PushBody>(await push(app, store, deviceId, [m1, m2, m3, m4]));
    expect(resumed.lastMutationId).toBe(4);
    expect(resumed.results.map((r) => r.status)).toEqual([
      'duplicate',
      'applied',
      'applied',
      'applied',
    ]);
    expect(await countRows('clients', "first_name = 'Gap'", [])).toBe(4);
  });

  it('records a rejection in the middle of a batch and applies the mutations after it', async () => {
    const deviceId = await registerDevice(app, store.storeId, store.auth);
    const log = new MutationLog(deviceId);
    const good1 = log.make('client.upsert', {
      id: randomUUID(),
      firstName: 'Before',
      lastName: 'Reject',
    });
    const bad = log.make('ticket.close', { ticketId: randomUUID() });
    const good2 = log.make('client.upsert', {
      id: randomUUID(),
      firstName: 'After',
      lastName: 'Reject',
    });
    const body = json<PushBody>(await push(app, store, deviceId, [good1, bad, good2]));
    expect(body.lastMutationId).toBe(3);
    expect(body.results.map((r) => r.status)).toEqual(['applied', 'rejected', 'applied']);
    expect(body.results[1]?.error?.code).toBe('TICKET_NOT_FOUND');

    const page = json<{ rejections: { id: number; code: string }[] }>(
      await pull(app, store, deviceId, 0, 5000),
    );
    expect(page.rejections).toEqual([expect.objectContaining({ id: 2, code: 'TICKET_NOT_FOUND' })]);
    const ack = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/sync/rejections/ack`,
      headers: store.auth,
      payload: { deviceId, ids: [2] },
    });
    expect(json(ack)).toEqual({ acknowledged: 1 });
    const after = json<{ rejections: unknown[] }>(await pull(app, store, deviceId, 0, 5000));
    expect(after.rejections).toEqual([]);
  });

  it('recomputes totals itself and ignores totals sent by a device', async () => {
    const deviceId = await registerDevice(app, store.storeId, store.auth);
    const log = new MutationLog(deviceId);
    const { ticketId, mutations } = checkoutSetup(log);
    const res = await push(app, store, deviceId, [
      ...mutations,
      log.make('ticket.close', { ticketId, totalCents: 1 }),
    ]);
    const body = json<PushBody>(res);
    // Unknown fields are refused by the mutator's schema: the device cannot smuggle a total in.
    expect(body.results.at(-1)).toMatchObject({
      status: 'rejected',
      error: { code: 'INVALID_ARGS' },
    });
    expect(
      await countRows('tickets', "id = $1 and total_cents = 4000 and status = 'open'", [ticketId]),
    ).toBe(1);
  });

  it('converges when two devices push concurrently, with versions in order for a concurrent puller', async () => {
    const a = await registerDevice(app, store.storeId, store.auth);
    const b = await registerDevice(app, store.storeId, store.auth);
    const logs = [new MutationLog(a), new MutationLog(b)];
    const sharedClient = randomUUID();
    const rounds = 15;
    const watcher = await registerDevice(app, store.storeId, store.auth);
    // A third device pulls incrementally while the others push; its replica must end equal to a fresh pull.
    const incremental = new Map<string, number>();
    let cursor = 0;
    let pushing = true;
    const watching = (async () => {
      while (pushing) {
        const page = json<{
          cursor: number;
          hasMore: boolean;
          changes: { entity: string; id: string; version: number; deleted: boolean }[];
        }>(await pull(app, store, watcher, cursor, 7));
        for (const c of page.changes) {
          expect(c.version).toBeGreaterThan(cursor);
          if (c.deleted) incremental.delete(`${c.entity}:${c.id}`);
          else incremental.set(`${c.entity}:${c.id}`, c.version);
        }
        cursor = page.cursor;
        // A quiet pull is answered from memory without any I/O (sync heads, a remembered token):
        // through app.inject this loop would never let the pushes run. A device polls on a timer.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        logs.map((log, i) =>
          push(app, store, log.deviceId, [
            log.make('client.upsert', {
              id: sharedClient,
              firstName: `Device${i}`,
              lastName: `Round${round}`,
            }),
            log.make('client.upsert', {
              id: randomUUID(),
              firstName: `D${i}`,
              lastName: `R${round}`,
            }),
          ]).then((res) => expect(res.statusCode).toBe(200)),
        ),
      );
    }
    pushing = false;
    await watching;
    for (;;) {
      const page = json<{
        cursor: number;
        hasMore: boolean;
        changes: { entity: string; id: string; version: number; deleted: boolean }[];
      }>(await pull(app, store, watcher, cursor, 7));
      for (const c of page.changes) {
        if (c.deleted) incremental.delete(`${c.entity}:${c.id}`);
        else incremental.set(`${c.entity}:${c.id}`, c.version);
      }
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    const fresh = await pullAll(app, store, watcher, 5);
    expect(new Map([...fresh.replica].map(([k, v]) => [k, v.version]))).toEqual(incremental);
    const serverClients = await countRows('clients', 'not deleted', []);
    expect([...fresh.replica.keys()].filter((k) => k.startsWith('client:')).length).toBe(
      serverClients,
    );
  });
});

describeEachEngine('sync request validation and tenancy', (getDb) => {
  let app: FastifyInstance;
  let storeA: TestStore;
  let storeB: TestStore;
  beforeAll(async () => {
    app = await makeTestApp(getDb());
    storeA = await signupStore(app, 'Alpha');
    storeB = await signupStore(app, 'Beta');
  });
  afterAll(async () => {
    await app.close();
  });

  it('lists every mutator with its argument JSON schema', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/sync/mutators' });
    expect(res.statusCode).toBe(200);
    const { mutators } = json<{
      mutators: { name: string; argsSchema: { properties: Record<string, unknown> } }[];
    }>(res);
    const byName = new Map(mutators.map((m) => [m.name, m]));
    for (const name of [
      'client.upsert',
      'client.delete',
      'service.upsert',
      'staff.upsert',
      'appointment.book',
      'appointment.reschedule',
      'appointment.cancel',
      'ticket.open',
      'ticket.addLine',
      'ticket.removeLine',
      'ticket.addPayment',
      'ticket.close',
      'ticket.void',
    ]) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(Object.keys(byName.get('ticket.addPayment')!.argsSchema.properties)).toEqual(
      expect.arrayContaining([
        'ticketId',
        'paymentId',
        'method',
        'amountCents',
        'tipCents',
        'giftCardId',
        'reference',
      ]),
    );
  });

  it('answers 400 VALIDATION_FAILED naming the field, and writes nothing', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${storeA.storeId}/sync/push`,
      headers: storeA.auth,
      payload: {
        deviceId: storeA.deviceId,
        schemaVersion: 1,
        mutations: [{ id: 'one', name: 'client.upsert', args: {}, clientTime: 'now' }],
      },
    });
    expect(res.statusCode).toBe(400);
    const body = json<{ error: { code: string; message: string } }>(res);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toContain('mutations.0.id');
    const page = json<{ lastMutationId: number }>(await pull(app, storeA, storeA.deviceId, 0));
    expect(page.lastMutationId).toBe(0);
  });

  it('answers 413 beyond 500 mutations', async () => {
    const log = new MutationLog(storeA.deviceId);
    const many = Array.from({ length: 501 }, () =>
      log.make('client.upsert', { id: randomUUID(), firstName: 'X', lastName: 'Y' }),
    );
    const res = await push(app, storeA, storeA.deviceId, many);
    expect(res.statusCode).toBe(413);
    expect(json<{ error: { code: string } }>(res).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a missing or bad token with 401 and another store with 403', async () => {
    const noToken = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${storeA.storeId}/sync/pull?deviceId=${storeA.deviceId}&cursor=0`,
    });
    expect(noToken.statusCode).toBe(401);
    const badToken = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${storeA.storeId}/sync/pull?deviceId=${storeA.deviceId}&cursor=0`,
      headers: { authorization: 'Bearer not.a.token' },
    });
    expect(badToken.statusCode).toBe(401);
    const otherStore = await pull(
      app,
      { storeId: storeB.storeId, auth: storeA.auth },
      storeA.deviceId,
      0,
    );
    expect(otherStore.statusCode).toBe(403);
  });

  it("refuses a device of another store, even with the caller's own store in the URL", async () => {
    const res = await push(app, storeA, storeB.deviceId, []);
    expect(res.statusCode).toBe(403);
    expect(json<{ error: { code: string } }>(res).error.code).toBe('DEVICE_NOT_REGISTERED');
    const pulled = await pull(app, storeA, storeB.deviceId, 0);
    expect(pulled.statusCode).toBe(403);
    const taken = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${storeA.storeId}/devices`,
      headers: storeA.auth,
      payload: { deviceId: storeB.deviceId, name: 'Stolen' },
    });
    expect(taken.statusCode).toBe(409);
  });

  it("never returns another store's rows in a pull", async () => {
    const log = new MutationLog(storeB.deviceId);
    const secret = randomUUID();
    await push(app, storeB, storeB.deviceId, [
      log.make('client.upsert', { id: secret, firstName: 'Secret', lastName: 'Client' }),
    ]);
    const { replica } = await pullAll(app, storeA, storeA.deviceId);
    expect(replica.has(`client:${secret}`)).toBe(false);
    expect(JSON.stringify([...replica.values()])).not.toContain('Secret');
  });
});
