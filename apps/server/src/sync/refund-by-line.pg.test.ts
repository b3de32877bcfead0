/**
 * Refunds by line and retail stock (issue "P1 Checkout"), through the real push on both engines:
 * a front desk member refunds one product line of a closed ticket with a manager's approval, the
 * server computes the amount with its share of the tax and puts the product back on the shelf;
 * deliveries come in with product.receiveStock; bad input and the wrong people are refused with
 * a code and change nothing.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { approveWithPin } from '@mango/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  approvalParamsOf,
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  setStaffPinAsOwner,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

interface PushAnswer {
  results: { id: number; status: string; error?: { code: string; message: string } }[];
}

const MANAGER_PIN = '2468';

describeEachEngine('refund by line and retail stock', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let log: MutationLog;
  let approvalParams: { approvalSalt: string; iterations: number };
  const staff = { manager: randomUUID(), frontDesk: randomUUID(), technician: randomUUID() };
  const productId = randomUUID();
  const serviceId = randomUUID();

  async function pushOne(name: string, args: Record<string, unknown>, extra = {}) {
    const res = await push(app, store, store.deviceId, [{ ...log.make(name, args), ...extra }]);
    expect(res.statusCode, res.body).toBe(200);
    return json<PushAnswer>(res).results[0]!;
  }

  async function row<T>(key: string): Promise<T | undefined> {
    const { replica } = await pullAll(app, store, store.deviceId);
    return replica.get(key)?.data as T | undefined;
  }

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Retail');
    log = new MutationLog(store.deviceId);
    for (const [id, displayName, role] of [
      [staff.manager, 'Mia Manager', 'manager'],
      [staff.frontDesk, 'Fay Desk', 'front_desk'],
      [staff.technician, 'Tao Tech', 'technician'],
    ] as const) {
      expect((await pushOne('staff.upsert', { id, displayName, role, active: true })).status).toBe(
        'applied',
      );
    }
    await setStaffPinAsOwner(app, store, staff.manager, MANAGER_PIN);
    approvalParams = await approvalParamsOf(app, store, staff.manager);
    for (const [name, args] of [
      ['store.updateSettings', { taxRatePpm: 88_750 }],
      [
        'product.upsert',
        { id: productId, name: 'Cuticle oil', priceCents: 1200, taxable: true, stockCount: 4 },
      ],
      [
        'service.upsert',
        { id: serviceId, name: 'Manicure', durationMin: 30, priceCents: 2500, taxable: true },
      ],
    ] as const) {
      expect((await pushOne(name, args)).status).toBe('applied');
    }
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('a front desk refund of one product line: approved, taxed back, restocked', async () => {
    const ticketId = randomUUID();
    const oilLine = randomUUID();
    const serviceLine = randomUUID();
    for (const [name, args] of [
      ['ticket.open', { id: ticketId }],
      ['ticket.addLine', { ticketId, lineId: oilLine, kind: 'product', itemId: productId }],
      ['ticket.setLineQuantity', { ticketId, lineId: oilLine, quantity: 2 }],
      [
        'ticket.addLine',
        {
          ticketId,
          lineId: serviceLine,
          kind: 'service',
          itemId: serviceId,
          staffId: staff.technician,
        },
      ],
    ] as const) {
      expect((await pushOne(name, args)).status).toBe('applied');
    }
    const open = await row<{ totalCents: number; taxCents: number }>(`ticket:${ticketId}`);
    // $24 + $25 = $49 taxed at 8.875 % = 434.875¢ → $4.35; total $53.35.
    expect(open).toMatchObject({ taxCents: 435, totalCents: 5335 });
    for (const [name, args] of [
      [
        'ticket.addPayment',
        { ticketId, paymentId: randomUUID(), method: 'card', amountCents: 5335 },
      ],
      ['ticket.close', { ticketId }],
    ] as const) {
      expect((await pushOne(name, args)).status).toBe('applied');
    }
    expect((await row<{ stockCount: number }>(`product:${productId}`))?.stockCount).toBe(2);

    const args = {
      ticketId,
      refundId: randomUUID(),
      method: 'card',
      lines: [{ lineId: oilLine, quantity: 1 }],
      restock: true,
    };
    const asDesk = { actorStaffId: staff.frontDesk };
    expect(await pushOne('ticket.refund', args, asDesk)).toMatchObject({
      status: 'rejected',
      error: { code: 'APPROVAL_REQUIRED' },
    });
    expect(await pushOne('ticket.refund', args, { actorStaffId: staff.technician })).toMatchObject({
      status: 'rejected',
      error: { code: 'FORBIDDEN_ROLE' },
    });
    const approval = await approveWithPin(MANAGER_PIN, approvalParams, {
      storeId: store.storeId,
      deviceId: store.deviceId,
      staffId: staff.manager,
      name: 'ticket.refund',
      args,
    });
    expect((await pushOne('ticket.refund', args, { ...asDesk, approval })).status).toBe('applied');
    // One oil: $12.00, tax round(435 × 1200 / 4900) = round(106.53) = $1.07.
    expect(await row(`refund:${args.refundId}`)).toMatchObject({
      amountCents: 1307,
      taxCents: 107,
      restocked: true,
      lines: [{ lineId: oilLine, quantity: 1, amountCents: 1200 }],
    });
    expect(await row(`ticket:${ticketId}`)).toMatchObject({ refundedCents: 1307 });
    expect((await row<{ stockCount: number }>(`product:${productId}`))?.stockCount).toBe(3);

    // The rest of the ticket gives back exactly what is left, tax to the cent.
    const rest = {
      ticketId,
      refundId: randomUUID(),
      method: 'card',
      lines: [
        { lineId: oilLine, quantity: 1 },
        { lineId: serviceLine, quantity: 1 },
      ],
      restock: false,
    };
    expect((await pushOne('ticket.refund', rest)).status).toBe('applied');
    expect(await row(`refund:${rest.refundId}`)).toMatchObject({
      amountCents: 5335 - 1307,
      taxCents: 435 - 107,
    });
    expect((await row<{ stockCount: number }>(`product:${productId}`))?.stockCount).toBe(3);
    // Nothing is left: a further refund is refused and changes nothing.
    expect(
      await pushOne('ticket.refund', {
        ticketId,
        refundId: randomUUID(),
        method: 'card',
        lines: [{ lineId: serviceLine, quantity: 1 }],
      }),
    ).toMatchObject({ status: 'rejected', error: { code: 'REFUND_EXCEEDS_QUANTITY' } });
    expect(await row(`ticket:${ticketId}`)).toMatchObject({ refundedCents: 5335 });
  });

  it('refuses bad input: both amount and lines, unknown lines, a quantity of 0', async () => {
    const ticketId = randomUUID();
    const lineId = randomUUID();
    for (const [name, args] of [
      ['ticket.open', { id: ticketId }],
      ['ticket.addLine', { ticketId, lineId, kind: 'product', itemId: productId }],
    ] as const) {
      expect((await pushOne(name, args)).status).toBe('applied');
    }
    const total = (await row<{ totalCents: number }>(`ticket:${ticketId}`))!.totalCents;
    for (const [name, args] of [
      [
        'ticket.addPayment',
        { ticketId, paymentId: randomUUID(), method: 'cash', amountCents: total },
      ],
      ['ticket.close', { ticketId }],
    ] as const) {
      expect((await pushOne(name, args)).status).toBe('applied');
    }
    const base = { ticketId, method: 'card' };
    const cases: [Record<string, unknown>, string][] = [
      [
        { ...base, refundId: randomUUID(), amountCents: 100, lines: [{ lineId, quantity: 1 }] },
        'INVALID_ARGS',
      ],
      [{ ...base, refundId: randomUUID(), lines: [{ lineId, quantity: 0 }] }, 'INVALID_ARGS'],
      [
        { ...base, refundId: randomUUID(), lines: [{ lineId: randomUUID(), quantity: 1 }] },
        'LINE_NOT_FOUND',
      ],
      [
        { ...base, refundId: randomUUID(), lines: [{ lineId, quantity: 2 }] },
        'REFUND_EXCEEDS_QUANTITY',
      ],
    ];
    for (const [args, code] of cases) {
      expect(await pushOne('ticket.refund', args), code).toMatchObject({
        status: 'rejected',
        error: { code },
      });
    }
    expect(await row(`ticket:${ticketId}`)).toMatchObject({ refundedCents: 0 });
  });

  it('receives stock with a note (a manager), refuses the front desk and bad units', async () => {
    const before = (await row<{ stockCount: number }>(`product:${productId}`))!.stockCount;
    const args = { productId, receiptId: randomUUID(), units: 24, note: 'Invoice 1187' };
    expect(
      await pushOne('product.receiveStock', args, { actorStaffId: staff.frontDesk }),
    ).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN_ROLE' } });
    expect(
      await pushOne('product.receiveStock', { ...args, receiptId: randomUUID(), units: -3 }),
    ).toMatchObject({ status: 'rejected', error: { code: 'INVALID_ARGS' } });
    expect(
      await pushOne('product.receiveStock', args, { actorStaffId: staff.manager }),
    ).toMatchObject({ status: 'applied' });
    const product = await row<{ stockCount: number; stockReceipts: unknown[] }>(
      `product:${productId}`,
    );
    expect(product?.stockCount).toBe(before + 24);
    expect(product?.stockReceipts).toMatchObject([
      { id: args.receiptId, units: 24, note: 'Invoice 1187', staffId: staff.manager },
    ]);
  });

  it('keeps the retail stock settings', async () => {
    expect(
      (await pushOne('store.updateSettings', { allowNegativeStock: true, lowStockAt: 5 })).status,
    ).toBe('applied');
    expect(await row(`store:${store.storeId}`)).toMatchObject({
      allowNegativeStock: true,
      lowStockAt: 5,
    });
  });
});
