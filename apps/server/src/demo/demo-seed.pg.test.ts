import { beforeAll, expect, it } from 'vitest';
import {
  addMinutes,
  businessDate,
  checkTicketInvariants,
  giftCardLedger,
  sumCents,
  type EntityName,
  type EntityRows,
} from '@mango/domain';
import { createTokenSigner } from '../auth/tokens';
import type { Clock } from '../clock';
import { createSqlMutatorTx } from '../db/entity-store';
import { describeEachEngine } from '../db/test-support/engines';
import { PLAN_LIMITS } from '../quotas/plans';
import { TEST_JWT_SECRET } from '../test-support/test-app';
import { addDays, weekdayOf } from './demo-calendar';
import { HISTORY_DAYS } from './demo-history';
import { seedDemo, type DemoSeedResult } from './demo-seed';

/** A Saturday afternoon in New York; the eight weeks before it cross the DST change of 8 March. */
const NOW = new Date('2026-03-14T18:30:00Z');
const TZ = 'America/New_York';
const clock: Clock = { now: () => NOW };

const ENTITIES = [
  'store',
  'staff',
  'ticket',
  'ticketLine',
  'payment',
  'refund',
  'giftCard',
  'giftCardMovement',
  'cashDrawer',
  'cashMovement',
  'appointment',
  'turn',
  'turnEvent',
  'walkIn',
  'product',
] as const satisfies readonly EntityName[];

/** The store the default seed makes on NOW's day (the history test proves the plan is repeatable). */
const PINNED = {
  mutations: 2605,
  closedTickets: 464,
  openTickets: 4,
  voidedTickets: 2,
  salesCents: 2_365_447,
  taxCents: 13_147,
  tipsCents: 246_700,
  refunds: 7,
  refundedCents: 25_000,
  giftCards: 15,
  giftCardBalancesCents: 21_000,
  appointments: 131,
  drawerOverShortCents: 800,
};

type Rows = { [E in (typeof ENTITIES)[number]]: EntityRows[E][] };

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  return groups;
}

describeEachEngine('demo seed', (getDb) => {
  let seeded: Extract<DemoSeedResult, { created: true }>;
  let rows: Rows;
  const day = (iso: string) => businessDate(iso, TZ);

  beforeAll(async () => {
    const result = await seedDemo({
      db: getDb(),
      signer: createTokenSigner(TEST_JWT_SECRET),
      clock,
      accessTokenTtlSec: 900,
      refreshTokenTtlSec: 86_400,
      refreshReuseGraceSec: 30,
    });
    if (!result.created) throw new Error('the demo seed did not run');
    seeded = result;
    console.info(
      `demo seed [${getDb().engine}]: ${seeded.mutations} mutations in ${seeded.seedMs} ms`,
    );
    rows = await getDb().transaction(
      { storeId: seeded.storeId, organizationId: seeded.organizationId },
      async (sql) => {
        const tx = createSqlMutatorTx(sql, { storeId: seeded.storeId, version: 1 });
        const out: Partial<Record<EntityName, unknown[]>> = {};
        for (const entity of ENTITIES) out[entity] = await tx.list(entity);
        return out as Rows;
      },
    );
  });

  it('runs once: the demo account exists after it', async () => {
    const again = await seedDemo({
      db: getDb(),
      signer: createTokenSigner(TEST_JWT_SECRET),
      clock,
      accessTokenTtlSec: 900,
      refreshTokenTtlSec: 86_400,
      refreshReuseGraceSec: 30,
    });
    expect(again).toEqual({ created: false });
  });

  it('has eight weeks of closed tickets: every open day sells, Mondays are closed, weekends are busy', () => {
    expect(seeded.today).toBe('2026-03-14');
    expect(seeded.firstDay).toBe(addDays('2026-03-14', -HISTORY_DAYS));
    const closed = rows.ticket.filter((t) => t.status === 'closed');
    const byDay = groupBy(closed, (t) => day(t.closedAt!));
    const openDays: string[] = [];
    for (let d = seeded.firstDay; d < seeded.today; d = addDays(d, 1)) {
      if (weekdayOf(d) === 1) {
        expect(byDay.get(d), `closed Monday ${d}`).toBeUndefined();
        continue;
      }
      openDays.push(d);
      const sales = byDay.get(d) ?? [];
      expect(sales.length, `tickets on ${d}`).toBeGreaterThan(0);
      expect(sumCents(sales.map((t) => t.totalCents)), `sales on ${d}`).toBeGreaterThan(0);
    }
    expect(openDays).toHaveLength(48);
    expect(byDay.get(seeded.today)?.length ?? 0).toBeGreaterThan(0);
    const mean = (weekdays: number[]) => {
      const days = openDays.filter((d) => weekdays.includes(weekdayOf(d)));
      return sumCents(days.map((d) => byDay.get(d)?.length ?? 0)) / days.length;
    };
    expect(mean([5, 6])).toBeGreaterThan(mean([2, 3, 4]) * 1.4);
    // Several technicians did the work.
    const techs = new Set(
      rows.ticketLine.filter((l) => l.kind === 'service').map((l) => l.staffId),
    );
    expect(techs.size).toBe(4);
    expect(rows.ticketLine.some((l) => l.kind === 'product')).toBe(true);
  });

  it('keeps every ticket invariant, computed by the server', () => {
    const store = rows.store[0]!;
    const lines = groupBy(rows.ticketLine, (l) => l.ticketId);
    const payments = groupBy(rows.payment, (p) => p.ticketId);
    const refunds = groupBy(rows.refund, (r) => r.ticketId);
    const broken = rows.ticket.flatMap((ticket) =>
      checkTicketInvariants(
        {
          ticket,
          lines: lines.get(ticket.id) ?? [],
          payments: payments.get(ticket.id) ?? [],
          refunds: refunds.get(ticket.id) ?? [],
        },
        store.taxRatePpm,
      ).map((problem) => `${ticket.id}: ${problem}`),
    );
    expect(broken).toEqual([]);
    // Retail is taxed, services are not: some tickets carry tax.
    expect(rows.ticket.some((t) => t.status === 'closed' && t.taxCents > 0)).toBe(true);
  });

  it('has tips, split tenders and discounts', () => {
    const closed = rows.ticket.filter((t) => t.status === 'closed');
    const tipped = closed.filter((t) => t.tipCents > 0);
    expect(tipped.length).toBeGreaterThan(closed.length / 3);
    for (const t of tipped) expect(sumCents(Object.values(t.tipShares ?? {}))).toBe(t.tipCents);
    const methods = groupBy(rows.payment, (p) => p.ticketId);
    const split = [...methods.values()].filter((ps) => new Set(ps.map((p) => p.method)).size > 1);
    expect(split.some((ps) => ps.some((p) => p.method === 'cash'))).toBe(true);
    expect(split.some((ps) => ps.some((p) => p.method === 'gift_card'))).toBe(true);
    expect(rows.payment.some((p) => p.method === 'cash' && p.changeCents > 0)).toBe(true);
    expect(closed.filter((t) => t.discountCents > 0).length).toBeGreaterThanOrEqual(3);
  });

  it('sells gift cards, spends part of them, and every ledger adds up to its balance', () => {
    const cards = rows.giftCard;
    expect(cards.length).toBeGreaterThanOrEqual(5);
    expect(cards.some((c) => c.balanceCents > 0 && c.balanceCents < c.initialCents)).toBe(true);
    expect(cards.some((c) => c.status === 'void')).toBe(true);
    const movements = groupBy(rows.giftCardMovement, (m) => m.giftCardId);
    for (const card of cards) {
      expect(giftCardLedger(movements.get(card.id) ?? []).balanceCents, card.code).toBe(
        card.balanceCents,
      );
    }
    const kinds = new Set(rows.giftCardMovement.map((m) => m.kind));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['issue', 'redeem', 'sale_refund']));
  });

  it('has a few refunds and one or two voids', () => {
    expect(rows.refund.length).toBeGreaterThanOrEqual(3);
    expect(rows.refund.every((r) => r.reason)).toBe(true);
    const voided = rows.ticket.filter((t) => t.status === 'voided');
    expect(voided.length).toBeGreaterThanOrEqual(1);
    expect(voided.length).toBeLessThanOrEqual(3);
    expect(voided.every((t) => t.voidReason && t.paidCents === 0)).toBe(true);
  });

  it('opens and closes a cash drawer each open day; today it is open', () => {
    const closed = rows.cashDrawer.filter((d) => d.status === 'closed');
    expect(closed).toHaveLength(48);
    expect(new Set(closed.map((d) => day(d.openedAt))).size).toBe(48);
    for (const d of closed) expect(d.overShortCents).toBe(d.countedCents! - d.expectedCents!);
    expect(closed.filter((d) => d.overShortCents !== 0).length).toBeGreaterThan(0);
    const open = rows.cashDrawer.filter((d) => d.status === 'open');
    expect(open.map((d) => day(d.openedAt))).toEqual([seeded.today]);
    expect(rows.payment.filter((p) => p.method === 'cash').every((p) => p.cashDrawerId)).toBe(true);
  });

  it('is alive today: turn list, walk-ins, appointments, open tickets', () => {
    const turns = rows.turn.filter((t) => t.businessDate === seeded.today);
    expect(turns.length).toBeGreaterThanOrEqual(3);
    expect(turns.some((t) => t.halfTurns > 0)).toBe(true);
    const kinds = new Set(rows.turnEvent.map((e) => e.kind));
    for (const kind of ['clock_in', 'assign', 'complete', 'skip']) expect(kinds).toContain(kind);
    expect(rows.walkIn.filter((w) => w.businessDate === seeded.today).length).toBeGreaterThan(3);
    expect(rows.ticket.filter((t) => t.status === 'open').length).toBeGreaterThanOrEqual(2);

    const now = NOW.toISOString();
    const todays = rows.appointment.filter((a) => day(a.start) === seeded.today);
    expect(todays.some((a) => a.status === 'completed' && a.ticketId)).toBe(true);
    expect(todays.some((a) => a.start > now && a.status === 'booked')).toBe(true);
    const ahead = rows.appointment.filter((a) => a.start > addMinutes(now, 24 * 60));
    expect(new Set(ahead.map((a) => day(a.start))).size).toBeGreaterThanOrEqual(7);
    expect(ahead.every((a) => a.status === 'booked')).toBe(true);
    expect(rows.appointment.some((a) => a.status === 'no_show')).toBe(true);
    expect(rows.appointment.some((a) => a.status === 'cancelled')).toBe(true);
    // Nothing in the store is dated after now.
    expect(rows.ticket.every((t) => t.openedAt <= now && (t.closedAt ?? '') <= now)).toBe(true);
  });

  it('gives the same figures, to the cent, from the same seed and day', () => {
    const closed = rows.ticket.filter((t) => t.status === 'closed');
    const figures = {
      mutations: seeded.mutations,
      closedTickets: closed.length,
      openTickets: rows.ticket.filter((t) => t.status === 'open').length,
      voidedTickets: rows.ticket.filter((t) => t.status === 'voided').length,
      salesCents: sumCents(closed.map((t) => t.totalCents)),
      taxCents: sumCents(closed.map((t) => t.taxCents)),
      tipsCents: sumCents(rows.ticket.map((t) => t.tipCents)),
      refunds: rows.refund.length,
      refundedCents: sumCents(rows.refund.map((r) => r.amountCents)),
      giftCards: rows.giftCard.length,
      giftCardBalancesCents: sumCents(rows.giftCard.map((c) => c.balanceCents)),
      appointments: rows.appointment.length,
      drawerOverShortCents: sumCents(rows.cashDrawer.map((d) => d.overShortCents ?? 0)),
    };
    expect(figures).toEqual(PINNED);
  });

  it('stays within the pro plan and keeps products in stock', () => {
    const limits = PLAN_LIMITS.pro;
    expect(rows.staff.filter((s) => s.active).length).toBeLessThanOrEqual(limits.maxStaff!);
    const perDay = groupBy(
      rows.appointment.filter((a) => a.status !== 'cancelled'),
      (a) => day(a.start),
    );
    expect(Math.max(...[...perDay.values()].map((a) => a.length))).toBeLessThanOrEqual(
      limits.maxAppointmentsPerDay!,
    );
    expect(rows.product.every((p) => p.stockCount >= 0)).toBe(true);
  });
});
