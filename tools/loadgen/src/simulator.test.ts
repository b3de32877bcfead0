import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeServer } from './fake-server';
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
});
