import { randomUUID } from 'node:crypto';
import { staffEarnings } from '@mango/domain';
import type {
  CashDrawerRow,
  GiftCardMovementRow,
  GiftCardRow,
  PaymentRow,
  StaffRow,
  TicketLineRow,
  TicketRow,
} from '@mango/domain';
import type { FastifyInstance } from 'fastify';
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

interface PushBody {
  results: { status: string; error?: { code: string } }[];
}

/** What the server holds after its pushes, read back through the real pull. */
async function serverRows(app: FastifyInstance, store: TestStore) {
  const { replica, cursor } = await pullAll(app, store, store.deviceId);
  const rows = <T>(entity: string) =>
    [...replica.entries()]
      .filter(([key]) => key.startsWith(`${entity}:`))
      .map(([, v]) => v.data as T);
  const row = <T>(entity: string, id: string) => replica.get(`${entity}:${id}`)?.data as T;
  return { rows, row, cursor, replica };
}

describeEachEngine('tips on any tender, split on the server', (getDb) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeTestApp(getDb());
  });
  afterAll(async () => {
    await app.close();
  });

  /** Two technicians and two untaxed services (40.00 and 20.00), so the numbers read plainly. */
  function salon(log: MutationLog) {
    const linh = randomUUID();
    const mai = randomUUID();
    const gel = randomUUID();
    const polish = randomUUID();
    const mutations = [
      log.make('staff.upsert', { id: linh, displayName: 'Linh', role: 'technician', active: true }),
      log.make('staff.upsert', { id: mai, displayName: 'Mai', role: 'technician', active: true }),
      log.make('service.upsert', {
        id: gel,
        name: 'Gel manicure',
        durationMin: 45,
        priceCents: 4000,
        taxable: false,
      }),
      log.make('service.upsert', {
        id: polish,
        name: 'Polish change',
        durationMin: 15,
        priceCents: 2000,
        taxable: false,
      }),
    ];
    return { linh, mai, gel, polish, mutations };
  }

  function twoTechnicianTicket(log: MutationLog, s: ReturnType<typeof salon>) {
    const ticketId = randomUUID();
    return {
      ticketId,
      mutations: [
        log.make('ticket.open', { id: ticketId }),
        log.make('ticket.addLine', {
          ticketId,
          lineId: randomUUID(),
          kind: 'service',
          itemId: s.gel,
          staffId: s.linh,
        }),
        log.make('ticket.addLine', {
          ticketId,
          lineId: randomUUID(),
          kind: 'service',
          itemId: s.polish,
          staffId: s.mai,
        }),
      ],
    };
  }

  describe('a cash tip', () => {
    it('applies, lands in the drawer and in each technician’s tips', async () => {
      const store = await signupStore(app, 'CashTip');
      const log = new MutationLog(store.deviceId);
      // Mutation ids are given as they are made: make them in the order they are pushed.
      const s = salon(log);
      const drawerId = randomUUID();
      const openDrawer = log.make('cashDrawer.open', { id: drawerId, floatCents: 10_000 });
      const t = twoTechnicianTicket(log, s);
      const paymentId = randomUUID();
      const res = await push(app, store, store.deviceId, [
        ...s.mutations,
        openDrawer,
        ...t.mutations,
        // 70.00 handed over for 60.00, and a 9.00 tip on top: 10.00 change.
        log.make('ticket.addPayment', {
          ticketId: t.ticketId,
          paymentId,
          method: 'cash',
          amountCents: 7000,
          tipCents: 900,
        }),
        log.make('ticket.setTipSplit', { ticketId: t.ticketId, split: { mode: 'even' } }),
        log.make('ticket.close', { ticketId: t.ticketId }),
        log.make('cashDrawer.close', { id: drawerId, countedCents: 16_900 }),
      ]);
      expect(res.statusCode).toBe(200);
      const results = json<PushBody>(res).results;
      // Every mutation answered (a gap in the ids would stop the push early) and applied.
      expect(results.map((r) => r.status)).toEqual(Array(12).fill('applied'));

      const { row, rows } = await serverRows(app, store);
      expect(row<PaymentRow>('payment', paymentId)).toMatchObject({
        method: 'cash',
        amountCents: 7000,
        tipCents: 900,
        changeCents: 1000,
        cashDrawerId: drawerId,
      });
      expect(row<TicketRow>('ticket', t.ticketId)).toMatchObject({
        status: 'closed',
        totalCents: 6000,
        tipCents: 900,
        tipSplit: { mode: 'even' },
        tipShares: { [s.linh]: 450, [s.mai]: 450 },
      });
      // float 100.00 + cash 70.00 + tip 9.00 − change 10.00
      expect(row<CashDrawerRow>('cashDrawer', drawerId)).toMatchObject({
        status: 'closed',
        expectedCents: 16_900,
        overShortCents: 0,
      });
      const earnings = staffEarnings({
        tickets: rows<TicketRow>('ticket'),
        lines: rows<TicketLineRow>('ticketLine'),
        staff: rows<StaffRow>('staff'),
        from: '2000-01-01T00:00:00.000Z',
        to: '2100-01-01T00:00:00.000Z',
      });
      expect(Object.fromEntries(earnings.map((e) => [e.staffId, e.tipsCents]))).toEqual({
        [s.linh]: 450,
        [s.mai]: 450,
      });
    });
  });

  describe('a gift card tip', () => {
    it('comes off the card with the amount, is refused past the balance, and goes back when removed', async () => {
      const store = await signupStore(app, 'GiftTip');
      const log = new MutationLog(store.deviceId);
      const s = salon(log);
      const sale = randomUUID();
      const giftCardId = randomUUID();
      // Sell a 100.00 card first: it is issued when its ticket closes.
      const sellCard = [
        log.make('ticket.open', { id: sale }),
        log.make('ticket.addGiftCardLine', {
          ticketId: sale,
          lineId: randomUUID(),
          giftCardId,
          code: 'TIP-CARD-1',
          amountCents: 10_000,
        }),
        log.make('ticket.addPayment', {
          ticketId: sale,
          paymentId: randomUUID(),
          method: 'card',
          amountCents: 10_000,
        }),
        log.make('ticket.close', { ticketId: sale }),
      ];
      const t = twoTechnicianTicket(log, s);
      const paymentId = randomUUID();
      const res = await push(app, store, store.deviceId, [
        ...s.mutations,
        ...sellCard,
        ...t.mutations,
        // 60.00 + a 50.00 tip is more than the 100.00 on the card.
        log.make('ticket.addPayment', {
          ticketId: t.ticketId,
          paymentId: randomUUID(),
          method: 'gift_card',
          giftCardId,
          amountCents: 6000,
          tipCents: 5000,
        }),
        log.make('ticket.addPayment', {
          ticketId: t.ticketId,
          paymentId,
          method: 'gift_card',
          giftCardId,
          amountCents: 6000,
          tipCents: 1200,
        }),
      ]);
      expect(res.statusCode).toBe(200);
      const results = json<PushBody>(res).results;
      expect(results.at(-2)).toMatchObject({
        status: 'rejected',
        error: { code: 'GIFT_CARD_INSUFFICIENT' },
      });
      expect(results.at(-1)).toMatchObject({ status: 'applied' });

      let server = await serverRows(app, store);
      expect(server.row<GiftCardRow>('giftCard', giftCardId)).toMatchObject({
        balanceCents: 2800,
      });
      expect(server.row<GiftCardMovementRow>('giftCardMovement', paymentId)).toMatchObject({
        kind: 'redeem',
        amountCents: -7200,
      });
      expect(server.row<TicketRow>('ticket', t.ticketId)).toMatchObject({
        paidCents: 6000,
        tipCents: 1200,
      });

      // The account is the owner's: removing a payment needs no approval.
      const removed = await push(app, store, store.deviceId, [
        log.make('ticket.removePayment', { ticketId: t.ticketId, paymentId }),
      ]);
      expect(json<PushBody>(removed).results).toMatchObject([{ status: 'applied' }]);
      server = await serverRows(app, store);
      expect(server.row<GiftCardRow>('giftCard', giftCardId)).toMatchObject({
        balanceCents: 10_000,
      });
      expect(server.replica.has(`giftCardMovement:${paymentId}`)).toBe(false);
      expect(server.row<TicketRow>('ticket', t.ticketId)).toMatchObject({
        paidCents: 0,
        tipCents: 0,
      });
    });
  });

  describe('a manual split', () => {
    it('that does not add up to the tip is rejected with a code, and nothing changes', async () => {
      const store = await signupStore(app, 'ManualTip');
      const log = new MutationLog(store.deviceId);
      const s = salon(log);
      const t = twoTechnicianTicket(log, s);
      const setup = await push(app, store, store.deviceId, [
        ...s.mutations,
        ...t.mutations,
        log.make('ticket.addPayment', {
          ticketId: t.ticketId,
          paymentId: randomUUID(),
          method: 'cash',
          amountCents: 6000,
          tipCents: 1000,
        }),
      ]);
      expect(json<PushBody>(setup).results.every((r) => r.status === 'applied')).toBe(true);
      const before = await serverRows(app, store);

      const res = await push(app, store, store.deviceId, [
        log.make('ticket.setTipSplit', {
          ticketId: t.ticketId,
          split: { mode: 'manual', shares: { [s.linh]: 600, [s.mai]: 399 } },
        }),
      ]);
      expect(json<PushBody>(res).results).toMatchObject([
        { status: 'rejected', error: { code: 'TIP_SPLIT_MISMATCH' } },
      ]);
      const after = await serverRows(app, store);
      expect(after.cursor).toBe(before.cursor);
      expect(after.row('ticket', t.ticketId)).toEqual(before.row('ticket', t.ticketId));

      // The same shares to the cent apply, and the ticket closes with them.
      const fixed = await push(app, store, store.deviceId, [
        log.make('ticket.setTipSplit', {
          ticketId: t.ticketId,
          split: { mode: 'manual', shares: { [s.linh]: 600, [s.mai]: 400 } },
        }),
        log.make('ticket.close', { ticketId: t.ticketId }),
      ]);
      expect(json<PushBody>(fixed).results.map((r) => r.status)).toEqual(['applied', 'applied']);
      expect((await serverRows(app, store)).row<TicketRow>('ticket', t.ticketId)).toMatchObject({
        status: 'closed',
        tipShares: { [s.linh]: 600, [s.mai]: 400 },
      });
    });
  });
});
