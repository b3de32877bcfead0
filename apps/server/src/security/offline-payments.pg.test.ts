import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { PaymentRow } from '@mango/domain';
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

const HOUR = 3600_000;

/**
 * The server's half of the offline card policy: offline card payments that arrive later than
 * 24 h after they were taken, or that take one device past its offline total, are applied (the
 * card was charged) and flagged for reconciliation on the payment row every device pulls.
 */
describeEachEngine('offline card payments on push', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let log: MutationLog;
  const ticketId = randomUUID();

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Offline');
    log = new MutationLog(store.deviceId);
    const productId = randomUUID();
    const res = await push(app, store, store.deviceId, [
      log.make('store.updateSettings', {
        offlineCardMaxPerPaymentCents: 10_000,
        offlineCardMaxPerDeviceCents: 12_000,
      }),
      log.make('product.upsert', {
        id: productId,
        name: 'Kit',
        priceCents: 100_000,
        taxable: false,
        stockCount: 10,
      }),
      log.make('ticket.open', { id: ticketId }),
      log.make('ticket.addLine', {
        ticketId,
        lineId: randomUUID(),
        kind: 'product',
        itemId: productId,
      }),
    ]);
    expect(json<{ results: { status: string }[] }>(res).results.map((r) => r.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
    ]);
  });
  afterAll(async () => {
    await app.close();
  });

  const payOffline = async (amountCents: number, takenAt: Date) => {
    const paymentId = randomUUID();
    const res = await push(app, store, store.deviceId, [
      log.make(
        'ticket.addPayment',
        { ticketId, paymentId, method: 'card', amountCents, offline: true },
        takenAt.toISOString(),
      ),
    ]);
    const [result] = json<{ results: { status: string; error?: { code: string } }[] }>(res).results;
    const { replica } = await pullAll(app, store, store.deviceId);
    return {
      status: result?.status,
      code: result?.error?.code,
      payment: replica.get(`payment:${paymentId}`)?.data as PaymentRow | undefined,
    };
  };

  it('a new store starts with the $100 per payment and $500 per device caps', async () => {
    const fresh = await signupStore(app, 'Defaults');
    const { replica } = await pullAll(app, fresh, fresh.deviceId);
    expect(replica.get(`store:${fresh.storeId}`)?.data).toMatchObject({
      offlineCardMaxPerPaymentCents: 10_000,
      offlineCardMaxPerDeviceCents: 50_000,
    });
  });

  it('applies an offline payment within the policy without a flag', async () => {
    const { status, payment } = await payOffline(4_000, new Date(Date.now() - 3 * HOUR));
    expect(status).toBe('applied');
    expect(payment).toMatchObject({ offline: true, offlineDeviceId: store.deviceId });
    expect(payment?.reconciliation).toBeUndefined();
  });

  it('applies and flags one that takes the device past its offline total', async () => {
    const { status, payment } = await payOffline(9_000, new Date(Date.now() - 2 * HOUR));
    expect(status).toBe('applied');
    expect(payment?.reconciliation).toEqual(['OVER_DEVICE_CAP']);
  });

  it('applies and flags one that synced more than 24 h after it was taken', async () => {
    const { status, payment } = await payOffline(1_000, new Date(Date.now() - 30 * HOUR));
    expect(status).toBe('applied');
    expect(payment?.reconciliation).toEqual(['SYNCED_LATE']);
  });

  it('refuses one over the per-payment cap, on the server as on the device', async () => {
    const { status, code, payment } = await payOffline(10_001, new Date());
    expect(status).toBe('rejected');
    expect(code).toBe('OFFLINE_CARD_LIMIT');
    expect(payment).toBeUndefined();
  });
});
