import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeServer } from './fake-server';
import type { AckEvent } from './ledger';
import { DEFAULT_SIM, Simulation } from './simulator';

describe('Simulation against an in-memory server speaking the protocol', () => {
  let fake: FakeServer;
  beforeAll(async () => {
    fake = await startFakeServer();
  });
  afterAll(() => fake.close());

  it('seeds, runs a day with retries on lost answers, and the ledger check passes', async () => {
    const sim = new Simulation({
      ...DEFAULT_SIM,
      baseUrl: fake.url,
      runTag: 'test',
      seed: 'sim-test',
      stores: 3,
      devicesPerStore: 2,
      clientsPerStore: 20,
      largeStoreEvery: 0,
      historyStores: 1,
      historyDays: 10,
      historyTicketsPerDay: 3,
      sseFraction: 0,
      pullIntervalMs: 500,
    });
    try {
      await sim.setup(() => {});
      const acks: AckEvent[] = [];
      const acked = () =>
        sim.ledger
          .snapshot()
          .stores.flatMap((st) => Object.values(st.devices))
          .reduce((n, d) => n + d.applied + d.rejected + d.unknown, 0);
      const ackedAtSetup = acked();
      sim.ledger.onAck((a) => acks.push(a));
      fake.failEvery = 7;
      const run = await sim.run({
        label: 'test-day',
        durationSec: 2,
        rate: 20,
        timeScale: 1 / 60_000,
        progressEveryMs: 60_000,
      });
      fake.failEvery = 0;
      expect(run.fatal).toEqual([]);
      expect(run.drained).toBe(true);
      expect(run.rejections).toEqual({});
      expect(run.errors.HTTP_503).toBeGreaterThan(0);
      expect(run.unknownOutcomes).toBeGreaterThan(0);
      // Every acknowledgement is seen as it comes, timed from the attempt that carried it (the
      // faults run's failover clock): its sending is before its answer by a round trip.
      expect(acks.length).toBe(acked() - ackedAtSetup);
      expect(acks.length).toBeGreaterThan(30);
      expect(acks.filter((a) => !(a.at - a.sentAt > 0.05))).toEqual([]);
      const { report } = await sim.verify();
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.expected.closedTickets).toBeGreaterThan(30);

      // Now lose a payment on the server: the check must fail.
      const store = [...fake.stores.values()][0]!;
      const payment = store.db.rows('payment')[0]!;
      await store.db.delete('payment', payment.id);
      const after = await sim.verify();
      expect(after.report.ok).toBe(false);
      expect(after.report.lost).toBeGreaterThan(0);
    } finally {
      sim.close();
    }
  }, 60_000);

  it('waits the Retry-After of a 503 before pushing again, as the app does', async () => {
    const sim = new Simulation({
      ...DEFAULT_SIM,
      baseUrl: fake.url,
      runTag: 'retry-after',
      seed: 'sim-retry-after',
      stores: 1,
      devicesPerStore: 2,
      clientsPerStore: 5,
      largeStoreEvery: 0,
      historyStores: 0,
      sseFraction: 0,
      pullIntervalMs: 500,
    });
    try {
      await sim.setup(() => {});
      fake.pushLog.length = 0;
      fake.failEvery = 4;
      fake.retryAfterSec = 0.6;
      const run = await sim.run({
        label: 'retry-after',
        durationSec: 1,
        rate: 10,
        timeScale: 1 / 60_000,
        progressEveryMs: 60_000,
      });
      expect(run.fatal).toEqual([]);
      expect(run.drained).toBe(true);
      // The next push of a device after its 503: no sooner than Retry-After (the backoff's first
      // retry would come after 100–200 ms).
      const gaps = fake.pushLog.flatMap((p, i) => {
        if (p.status !== 503) return [];
        const next = fake.pushLog.slice(i + 1).find((q) => q.deviceId === p.deviceId);
        return next ? [next.at - p.at] : [];
      });
      expect(gaps.length).toBeGreaterThan(2);
      expect(gaps.filter((g) => g < 590)).toEqual([]);
    } finally {
      fake.failEvery = 0;
      delete fake.retryAfterSec;
      sim.close();
    }
  }, 60_000);
});
