/**
 * Offline card payments: while the network is down the POS may still take a card (stored and
 * forwarded later, like Square's offline mode), which is a risk the salon carries — a declined
 * card is only found out on sync. The policy bounds that risk:
 *
 * - each offline card payment (amount + tip) is at most the store's per-payment cap;
 * - the unsynced offline card payments of one device add up to at most the per-device cap;
 * - an offline payment must reach the server within 24 hours of being taken.
 *
 * The device refuses a payment beyond a cap before taking it (`decideOfflineCardPayment`); the
 * per-payment cap is also enforced by `ticket.addPayment` itself, on the device and the server
 * alike. The per-device total and the 24 h window depend on what only the server sees (the other
 * payments that arrived, the receive time): the server cannot refuse a card that was already
 * charged, so a payment beyond them is applied and flagged for reconciliation
 * (`reviewSyncedOfflinePayment`).
 */
import type { StoreRow } from './entities';
import { formatMoney } from './money';

export const OFFLINE_SYNC_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Store defaults, in cents: $100 per payment (as Square), $500 per device until it syncs. */
export const DEFAULT_OFFLINE_CARD_MAX_PER_PAYMENT_CENTS = 10_000;
export const DEFAULT_OFFLINE_CARD_MAX_PER_DEVICE_CENTS = 50_000;

export type OfflineReconciliationFlag = 'OVER_DEVICE_CAP' | 'SYNCED_LATE';

export interface OfflineCardCaps {
  maxPerPaymentCents: number;
  maxPerDeviceCents: number;
}

export function offlineCardCaps(
  store: Pick<StoreRow, 'offlineCardMaxPerPaymentCents' | 'offlineCardMaxPerDeviceCents'>,
): OfflineCardCaps {
  return {
    maxPerPaymentCents: store.offlineCardMaxPerPaymentCents,
    maxPerDeviceCents: store.offlineCardMaxPerDeviceCents,
  };
}

export type OfflineCardDecision =
  | { allowed: true }
  | {
      allowed: false;
      code: 'OFFLINE_CARD_LIMIT' | 'OFFLINE_DEVICE_LIMIT';
      message: string;
      limitCents: number;
    };

/**
 * On the device, before taking a card offline. `chargedCents` is amount + tip;
 * `unsyncedOfflineCents` the device's offline card payments not yet acknowledged by the server.
 */
export function decideOfflineCardPayment(input: {
  chargedCents: number;
  unsyncedOfflineCents: number;
  caps: OfflineCardCaps;
  currency: string;
}): OfflineCardDecision {
  const { chargedCents, unsyncedOfflineCents, caps, currency } = input;
  if (chargedCents > caps.maxPerPaymentCents) {
    return {
      allowed: false,
      code: 'OFFLINE_CARD_LIMIT',
      message: `Offline card payments are limited to ${formatMoney(caps.maxPerPaymentCents, currency)}; take another tender or wait for the connection.`,
      limitCents: caps.maxPerPaymentCents,
    };
  }
  if (unsyncedOfflineCents + chargedCents > caps.maxPerDeviceCents) {
    const left = Math.max(0, caps.maxPerDeviceCents - unsyncedOfflineCents);
    return {
      allowed: false,
      code: 'OFFLINE_DEVICE_LIMIT',
      message: `This device has taken ${formatMoney(unsyncedOfflineCents, currency)} in offline card payments (limit ${formatMoney(caps.maxPerDeviceCents, currency)}, ${formatMoney(left, currency)} left) until it syncs; take another tender or wait for the connection.`,
      limitCents: caps.maxPerDeviceCents,
    };
  }
  return { allowed: true };
}

/**
 * On the server, when an offline payment arrives. `earlierOfflineCents` is what the same device
 * took offline in the 24 hours before this payment (amount + tip). Returns the reasons a person
 * must reconcile it (empty: within the policy).
 */
export function reviewSyncedOfflinePayment(input: {
  chargedCents: number;
  takenAt: string;
  receivedAt: string;
  earlierOfflineCents: number;
  caps: Pick<OfflineCardCaps, 'maxPerDeviceCents'>;
}): OfflineReconciliationFlag[] {
  const flags: OfflineReconciliationFlag[] = [];
  if (input.earlierOfflineCents + input.chargedCents > input.caps.maxPerDeviceCents)
    flags.push('OVER_DEVICE_CAP');
  const late = Date.parse(input.receivedAt) - Date.parse(input.takenAt);
  if (late > OFFLINE_SYNC_WINDOW_MS) flags.push('SYNCED_LATE');
  return flags;
}
