/**
 * Gift cards at the desk (issue "P1 Checkout"), through the real push on both engines: the front
 * desk sells a card on a ticket paid in cash, reloads it on another ticket
 * (ticket.addGiftCardReload) and the server adds the value only when that ticket closes; bad
 * input, an unknown or void card and a technician are refused with a code and change nothing.
 */
import { randomUUID } from 'node:crypto';
import type { GiftCardMovementRow, GiftCardRow, TicketLineRow } from '@mango/domain/entities';
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

interface PushAnswer {
  results: { id: number; status: string; error?: { code: string; message: string } }[];
}

describeEachEngine('gift card reloads', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let log: MutationLog;
  const staff = { frontDesk: randomUUID(), technician: randomUUID() };
  const asDesk = { actorStaffId: staff.frontDesk };
  const giftCardId = randomUUID();
  const code = 'GC-TEST-RELOAD-01';

  async function pushOne(name: string, args: Record<string, unknown>, extra = {}) {
    const res = await push(app, store, store.deviceId, [{ ...log.make(name, args), ...extra }]);
    expect(res.statusCode, res.body).toBe(200);
    return json<PushAnswer>(res).results[0]!;
  }

  async function applied(name: string, args: Record<string, unknown>, extra = asDesk) {
    const result = await pushOne(name, args, extra);
    expect(result, `${name} ${JSON.stringify(result.error)}`).toMatchObject({ status: 'applied' });
  }

  async function rows() {
    const { replica } = await pullAll(app, store, store.deviceId);
    return replica;
  }

  async function card(): Promise<GiftCardRow | undefined> {
    return (await rows()).get(`giftCard:${giftCardId}`)?.data as GiftCardRow | undefined;
  }

  /** Opens a ticket by the front desk and returns its id. */
  async function openTicket(): Promise<string> {
    const ticketId = randomUUID();
    await applied('ticket.open', { id: ticketId });
    return ticketId;
  }

  async function payCashAndClose(ticketId: string, amountCents: number) {
    await applied('ticket.addPayment', {
      ticketId,
      paymentId: randomUUID(),
      method: 'cash',
      amountCents,
    });
    await applied('ticket.close', { ticketId });
  }

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Gift cards');
    log = new MutationLog(store.deviceId);
    for (const [id, displayName, role] of [
      [staff.frontDesk, 'Fay Desk', 'front_desk'],
      [staff.technician, 'Tao Tech', 'technician'],
    ] as const) {
      expect((await pushOne('staff.upsert', { id, displayName, role, active: true })).status).toBe(
        'applied',
      );
    }
    // The card: sold for $50 in cash by the front desk.
    const sale = await openTicket();
    await applied('ticket.addGiftCardLine', {
      ticketId: sale,
      lineId: randomUUID(),
      giftCardId,
      code,
      amountCents: 5000,
    });
    await payCashAndClose(sale, 5000);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('adds a reload to the card only when its ticket closes, as a reload movement', async () => {
    expect(await card()).toMatchObject({ code, balanceCents: 5000, status: 'active' });
    const ticketId = await openTicket();
    const lineId = randomUUID();
    await applied('ticket.addGiftCardReload', { ticketId, lineId, giftCardId, amountCents: 2500 });

    let replica = await rows();
    expect(replica.get(`ticketLine:${lineId}`)?.data).toMatchObject({
      kind: 'gift_card',
      itemId: giftCardId,
      giftCardReload: true,
      giftCardCode: code,
      lineTotalCents: 2500,
      taxable: false,
    } satisfies Partial<TicketLineRow>);
    expect(replica.get(`ticket:${ticketId}`)?.data).toMatchObject({ totalCents: 2500 });
    // Not paid yet: the card holds what it held.
    expect(await card()).toMatchObject({ balanceCents: 5000 });

    // Closing before it is paid is refused, and the card is still untouched.
    expect(await pushOne('ticket.close', { ticketId }, asDesk)).toMatchObject({
      status: 'rejected',
      error: { code: 'TICKET_NOT_PAID' },
    });
    expect(await card()).toMatchObject({ balanceCents: 5000 });

    await payCashAndClose(ticketId, 2500);
    replica = await rows();
    expect(replica.get(`giftCard:${giftCardId}`)?.data).toMatchObject({
      balanceCents: 7500,
      initialCents: 5000,
      status: 'active',
    });
    expect(replica.get(`giftCardMovement:${lineId}`)?.data).toMatchObject({
      giftCardId,
      kind: 'reload',
      amountCents: 2500,
      ticketId,
    } satisfies Partial<GiftCardMovementRow>);
  });

  it('refuses bad input, an unknown card and a second reload of the card on one ticket', async () => {
    const ticketId = await openTicket();
    const valid = { ticketId, lineId: randomUUID(), giftCardId, amountCents: 1000 };
    const refusals: [Record<string, unknown>, string][] = [
      [{ ...valid, amountCents: 0 }, 'INVALID_ARGS'],
      [{ ...valid, amountCents: -500 }, 'INVALID_ARGS'],
      [{ ...valid, amountCents: 12.5 }, 'INVALID_ARGS'],
      [{ ...valid, giftCardId: 'not-a-uuid' }, 'INVALID_ARGS'],
      [{ ...valid, code }, 'INVALID_ARGS'],
      [{ ...valid, amountCents: 1_000_001 }, 'INVALID_ARGS'],
      // The card would hold more than $10,000.
      [{ ...valid, amountCents: 1_000_000 }, 'AMOUNT_OUT_OF_RANGE'],
      [{ ...valid, giftCardId: randomUUID() }, 'GIFT_CARD_NOT_FOUND'],
      [{ ...valid, ticketId: randomUUID() }, 'TICKET_NOT_FOUND'],
    ];
    for (const [args, errorCode] of refusals) {
      expect(
        await pushOne('ticket.addGiftCardReload', args, asDesk),
        JSON.stringify(args),
      ).toMatchObject({ status: 'rejected', error: { code: errorCode } });
    }
    await applied('ticket.addGiftCardReload', valid);
    expect(
      await pushOne('ticket.addGiftCardReload', { ...valid, lineId: randomUUID() }, asDesk),
    ).toMatchObject({ status: 'rejected', error: { code: 'GIFT_CARD_ALREADY_ON_TICKET' } });
    const replica = await rows();
    const lines = [...replica.values()]
      .map((r) => r.data as TicketLineRow)
      .filter((l) => l.ticketId === ticketId);
    expect(lines).toHaveLength(1);
    expect(replica.get(`ticket:${ticketId}`)?.data).toMatchObject({ totalCents: 1000 });
  });

  it('refuses a technician: reloading a card is a sale', async () => {
    const ticketId = await openTicket();
    const lineId = randomUUID();
    expect(
      await pushOne(
        'ticket.addGiftCardReload',
        { ticketId, lineId, giftCardId, amountCents: 1000 },
        { actorStaffId: staff.technician },
      ),
    ).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN_ROLE' } });
    const replica = await rows();
    expect(replica.has(`ticketLine:${lineId}`)).toBe(false);
    expect(replica.get(`ticket:${ticketId}`)?.data).toMatchObject({ totalCents: 0 });
  });
});
