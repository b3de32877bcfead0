/**
 * Tickets a desk can work with (issue "P1 Checkout", part C), through the real push on both
 * engines: each device's short code comes with its registration; ticket numbers made by devices
 * that were offline at the same time all apply and never collide; a number with another
 * device's code, a bad quantity or an unknown client is a coded rejection that changes nothing;
 * a technician may do none of it.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TicketLineRow, TicketRow } from '@mango/domain/entities';
import { nextTicketNumber } from '@mango/domain/ticket-numbers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

interface PushAnswer {
  results: { id: number; status: string; error?: { code: string; message: string } }[];
}

/** One business day in New York for every mutation of the suite (10:00 local). */
const CLIENT_TIME = '2026-12-04T15:00:00.000Z';

describeEachEngine('ticket numbers, line quantities and the ticket’s client', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  const serviceId = randomUUID();
  const pricyServiceId = randomUUID();
  const clientId = randomUUID();
  const technician = randomUUID();
  const devices: { deviceId: string; code: string; log: MutationLog; seen: string[] }[] = [];

  async function register(deviceId: string) {
    return app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/devices`,
      headers: store.auth,
      payload: { deviceId, name: 'Desk' },
    });
  }

  async function pushAs(d: (typeof devices)[number], mutations: unknown[]) {
    const res = await push(app, store, d.deviceId, mutations);
    expect(res.statusCode, res.body).toBe(200);
    return json<PushAnswer>(res).results;
  }

  const make = (
    d: (typeof devices)[number],
    name: string,
    args: Record<string, unknown>,
    extra: { actorStaffId?: string } = {},
  ) => ({ ...d.log.make(name, args, CLIENT_TIME), ...extra });

  async function rows() {
    const { replica } = await pullAll(app, store, store.deviceId);
    return replica;
  }
  async function row<T>(key: string): Promise<T | undefined> {
    return (await rows()).get(key)?.data as T | undefined;
  }

  /** The next number a device makes from what it holds (its own tickets; it is offline). */
  function nextNumber(d: (typeof devices)[number]): string {
    const number = nextTicketNumber(d.code, d.seen) as string;
    d.seen.push(number);
    return number;
  }

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Numbers');
    const first = await register(store.deviceId);
    expect(first.statusCode).toBe(200);
    devices.push({
      deviceId: store.deviceId,
      code: json<{ shortCode: string }>(first).shortCode,
      log: new MutationLog(store.deviceId),
      seen: [],
    });
    const secondId = randomUUID();
    const second = await register(secondId);
    expect(second.statusCode, second.body).toBe(201);
    devices.push({
      deviceId: secondId,
      code: json<{ shortCode: string }>(second).shortCode,
      log: new MutationLog(secondId),
      seen: [],
    });
    const d = devices[0]!;
    const seed = await pushAs(d, [
      make(d, 'service.upsert', {
        id: serviceId,
        name: 'Nail art (per nail)',
        durationMin: 5,
        priceCents: 500,
        taxable: false,
      }),
      make(d, 'service.upsert', {
        id: pricyServiceId,
        name: 'Bridal party',
        durationMin: 240,
        priceCents: 9_000_000,
        taxable: false,
      }),
      make(d, 'client.upsert', {
        id: clientId,
        firstName: 'Rosa',
        lastName: 'Diaz',
        notes: 'Prefers short nails',
        allergies: 'Acrylic monomer',
      }),
      make(d, 'staff.upsert', {
        id: technician,
        displayName: 'Tao Tech',
        role: 'technician',
        active: true,
      }),
    ]);
    expect(seed.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('gives each device of the store its own short code at registration, and again after', async () => {
    expect(devices.map((d) => d.code)).toEqual(['A', 'B']);
    const again = await register(devices[1]!.deviceId);
    expect(again.statusCode).toBe(200);
    expect(json(again)).toEqual({ deviceId: devices[1]!.deviceId, shortCode: 'B' });
    const list = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/devices`,
      headers: store.auth,
    });
    const codes = json<{ items: { id: string; shortCode: string }[] }>(list).items.map(
      (i) => i.shortCode,
    );
    expect(codes.sort()).toEqual(['A', 'B']);
    // Another store starts at A again: codes are per store.
    const other = await signupStore(app, 'Other');
    const mine = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${other.storeId}/devices`,
      headers: other.auth,
      payload: { deviceId: other.deviceId, name: 'Desk' },
    });
    expect(json<{ shortCode: string }>(mine).shortCode).toBe('A');
  });

  it('numbers from two devices offline at the same time all apply, and are unique', async () => {
    const [a, b] = devices as [(typeof devices)[number], (typeof devices)[number]];
    // Both offline: each numbers from its own tickets only, then both sync, B first.
    const queued = new Map<(typeof devices)[number], { id: string; number: string }[]>();
    for (const d of [a, b]) {
      queued.set(
        d,
        [1, 2, 3].map(() => ({ id: randomUUID(), number: nextNumber(d) })),
      );
    }
    for (const d of [b, a]) {
      const results = await pushAs(
        d,
        queued.get(d)!.map((t) => make(d, 'ticket.open', t)),
      );
      expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    }
    const tickets = [...(await rows()).entries()]
      .filter(([key]) => key.startsWith('ticket:'))
      .map(([, r]) => r.data as TicketRow);
    const numbers = tickets.map((t) => t.number).sort();
    expect(numbers).toEqual(['A-001', 'A-002', 'A-003', 'B-001', 'B-002', 'B-003']);
    expect(new Set(tickets.map((t) => t.businessDate))).toEqual(new Set(['2026-12-04']));
  });

  it('refuses another device’s code and a number already given today; nothing is written', async () => {
    const [a, b] = devices as [(typeof devices)[number], (typeof devices)[number]];
    const forged = randomUUID();
    const replayed = randomUUID();
    const results = await pushAs(b, [
      make(b, 'ticket.open', { id: forged, number: 'A-004' }),
      make(b, 'ticket.open', { id: replayed, number: 'B-001' }),
      make(b, 'ticket.open', { id: randomUUID(), number: 'B-0004' }),
    ]);
    expect(results.map((r) => r.error?.code)).toEqual([
      'TICKET_NUMBER_WRONG_DEVICE',
      'TICKET_NUMBER_TAKEN',
      'INVALID_ARGS',
    ]);
    expect(await row(`ticket:${forged}`)).toBeUndefined();
    expect(await row(`ticket:${replayed}`)).toBeUndefined();
    // A's own next number still goes through.
    const next = nextNumber(a);
    expect(next).toBe('A-004');
    const ok = await pushAs(a, [make(a, 'ticket.open', { id: randomUUID(), number: next })]);
    expect(ok[0]?.status).toBe('applied');
  });

  it('applies an older app’s ticket.open without a number: the ticket has none', async () => {
    const a = devices[0]!;
    const id = randomUUID();
    expect((await pushAs(a, [make(a, 'ticket.open', { id })]))[0]?.status).toBe('applied');
    expect(await row<TicketRow>(`ticket:${id}`)).toMatchObject({ number: null, status: 'open' });
  });

  describe('on an open ticket', () => {
    const ticketId = randomUUID();
    const lineId = randomUUID();
    const giftLineId = randomUUID();

    beforeAll(async () => {
      const a = devices[0]!;
      const results = await pushAs(a, [
        make(a, 'ticket.open', { id: ticketId, number: nextNumber(a) }),
        make(a, 'ticket.addLine', { ticketId, lineId, kind: 'service', itemId: serviceId }),
        make(a, 'ticket.addGiftCardLine', {
          ticketId,
          lineId: giftLineId,
          giftCardId: randomUUID(),
          code: `GC-${randomUUID().slice(0, 6)}`,
          amountCents: 2500,
        }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    });

    it('sets a line’s quantity and recomputes the totals; lines keep the order they were added', async () => {
      const a = devices[0]!;
      const results = await pushAs(a, [
        make(a, 'ticket.setLineQuantity', { ticketId, lineId, quantity: 10 }),
      ]);
      expect(results[0]?.status).toBe('applied');
      const all = await rows();
      expect(all.get(`ticketLine:${lineId}`)?.data).toMatchObject({
        quantity: 10,
        lineTotalCents: 5000,
        position: 1,
      });
      expect(all.get(`ticketLine:${giftLineId}`)?.data).toMatchObject({ position: 2 });
      expect(all.get(`ticket:${ticketId}`)?.data).toMatchObject({
        subtotalCents: 7500,
        totalCents: 7500,
      });
    });

    it('refuses bad quantities with a code and changes nothing', async () => {
      const a = devices[0]!;
      const before = await rows();
      const pricyLine = randomUUID();
      const pricyTicket = randomUUID();
      const results = await pushAs(a, [
        make(a, 'ticket.setLineQuantity', { ticketId, lineId, quantity: 0 }),
        make(a, 'ticket.setLineQuantity', { ticketId, lineId, quantity: 1000 }),
        make(a, 'ticket.setLineQuantity', { ticketId, lineId, quantity: '3' }),
        make(a, 'ticket.setLineQuantity', { ticketId, lineId: giftLineId, quantity: 2 }),
        make(a, 'ticket.setLineQuantity', { ticketId, lineId: randomUUID(), quantity: 2 }),
        make(a, 'ticket.open', { id: pricyTicket }),
        make(a, 'ticket.addLine', {
          ticketId: pricyTicket,
          lineId: pricyLine,
          kind: 'service',
          itemId: pricyServiceId,
        }),
        // 12 × $90,000 = $1,080,000: beyond a ticket's $1,000,000.
        make(a, 'ticket.setLineQuantity', {
          ticketId: pricyTicket,
          lineId: pricyLine,
          quantity: 12,
        }),
      ]);
      expect(results.map((r) => r.error?.code ?? r.status)).toEqual([
        'INVALID_ARGS',
        'INVALID_ARGS',
        'INVALID_ARGS',
        'LINE_QUANTITY_FIXED',
        'LINE_NOT_FOUND',
        'applied',
        'applied',
        'AMOUNT_OUT_OF_RANGE',
      ]);
      const after = await rows();
      for (const key of [
        `ticketLine:${lineId}`,
        `ticketLine:${giftLineId}`,
        `ticket:${ticketId}`,
      ]) {
        expect(after.get(key), key).toEqual(before.get(key));
      }
      expect(after.get(`ticketLine:${pricyLine}`)?.data).toMatchObject({ quantity: 1 });
    });

    it('links and changes the client; an unknown one is refused and nothing changes', async () => {
      const a = devices[0]!;
      const results = await pushAs(a, [
        make(a, 'ticket.setClient', { ticketId, clientId }),
        make(a, 'ticket.setClient', { ticketId, clientId: randomUUID() }),
        make(a, 'ticket.setClient', { ticketId, clientId: 'not-a-uuid' }),
      ]);
      expect(results.map((r) => r.error?.code ?? r.status)).toEqual([
        'applied',
        'CLIENT_NOT_FOUND',
        'INVALID_ARGS',
      ]);
      expect(await row<TicketRow>(`ticket:${ticketId}`)).toMatchObject({ clientId });
      expect(await row(`client:${clientId}`)).toMatchObject({ allergies: 'Acrylic monomer' });
    });

    it('refuses a technician both (FORBIDDEN_ROLE) and changes nothing', async () => {
      const a = devices[0]!;
      const before = await rows();
      const asTech = { actorStaffId: technician };
      const results = await pushAs(a, [
        make(a, 'ticket.setLineQuantity', { ticketId, lineId, quantity: 3 }, asTech),
        make(a, 'ticket.setClient', { ticketId, clientId: null }, asTech),
        make(a, 'ticket.open', { id: randomUUID(), number: nextNumber(a) }, asTech),
      ]);
      expect(results.map((r) => r.error?.code)).toEqual([
        'FORBIDDEN_ROLE',
        'FORBIDDEN_ROLE',
        'FORBIDDEN_ROLE',
      ]);
      const after = await rows();
      expect(after.get(`ticketLine:${lineId}`)).toEqual(before.get(`ticketLine:${lineId}`));
      expect(after.get(`ticket:${ticketId}`)).toEqual(before.get(`ticket:${ticketId}`));
      expect((after.get(`ticketLine:${lineId}`)?.data as TicketLineRow).quantity).toBe(10);
    });
  });
});
