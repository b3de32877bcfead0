/**
 * What the load generator sent and what the server acknowledged. Each mutation with a money or
 * client effect carries the effect the loadgen expects on the server if (and only if) the
 * mutation is applied; the checker folds the effects of applied mutations into the expected
 * server state.
 */

export type Effect =
  | {
      t: 'payment';
      id: string;
      ticketId: string;
      amountCents: number;
      tipCents: number;
      changeCents: number;
    }
  | { t: 'refund'; id: string; ticketId: string; amountCents: number }
  | {
      t: 'close';
      ticketId: string;
      totalCents: number;
      paidCents: number;
      changeCents: number;
      tipCents: number;
    }
  | { t: 'client'; id: string; firstName: string; lastName: string; phone: string | null };

/**
 * applied / rejected: the server said so. unknown: the answer to the first attempt was lost and
 * the retry answered `duplicate`, so the server handled it once, but we were not told how.
 */
export type AckStatus = 'applied' | 'rejected' | 'unknown';

export interface LedgerEntry {
  deviceId: string;
  mutationId: number;
  effect: Effect;
  status: AckStatus | 'pending';
}

export interface DeviceLedger {
  /** The highest mutation id the server acknowledged for this device. */
  lastAckedId: number;
  applied: number;
  rejected: number;
  unknown: number;
}

export interface StoreLedger {
  storeId: string;
  devices: Record<string, DeviceLedger>;
  entries: LedgerEntry[];
}

export interface LedgerSnapshot {
  stores: StoreLedger[];
}

/** One acknowledgement as it arrives (times on the performance.now() clock). */
export interface AckEvent {
  storeId: string;
  deviceId: string;
  mutationId: number;
  status: AckStatus;
  /** When the push that carried it was sent (this attempt). */
  sentAt: number;
  /** When its answer arrived. */
  at: number;
}

export class Ledger {
  private readonly stores = new Map<string, StoreLedger>();
  private readonly index = new Map<string, LedgerEntry>();
  private readonly listeners: ((ack: AckEvent) => void)[] = [];

  /** Calls `listener` with every acknowledgement from now on (the faults run times failovers). */
  onAck(listener: (ack: AckEvent) => void): void {
    this.listeners.push(listener);
  }

  private store(storeId: string): StoreLedger {
    let s = this.stores.get(storeId);
    if (!s) {
      s = { storeId, devices: {}, entries: [] };
      this.stores.set(storeId, s);
    }
    return s;
  }

  private device(storeId: string, deviceId: string): DeviceLedger {
    const s = this.store(storeId);
    return (s.devices[deviceId] ??= { lastAckedId: 0, applied: 0, rejected: 0, unknown: 0 });
  }

  /** Called when a mutation is put in a device's outbox. */
  expect(storeId: string, deviceId: string, mutationId: number, effect: Effect | undefined): void {
    this.device(storeId, deviceId);
    if (!effect) return;
    const entry: LedgerEntry = { deviceId, mutationId, effect, status: 'pending' };
    this.store(storeId).entries.push(entry);
    this.index.set(`${deviceId}:${mutationId}`, entry);
  }

  /** Called for every result entry of a push answer; `sentAt`: when that push was sent. */
  ack(
    storeId: string,
    deviceId: string,
    mutationId: number,
    status: AckStatus,
    sentAt = performance.now(),
  ): void {
    if (this.listeners.length > 0) {
      const event = { storeId, deviceId, mutationId, status, sentAt, at: performance.now() };
      for (const listener of this.listeners) listener(event);
    }
    const d = this.device(storeId, deviceId);
    d.lastAckedId = Math.max(d.lastAckedId, mutationId);
    d[status]++;
    const entry = this.index.get(`${deviceId}:${mutationId}`);
    if (entry) entry.status = status;
  }

  snapshot(): LedgerSnapshot {
    return { stores: [...this.stores.values()] };
  }
}
