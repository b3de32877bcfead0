import { applyMutation, createMemoryStore } from '@mango/domain';
import { describe, expect, it } from 'vitest';
import { Rng } from './prng';
import {
  catalogMutations,
  DevicePlanner,
  giftCardSale,
  historyVisit,
  makeCatalog,
} from './scenario';

function plan(seed: string) {
  const rng = new Rng(seed);
  const catalog = makeCatalog(rng.fork('catalog'), { clients: 30, taxRatePpm: 82_500 });
  const gift = giftCardSale(rng.fork('gift'), 20_000);
  const planner = new DevicePlanner(rng.fork('planner'), catalog, catalog.clients, [gift.card]);
  const at = new Date('2026-03-02T15:00:00Z');
  const visits = Array.from({ length: 50 }, (_, i) =>
    planner.visit({ at: new Date(at.getTime() + i * 60_000), timeScale: 1 }),
  );
  return { catalog, gift, visits };
}

describe('PRNG and scenario', () => {
  it('is repeatable for a seed and differs between seeds', () => {
    expect(plan('seed-1')).toEqual(plan('seed-1'));
    expect(JSON.stringify(plan('seed-1'))).not.toEqual(JSON.stringify(plan('seed-2')));
  });

  it('makes valid, distinct v4 UUIDs and bounded ints', () => {
    const rng = new Rng('ids');
    const ids = Array.from({ length: 2000 }, () => rng.uuid());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (let i = 0; i < 1000; i++) {
      const n = rng.int(3, 7);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(7);
    }
  });

  it('forks independent generators by label', () => {
    const a = new Rng('x').fork('a');
    const b = new Rng('x').fork('b');
    expect(a.uuid()).not.toEqual(b.uuid());
    expect(new Rng('x').fork('a').uuid()).toEqual(new Rng('x').fork('a').uuid());
  });

  it('plans visits the shared domain mutators accept, with the totals and tenders the ledger expects', async () => {
    const { catalog, gift, visits } = plan('domain-check');
    const storeId = '00000000-0000-4000-8000-000000000001';
    const db = createMemoryStore();
    await db.put('store', {
      id: storeId,
      organizationId: '00000000-0000-4000-8000-000000000002',
      name: 'Test',
      currency: 'USD',
      taxRatePpm: 82_500,
      timeZone: 'America/New_York',
      plan: 'pro',
      fullTurnThresholdCents: 3000,
      offlineCardMaxPerPaymentCents: 50_000,
      offlineCardMaxPerDeviceCents: 200_000,
    });
    const actor = {
      userId: null,
      staffId: null,
      role: 'owner' as const,
      deviceId: '00000000-0000-4000-8000-000000000003',
    };
    const rejected: string[] = [];
    const run = async (name: string, args: Record<string, unknown>, now: string) => {
      try {
        await db.transaction((tx) => applyMutation({ tx, storeId, actor, now }, name, args));
      } catch (e) {
        rejected.push(`${name}: ${(e as Error).message}`);
      }
    };
    const t0 = '2026-03-02T14:00:00.000Z';
    for (const m of [...catalogMutations(catalog), ...gift.mutations])
      await run(m.name, m.args, t0);
    for (const visit of visits)
      for (const step of visit) for (const m of step.mutations) await run(m.name, m.args, t0);
    const historyPlanner = new DevicePlanner(new Rng('history'), catalog, catalog.clients, [], 0.5);
    const history = Array.from({ length: 30 }, (_, i) =>
      historyVisit(historyPlanner, new Date(Date.parse(t0) - i * 86_400_000)),
    );
    for (const visit of history) for (const m of visit) await run(m.name, m.args, t0);
    expect(rejected).toEqual([]);
    const expectedCloses = [
      ...visits.flat().flatMap((s) => s.mutations),
      ...history.flat(),
    ].flatMap((m) => (m.effect?.t === 'close' ? [m.effect] : []));
    expect(expectedCloses.length).toBe(80);
    for (const c of expectedCloses) {
      const t = await db.get('ticket', c.ticketId);
      expect(t).toMatchObject({
        status: 'closed',
        totalCents: c.totalCents,
        paidCents: c.paidCents,
        changeCents: c.changeCents,
        tipCents: c.tipCents,
      });
    }
  });

  it('plans a refund only on a ticket whose close is sent before it, however visits overlap', async () => {
    // Visits run side by side, each step after its own delay: replay them in the order their
    // steps fall due (as the simulator sends them), not in the order they were planned.
    const rng = new Rng('overlap');
    const catalog = makeCatalog(rng.fork('catalog'), { clients: 30, taxRatePpm: 82_500 });
    const planner = new DevicePlanner(rng.fork('planner'), catalog, catalog.clients, []);
    const at = Date.parse('2026-03-02T15:00:00Z');
    const due: { at: number; order: number; name: string; args: Record<string, unknown> }[] = [];
    for (let i = 0; i < 400; i++) {
      let stepAt = at + i * 60_000; // a visit a minute, each lasting half an hour or more
      for (const step of planner.visit({ at: new Date(stepAt), timeScale: 1 })) {
        stepAt += step.delayMs;
        for (const m of step.mutations) due.push({ at: stepAt, order: due.length, ...m });
      }
    }
    due.sort((a, b) => a.at - b.at || a.order - b.order);
    const refunds = due.filter((m) => m.name === 'ticket.refund');
    expect(refunds.length).toBeGreaterThan(2);
    const closedAt = new Map<unknown, number>();
    for (const m of due) {
      if (m.name === 'ticket.close') closedAt.set(m.args.ticketId, m.at);
      if (m.name === 'ticket.refund') expect(closedAt.get(m.args.ticketId)).toBeLessThan(m.at);
    }
  });
});
