import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pull,
  pullAll,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { readErrorBody, sendRaw, snapshotStore } from './test-support/hostile';

interface PushResult {
  id: number;
  status: 'applied' | 'duplicate' | 'rejected';
  error?: { code: string; message: string };
}

/**
 * Attacks through the sync protocol itself, beyond the route walk: organization A, with its own
 * valid token and device, pushes mutations naming B's client, ticket, gift card, staff and
 * service ids, pulls and subscribes with B's device id. B's rows must not change, and nothing of
 * B's (a secret written into B's names) may appear in anything A receives.
 */
describeEachEngine('sync protocol tenant attacks', (getDb) => {
  let app: FastifyInstance;
  let a: TestStore;
  let b: TestStore;
  const secret = `Secret-${randomUUID().slice(0, 8)}`;
  const bIds = {
    managerStaffId: randomUUID(),
    serviceId: randomUUID(),
    clientId: randomUUID(),
    ticketId: randomUUID(),
    giftCardId: randomUUID(),
  };
  const aIds = { serviceId: randomUUID(), ticketId: randomUUID() };
  let aLog: MutationLog;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    a = await signupStore(app, 'Alpha');
    b = await signupStore(app, 'Bravo');
    const bLog = new MutationLog(b.deviceId);
    const saleTicket = randomUUID();
    const seeded = await push(app, b, b.deviceId, [
      bLog.make('staff.upsert', {
        id: bIds.managerStaffId,
        displayName: secret,
        role: 'manager',
        active: true,
      }),
      bLog.make('service.upsert', {
        id: bIds.serviceId,
        name: secret,
        durationMin: 30,
        priceCents: 2500,
        taxable: false,
      }),
      bLog.make('client.upsert', { id: bIds.clientId, firstName: secret, lastName: 'B' }),
      bLog.make('ticket.open', { id: bIds.ticketId, clientId: bIds.clientId }),
      bLog.make('ticket.addLine', {
        ticketId: bIds.ticketId,
        lineId: randomUUID(),
        kind: 'service',
        itemId: bIds.serviceId,
      }),
      bLog.make('ticket.open', { id: saleTicket }),
      bLog.make('ticket.addGiftCardLine', {
        ticketId: saleTicket,
        lineId: randomUUID(),
        giftCardId: bIds.giftCardId,
        code: `GC-${secret}`,
        amountCents: 5000,
      }),
      bLog.make('ticket.addPayment', {
        ticketId: saleTicket,
        paymentId: randomUUID(),
        method: 'card',
        amountCents: 5000,
      }),
      bLog.make('ticket.close', { ticketId: saleTicket }),
    ]);
    expect(seeded.statusCode).toBe(200);
    const seededResults = json<{ results: PushResult[] }>(seeded).results;
    expect(seededResults.map((r) => r.status)).toEqual(seededResults.map(() => 'applied'));

    aLog = new MutationLog(a.deviceId);
    const own = await push(app, a, a.deviceId, [
      aLog.make('service.upsert', {
        id: aIds.serviceId,
        name: 'Cut',
        durationMin: 30,
        priceCents: 3000,
        taxable: false,
      }),
      aLog.make('ticket.open', { id: aIds.ticketId }),
      aLog.make('ticket.addLine', {
        ticketId: aIds.ticketId,
        lineId: randomUUID(),
        kind: 'service',
        itemId: aIds.serviceId,
      }),
    ]);
    expect(json<{ results: PushResult[] }>(own).results.map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
    ]);
  });
  afterAll(async () => {
    await app.close();
  });

  describe('mutations naming B’s ids', () => {
    const attacks: [string, () => Record<string, unknown>, string?][] = [
      [
        'ticket.addLine',
        () => ({
          ticketId: bIds.ticketId,
          lineId: randomUUID(),
          kind: 'service',
          itemId: aIds.serviceId,
        }),
      ],
      [
        'ticket.addLine',
        () => ({
          ticketId: aIds.ticketId,
          lineId: randomUUID(),
          kind: 'service',
          itemId: bIds.serviceId,
        }),
      ],
      [
        'ticket.addLine',
        () => ({
          ticketId: aIds.ticketId,
          lineId: randomUUID(),
          kind: 'service',
          itemId: aIds.serviceId,
          staffId: bIds.managerStaffId,
        }),
      ],
      [
        'ticket.addPayment',
        () => ({
          ticketId: bIds.ticketId,
          paymentId: randomUUID(),
          method: 'cash',
          amountCents: 100,
        }),
      ],
      [
        'ticket.addPayment',
        () => ({
          ticketId: aIds.ticketId,
          paymentId: randomUUID(),
          method: 'gift_card',
          amountCents: 100,
          giftCardId: bIds.giftCardId,
        }),
      ],
      [
        'giftCard.adjust',
        () => ({ giftCardId: bIds.giftCardId, movementId: randomUUID(), amountCents: 100_000 }),
      ],
      ['ticket.close', () => ({ ticketId: bIds.ticketId })],
      ['ticket.void', () => ({ ticketId: bIds.ticketId, reason: 'attack' })],
      ['ticket.open', () => ({ id: randomUUID(), clientId: bIds.clientId })],
      [
        'appointment.book',
        () => ({
          id: randomUUID(),
          staffId: bIds.managerStaffId,
          serviceId: aIds.serviceId,
          start: '2026-11-25T15:00:00.000Z',
        }),
      ],
      [
        'appointment.book',
        () => ({
          id: randomUUID(),
          staffId: bIds.managerStaffId,
          serviceId: bIds.serviceId,
          start: '2026-11-25T15:00:00.000Z',
          clientId: bIds.clientId,
        }),
      ],
      // B's manager as the acting staff member: a borrowed manager override.
      ['ticket.void', () => ({ ticketId: aIds.ticketId, reason: 'override' }), 'actor'],
    ];

    for (const [name, args, actor] of attacks) {
      it(`${name}${actor ? ' acting as B’s manager' : ''} with B’s ids is rejected and leaks nothing`, async () => {
        const before = await snapshotStore(getDb(), b.storeId);
        const m = aLog.make(name, args());
        const res = await push(app, a, a.deviceId, [
          actor ? { ...m, actorStaffId: bIds.managerStaffId } : m,
        ]);
        expect(res.statusCode).toBe(200);
        const [result] = json<{ results: PushResult[] }>(res).results;
        expect(result?.status, res.body).toBe('rejected');
        expect(result?.error?.code).toMatch(/NOT_FOUND|NOT_OPEN|ACTING_STAFF_INVALID/);
        expect(res.body).not.toContain(secret);
        expect(await snapshotStore(getDb(), b.storeId)).toEqual(before);
      });
    }

    it('upserting a client or staff member with B’s id never touches B’s row', async () => {
      const before = await snapshotStore(getDb(), b.storeId);
      const res = await push(app, a, a.deviceId, [
        aLog.make('client.upsert', { id: bIds.clientId, phone: '5550100' }),
        aLog.make('staff.upsert', {
          id: bIds.managerStaffId,
          displayName: 'Taken over',
          role: 'owner',
          active: true,
        }),
      ]);
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(secret);
      expect(await snapshotStore(getDb(), b.storeId)).toEqual(before);
      // Whatever A stored under those ids is A's own row, built from A's arguments only.
      const { replica } = await pullAll(app, a, a.deviceId);
      expect(JSON.stringify([...replica.values()])).not.toContain(secret);
    });
  });

  describe('B’s device, store and stream', () => {
    const refusal = (res: { statusCode: number; body: string }, status: number, code: string) => {
      expect(res.statusCode, res.body).toBe(status);
      expect(json<{ error: { code: string } }>(res as never).error.code).toBe(code);
      expect(res.body).not.toContain(secret);
    };

    it('refuses a push with B’s device id to A’s store, and writes nothing anywhere', async () => {
      const beforeA = await snapshotStore(getDb(), a.storeId);
      const beforeB = await snapshotStore(getDb(), b.storeId);
      const res = await push(app, a, b.deviceId, [
        new MutationLog(b.deviceId).make('client.upsert', { id: randomUUID(), firstName: 'X' }),
      ]);
      refusal(res, 403, 'DEVICE_NOT_REGISTERED');
      expect(await snapshotStore(getDb(), a.storeId)).toEqual(beforeA);
      expect(await snapshotStore(getDb(), b.storeId)).toEqual(beforeB);
    });

    it('refuses a push to B’s store with A’s token and B’s device', async () => {
      const before = await snapshotStore(getDb(), b.storeId);
      const res = await push(app, { storeId: b.storeId, auth: a.auth }, b.deviceId, [
        new MutationLog(b.deviceId).make('client.upsert', { id: randomUUID(), firstName: 'X' }),
      ]);
      refusal(res, 403, 'FORBIDDEN');
      expect(await snapshotStore(getDb(), b.storeId)).toEqual(before);
    });

    it('refuses pulls with B’s device id, in A’s store and in B’s', async () => {
      refusal(await pull(app, a, b.deviceId, 0), 403, 'DEVICE_NOT_REGISTERED');
      refusal(
        await pull(app, { storeId: b.storeId, auth: a.auth }, b.deviceId, 0),
        403,
        'FORBIDDEN',
      );
      refusal(
        await pull(app, { storeId: b.storeId, auth: a.auth }, a.deviceId, 0),
        403,
        'FORBIDDEN',
      );
    });

    it('refuses acknowledging B’s rejections', async () => {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/stores/${a.storeId}/sync/rejections/ack`,
        headers: a.auth,
        payload: { deviceId: b.deviceId, ids: [1, 2, 3] },
      });
      refusal(res, 403, 'DEVICE_NOT_REGISTERED');
    });

    it('refuses taking over B’s device id by registering it to A’s store', async () => {
      const before = await snapshotStore(getDb(), b.storeId);
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/stores/${a.storeId}/devices`,
        headers: a.auth,
        payload: { deviceId: b.deviceId, name: 'Stolen' },
      });
      refusal(res, 409, 'DEVICE_ID_TAKEN');
      expect(await snapshotStore(getDb(), b.storeId)).toEqual(before);
    });

    it('refuses an event stream of B’s store, and one of A’s store for B’s device', async () => {
      for (const [storeId, deviceId, code] of [
        [b.storeId, a.deviceId, 'FORBIDDEN'],
        [b.storeId, b.deviceId, 'FORBIDDEN'],
        [a.storeId, b.deviceId, 'DEVICE_NOT_REGISTERED'],
      ] as const) {
        const res = await sendRaw(app, {
          method: 'GET',
          url: `/api/v1/stores/${storeId}/sync/events?deviceId=${deviceId}`,
          headers: a.auth,
        });
        expect(res.statusCode, res.body).toBe(403);
        expect(readErrorBody(res)?.code).toBe(code);
        expect(res.body).not.toContain(secret);
      }
    });

    it('A’s own full pull carries nothing of B’s', async () => {
      const { replica } = await pullAll(app, a, a.deviceId);
      const everything = JSON.stringify([...replica.entries()]);
      expect(replica.size).toBeGreaterThan(0);
      expect(everything).not.toContain(secret);
      for (const id of [bIds.ticketId, bIds.giftCardId, bIds.serviceId]) {
        expect(everything).not.toContain(id);
      }
    });
  });
});
