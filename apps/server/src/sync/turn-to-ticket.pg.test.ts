import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

interface PushResult {
  id: number;
  status: string;
  error?: { code: string; message: string };
}

/**
 * The turn tracker feeding checkout through the real push: a walk-in asking for a technician is
 * given to them, their ticket is started in one mutation (walkIn.startTicket) and closing it
 * completes the turn, as the server computes it, counting the request apart.
 */
describeEachEngine('turn tracker to ticket', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let log: MutationLog;
  const desk = randomUUID();
  const mai = randomUUID();
  const tuan = randomUUID();
  const manicure = randomUUID();
  const polish = randomUUID();

  async function pushAll(mutations: unknown[]): Promise<PushResult[]> {
    const res = await push(app, store, store.deviceId, mutations);
    expect(res.statusCode, res.body).toBe(200);
    return json<{ results: PushResult[] }>(res).results;
  }
  /** Pushed as the front desk acting at the desk (the account is the owner's). */
  const asDesk = (name: string, args: Record<string, unknown>) => ({
    ...log.make(name, args),
    actorStaffId: desk,
  });
  const asTech = (name: string, args: Record<string, unknown>) => ({
    ...log.make(name, args),
    actorStaffId: mai,
  });
  async function rows() {
    const { replica } = await pullAll(app, store, store.deviceId);
    return (entity: string, id: string) =>
      replica.get(`${entity}:${id}`)?.data as Record<string, unknown> | undefined;
  }
  async function turnOf(staffId: string) {
    const { replica } = await pullAll(app, store, store.deviceId);
    return [...replica.entries()].find(
      ([key, row]) =>
        key.startsWith('turn:') && (row.data as { staffId: string }).staffId === staffId,
    )?.[1].data as Record<string, unknown> | undefined;
  }
  async function payAndClose(ticketId: string): Promise<PushResult[]> {
    const get = await rows();
    const totalCents = get('ticket', ticketId)?.['totalCents'] as number;
    return pushAll([
      asDesk('ticket.addPayment', {
        ticketId,
        paymentId: randomUUID(),
        method: 'card',
        amountCents: totalCents,
      }),
      asDesk('ticket.close', { ticketId }),
    ]);
  }

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Turns');
    log = new MutationLog(store.deviceId);
    const setup = await pushAll([
      log.make('staff.upsert', { id: desk, displayName: 'Dana', role: 'front_desk', active: true }),
      log.make('staff.upsert', { id: mai, displayName: 'Mai', role: 'technician', active: true }),
      log.make('staff.upsert', { id: tuan, displayName: 'Tuan', role: 'technician', active: true }),
      log.make('service.upsert', {
        id: manicure,
        name: 'Gel Manicure',
        durationMin: 45,
        priceCents: 4000,
        taxable: true,
      }),
      log.make('service.upsert', {
        id: polish,
        name: 'Polish change',
        durationMin: 15,
        priceCents: 1500,
        taxable: false,
      }),
      log.make('store.updateSettings', { fullTurnThresholdCents: 2500 }),
      asDesk('turn.clockIn', { turnId: randomUUID(), staffId: mai, eventId: randomUUID() }),
      asDesk('turn.clockIn', { turnId: randomUUID(), staffId: tuan, eventId: randomUUID() }),
    ]);
    expect(setup.map((r) => [r.status, r.error?.message])).toEqual(
      Array(setup.length).fill(['applied', undefined]),
    );
  });
  afterAll(async () => {
    await app.close();
  });

  it('gives a request to the technician asked for, starts the ticket and counts it apart on close', async () => {
    const walkIn = randomUUID();
    const ticketId = randomUUID();
    const lineId = randomUUID();
    const results = await pushAll([
      asDesk('walkIn.add', {
        id: walkIn,
        name: 'Wendy',
        serviceId: manicure,
        requestedStaffId: tuan,
      }),
      // Mai is next in turn; Wendy asked for Tuan.
      asDesk('turn.assignNext', { walkInId: walkIn, eventId: randomUUID() }),
      asDesk('walkIn.startTicket', { id: walkIn, ticketId, lineId }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);

    let get = await rows();
    expect(get('walkIn', walkIn)).toMatchObject({
      status: 'assigned',
      staffId: tuan,
      request: true,
      ticketId,
    });
    expect(get('ticket', ticketId)).toMatchObject({ status: 'open', walkInId: walkIn });
    expect(get('ticketLine', lineId)).toMatchObject({
      ticketId,
      itemId: manicure,
      staffId: tuan,
      lineTotalCents: 4000,
    });
    // The turn waits for the ticket: finishing it by hand would count the client twice.
    const [early] = await pushAll([
      asDesk('turn.complete', { staffId: tuan, eventId: randomUUID() }),
    ]);
    expect(early).toMatchObject({ status: 'rejected', error: { code: 'WALK_IN_TICKET_OPEN' } });

    const closed = await payAndClose(ticketId);
    expect(closed.map((r) => [r.status, r.error?.message])).toEqual([
      ['applied', undefined],
      ['applied', undefined],
    ]);
    get = await rows();
    expect(get('walkIn', walkIn)).toMatchObject({ status: 'done' });
    expect(get('turnEvent', walkIn)).toMatchObject({
      kind: 'complete',
      halfTurns: 0,
      request: true,
      ticketId,
    });
    expect(await turnOf(tuan)).toMatchObject({
      status: 'available',
      halfTurns: 0,
      requestTurns: 1,
      currentWalkInId: null,
    });
  });

  it('counts a walk-in in turn with the ticket’s service value: a half turn below the threshold', async () => {
    const walkIn = randomUUID();
    const ticketId = randomUUID();
    const results = await pushAll([
      asDesk('walkIn.add', { id: walkIn, name: 'Al', serviceId: polish }),
      asDesk('turn.assignNext', { walkInId: walkIn, eventId: randomUUID() }),
      asDesk('walkIn.startTicket', { id: walkIn, ticketId, lineId: randomUUID() }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    // Both technicians have no turn counted (Tuan's request is apart): either may be next.
    const assigned = (await rows())('walkIn', walkIn);
    expect(assigned).toMatchObject({ status: 'assigned', request: false });
    const staffId = assigned?.['staffId'] as string;
    expect([mai, tuan]).toContain(staffId);
    const before = await turnOf(staffId);
    await payAndClose(ticketId);
    expect(await turnOf(staffId)).toMatchObject({
      status: 'available',
      halfTurns: (before?.['halfTurns'] as number) + 1,
      requestTurns: before?.['requestTurns'] ?? 0,
    });
    expect((await rows())('walkIn', walkIn)).toMatchObject({ status: 'done' });
  });

  it('refuses a technician assigning others or starting tickets, and bad input, with codes', async () => {
    const walkIn = randomUUID();
    const [added] = await pushAll([asDesk('walkIn.add', { id: walkIn, name: 'Kim' })]);
    expect(added?.status).toBe('applied');
    const refused = await pushAll([
      asTech('walkIn.assign', { id: walkIn, staffId: tuan, eventId: randomUUID() }),
      asTech('turn.assignNext', { walkInId: walkIn, eventId: randomUUID() }),
      asTech('walkIn.startTicket', { id: walkIn, ticketId: randomUUID(), lineId: randomUUID() }),
      asDesk('walkIn.add', { id: randomUUID(), name: 'Lo', requestedStaffId: 'not-a-uuid' }),
      asDesk('walkIn.add', { id: randomUUID(), name: 'Lo', requestedStaffId: randomUUID() }),
      asDesk('walkIn.startTicket', {
        id: randomUUID(),
        ticketId: randomUUID(),
        lineId: randomUUID(),
      }),
      asDesk('walkIn.startTicket', { id: walkIn, ticketId: randomUUID(), lineId: randomUUID() }),
    ]);
    expect(refused.map((r) => r.error?.code)).toEqual([
      'FORBIDDEN_ROLE',
      'FORBIDDEN_ROLE',
      'FORBIDDEN_ROLE',
      'INVALID_ARGS',
      'STAFF_NOT_FOUND',
      'WALK_IN_NOT_FOUND',
      'INVALID_STATUS_TRANSITION',
    ]);
    // Nothing of the refused mutations was kept: Kim still waits.
    expect((await rows())('walkIn', walkIn)).toMatchObject({ status: 'waiting', staffId: null });
  });
});
