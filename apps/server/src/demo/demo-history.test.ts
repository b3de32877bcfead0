import { describe, expect, it } from 'vitest';
import type { StoreRow } from '@mango/domain';
import { localInstant, weekdayOf } from './demo-calendar';
import { DemoDevice } from './demo-device';
import { buildDemoHistory, DEFAULT_DEMO_SEED } from './demo-history';
import { DemoRandom } from './demo-random';

const STORE: StoreRow = {
  id: '0b0c5a3e-8f61-4a63-9a43-5d2f0e6b7c11',
  organizationId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  name: 'Demo',
  currency: 'USD',
  taxRatePpm: 88_750,
  timeZone: 'America/New_York',
  plan: 'pro',
  fullTurnThresholdCents: 0,
  offlineCardMaxPerPaymentCents: 20_000,
  offlineCardMaxPerDeviceCents: 100_000,
};
const IDS = {
  storeId: STORE.id,
  deviceId: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60',
  userId: '3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6071',
};

async function build(now: Date, seed = DEFAULT_DEMO_SEED) {
  const device = await DemoDevice.start(IDS, STORE);
  const summary = await buildDemoHistory(device, {
    now,
    timeZone: STORE.timeZone,
    seed,
  });
  return { device, summary };
}

describe('demo history (on the device copy)', () => {
  it('is the same store from the same seed and clock, to every id, cent and time', async () => {
    const now = new Date('2026-03-14T18:30:00Z');
    const a = await build(now);
    const b = await build(now);
    expect(b.device.mutations).toEqual(a.device.mutations);
    expect(b.device.local.snapshot()).toEqual(a.device.local.snapshot());
    const other = await build(now, DEFAULT_DEMO_SEED + 1);
    expect(other.device.mutations).not.toEqual(a.device.mutations);
  });

  it('never dates a mutation after now, and plays the days in order', async () => {
    // Early in the morning, on the closed weekday: today's floor is squeezed before now.
    for (const now of [new Date('2026-03-16T05:20:00Z'), new Date('2026-07-04T23:50:00Z')]) {
      const { device } = await build(now);
      const times = device.mutations.map((m) => Date.parse(m.clientTime));
      expect(Math.max(...times)).toBeLessThanOrEqual(now.getTime());
      expect(device.local.rows('ticket').some((t) => t.status === 'open')).toBe(true);
      expect(device.local.rows('turn').length).toBeGreaterThan(0);
    }
  });

  it('turns store-local times into instants across a DST change', () => {
    // New York: EST (−5 h) before 8 March 2026, EDT (−4 h) after.
    expect(
      new Date(localInstant('2026-03-07', 9 * 60 + 30, 'America/New_York')).toISOString(),
    ).toBe('2026-03-07T14:30:00.000Z');
    expect(
      new Date(localInstant('2026-03-09', 9 * 60 + 30, 'America/New_York')).toISOString(),
    ).toBe('2026-03-09T13:30:00.000Z');
    expect(weekdayOf('2026-03-09')).toBe(1);
  });

  it('draws the same numbers from the same seed', () => {
    const a = new DemoRandom(7);
    const b = new DemoRandom(7);
    const draws = Array.from({ length: 5 }, () => a.int(0, 1000));
    expect(Array.from({ length: 5 }, () => b.int(0, 1000))).toEqual(draws);
    expect(new DemoRandom(7).uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
