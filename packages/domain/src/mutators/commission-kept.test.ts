import { describe, expect, it } from 'vitest';
import { staffEarnings } from '../earnings';
import type { MemoryStore } from '../memory-store';
import { ids, must, NOW, seededStore, uid } from '../test-support/fixtures';

const MANAGER = { role: 'manager' as const };
const DAY = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

let nextId = 60_000;
const fresh = () => uid(nextId++);

/** A manicure ($25.00) by Ana, paid in cash and closed at `at`. */
async function sellManicure(store: MemoryStore, at: string) {
  const ticketId = fresh();
  const lineId = fresh();
  await must(store, 'ticket.open', { id: ticketId }, { now: at });
  await must(
    store,
    'ticket.addLine',
    { ticketId, lineId, kind: 'service', itemId: ids.manicure, staffId: ids.ana },
    { now: at },
  );
  const total = (await store.get('ticket', ticketId))?.totalCents ?? 0;
  await must(
    store,
    'ticket.addPayment',
    { ticketId, paymentId: fresh(), method: 'cash', amountCents: total },
    { now: at },
  );
  await must(store, 'ticket.close', { ticketId }, { now: at });
  return { ticketId, lineId };
}

async function setAnaRate(store: MemoryStore, args: Record<string, unknown>) {
  await must(
    store,
    'staff.upsert',
    { id: ids.ana, displayName: 'Ana', role: 'technician', active: true, ...args },
    MANAGER,
  );
}

async function anaEarnings(store: MemoryStore) {
  const [ana] = staffEarnings({
    tickets: await store.list('ticket'),
    lines: await store.list('ticketLine'),
    staff: await store.list('staff'),
    ...DAY,
  }).filter((e) => e.staffId === ids.ana);
  return ana;
}

describe('commission as sold', () => {
  it('a sale closed at 40 % still pays 40 % after the rate becomes 50 %', async () => {
    const store = await seededStore();
    const sale = await sellManicure(store, NOW);
    expect(await store.get('ticketLine', sale.lineId)).toMatchObject({
      commissionBps: 4000,
      commissionTiers: [],
    });
    await setAnaRate(store, { commissionBps: 5000 });
    expect(await anaEarnings(store)).toMatchObject({
      serviceSalesCents: 2500,
      commissionCents: 1000,
    });
    // A sale after the change earns the new rate; the earlier one keeps its own.
    await sellManicure(store, '2026-11-25T15:00:00.000Z');
    expect(await anaEarnings(store)).toMatchObject({
      serviceSalesCents: 5000,
      commissionCents: 1000 + 1250,
    });
  });

  it('lines closed before rates were kept fall back to the current rate', async () => {
    const store = await seededStore();
    const sale = await sellManicure(store, NOW);
    const line = await store.get('ticketLine', sale.lineId);
    if (!line) throw new Error('no line');
    const { commissionBps: _bps, commissionTiers: _tiers, ...legacy } = line;
    await store.put('ticketLine', legacy);
    await setAnaRate(store, { commissionBps: 5000 });
    expect(await anaEarnings(store)).toMatchObject({ commissionCents: 1250 });
  });

  it('tiers are kept too: each sale’s slice of the period is paid at the tiers it closed with', async () => {
    const store = await seededStore();
    // 10 % up to $30.00 of sales, 20 % beyond.
    await setAnaRate(store, {
      commissionTiers: [
        { fromCents: 0, bps: 1000 },
        { fromCents: 3000, bps: 2000 },
      ],
    });
    await sellManicure(store, NOW);
    await setAnaRate(store, { commissionTiers: [{ fromCents: 0, bps: 5000 }] });
    await sellManicure(store, '2026-11-25T15:00:00.000Z');
    // First sale: 2500 × 10 % = 250. Second, at 50 % flat: 1250 (had the first tiers stayed,
    // 500 × 10 % + 2000 × 20 % = 450).
    expect(await anaEarnings(store)).toMatchObject({
      serviceSalesCents: 5000,
      commissionCents: 250 + 1250,
    });
  });
});
