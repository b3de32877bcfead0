import { describe, expect, it } from 'vitest';
import {
  decideOfflineCardPayment,
  DEFAULT_OFFLINE_CARD_MAX_PER_DEVICE_CENTS,
  DEFAULT_OFFLINE_CARD_MAX_PER_PAYMENT_CENTS,
  OFFLINE_SYNC_WINDOW_MS,
  reviewSyncedOfflinePayment,
} from './offline-payments';
import { apply, ids, must, seededStore, uid } from './test-support/fixtures';

const caps = {
  maxPerPaymentCents: DEFAULT_OFFLINE_CARD_MAX_PER_PAYMENT_CENTS,
  maxPerDeviceCents: DEFAULT_OFFLINE_CARD_MAX_PER_DEVICE_CENTS,
};

describe('decideOfflineCardPayment (on the device)', () => {
  it('allows up to the per-payment cap, tip included, and refuses a cent more', () => {
    const decide = (chargedCents: number) =>
      decideOfflineCardPayment({ chargedCents, unsyncedOfflineCents: 0, caps, currency: 'USD' });
    expect(decide(10_000)).toEqual({ allowed: true });
    expect(decide(10_001)).toMatchObject({
      allowed: false,
      code: 'OFFLINE_CARD_LIMIT',
      limitCents: 10_000,
      message: expect.stringContaining('$100.00'),
    });
  });

  it('refuses when the device’s unsynced offline total would pass the per-device cap', () => {
    const decide = (unsyncedOfflineCents: number, chargedCents: number) =>
      decideOfflineCardPayment({ chargedCents, unsyncedOfflineCents, caps, currency: 'USD' });
    expect(decide(40_000, 10_000)).toEqual({ allowed: true });
    const refused = decide(45_000, 6_000);
    expect(refused).toMatchObject({
      allowed: false,
      code: 'OFFLINE_DEVICE_LIMIT',
      limitCents: 50_000,
    });
    expect(refused.allowed === false && refused.message).toContain('$50.00 left');
  });

  it('refuses everything offline when a store sets its caps to zero', () => {
    expect(
      decideOfflineCardPayment({
        chargedCents: 1,
        unsyncedOfflineCents: 0,
        caps: { maxPerPaymentCents: 0, maxPerDeviceCents: 0 },
        currency: 'USD',
      }),
    ).toMatchObject({ allowed: false, code: 'OFFLINE_CARD_LIMIT' });
  });
});

describe('reviewSyncedOfflinePayment (on the server)', () => {
  const takenAt = '2026-11-20T10:00:00.000Z';
  const at = (ms: number) => new Date(Date.parse(takenAt) + ms).toISOString();

  it('flags nothing within the policy, up to exactly 24 hours late', () => {
    expect(
      reviewSyncedOfflinePayment({
        chargedCents: 10_000,
        takenAt,
        receivedAt: at(OFFLINE_SYNC_WINDOW_MS),
        earlierOfflineCents: 40_000,
        caps,
      }),
    ).toEqual([]);
  });

  it('flags a payment that synced after 24 hours', () => {
    expect(
      reviewSyncedOfflinePayment({
        chargedCents: 500,
        takenAt,
        receivedAt: at(OFFLINE_SYNC_WINDOW_MS + 1),
        earlierOfflineCents: 0,
        caps,
      }),
    ).toEqual(['SYNCED_LATE']);
  });

  it('flags a payment that takes the device past its offline total, and a late one too', () => {
    const review = (earlierOfflineCents: number, late: number) =>
      reviewSyncedOfflinePayment({
        chargedCents: 6_000,
        takenAt,
        receivedAt: at(late),
        earlierOfflineCents,
        caps,
      });
    expect(review(44_000, 60_000)).toEqual([]);
    expect(review(44_001, 60_000)).toEqual(['OVER_DEVICE_CAP']);
    expect(review(45_000, OFFLINE_SYNC_WINDOW_MS + 1)).toEqual(['OVER_DEVICE_CAP', 'SYNCED_LATE']);
  });
});

describe('ticket.addPayment offline', () => {
  const T = uid(900);
  const P = uid(901);
  async function openTicketWithLines(store: Awaited<ReturnType<typeof seededStore>>) {
    await must(store, 'ticket.open', { id: T });
    await must(store, 'ticket.addLine', {
      ticketId: T,
      lineId: uid(902),
      kind: 'product',
      itemId: ids.polish,
      quantity: 30,
    });
  }

  it('records when and on which device the card was taken, for the server’s review', async () => {
    const store = await seededStore();
    await openTicketWithLines(store);
    const takenAt = '2026-11-20T09:30:00.000Z';
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: P,
      method: 'card',
      amountCents: 5000,
      offline: true,
      takenAt,
    });
    expect(await store.get('payment', P)).toMatchObject({
      offline: true,
      offlineTakenAt: takenAt,
      offlineDeviceId: uid(8000),
    });
  });

  it('defaults the taking time to the mutation’s time and refuses takenAt on an online payment', async () => {
    const store = await seededStore();
    await openTicketWithLines(store);
    expect(
      await apply(store, 'ticket.addPayment', {
        ticketId: T,
        paymentId: P,
        method: 'card',
        amountCents: 100,
        takenAt: '2026-11-20T09:30:00.000Z',
      }),
    ).toMatchObject({ ok: false, code: 'INVALID_ARGS' });
    await must(
      store,
      'ticket.addPayment',
      { ticketId: T, paymentId: P, method: 'card', amountCents: 100, offline: true },
      { now: '2026-11-21T08:00:00.000Z' },
    );
    expect((await store.get('payment', P))?.offlineTakenAt).toBe('2026-11-21T08:00:00.000Z');
  });
});
