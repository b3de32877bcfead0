import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Role } from '../entities';
import { balanceFromMovements } from '../gift-cards';
import type { MemoryStore } from '../memory-store';
import { netPaid } from '../payments';
import { checkTicketInvariants } from '../ticket-invariants';
import { type Acting, apply, baseStore, ids, seededStore, uid } from '../test-support/fixtures';

/** A mutation as a device would queue it. */
interface Command {
  name: string;
  args: Record<string, unknown>;
  acting: Acting;
}

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const TICKETS = [uid(900), uid(901)];
const LINES = [uid(910), uid(911), uid(912), uid(913)];
const PAYMENTS = [uid(920), uid(921), uid(922), uid(923), uid(924), uid(925)];
const CARDS = [uid(930), uid(931)];
const REFUNDS = [uid(940), uid(941), uid(942)];
const APPTS = [uid(950), uid(951), uid(952)];
const EVENTS = Array.from({ length: 40 }, (_, i) => uid(1000 + i));
const STAFF = [ids.ana, ids.ben, ids.cleo];
const ROLES: Role[] = ['owner', 'manager', 'front_desk', 'technician'];
const amount = fc.integer({ min: 0, max: 6000 });
const discount = fc.option(
  fc.oneof(
    fc.record({ kind: fc.constant('percent'), bps: fc.integer({ min: 0, max: 10_000 }) }),
    fc.record({ kind: fc.constant('amount'), cents: amount }),
  ),
  { nil: null },
);

const ticketCommand: fc.Arbitrary<Omit<Command, 'acting'>> = fc.oneof(
  pick(TICKETS).map((id) => ({ name: 'ticket.open', args: { id } })),
  fc
    .record({
      ticketId: pick(TICKETS),
      lineId: pick(LINES),
      kind: pick(['service', 'product']),
      staffId: pick(STAFF),
      quantity: fc.integer({ min: 1, max: 3 }),
    })
    .map((a) => ({
      name: 'ticket.addLine',
      args: { ...a, itemId: a.kind === 'service' ? ids.manicure : ids.polish },
    })),
  fc
    .record({
      ticketId: pick(TICKETS),
      lineId: pick(LINES),
      giftCardId: pick(CARDS),
      amountCents: fc.integer({ min: 1, max: 5000 }),
    })
    .map((a) => ({
      name: 'ticket.addGiftCardLine',
      args: { ...a, code: `CODE-${a.giftCardId.slice(-3)}` },
    })),
  fc
    .record({ ticketId: pick(TICKETS), lineId: pick(LINES) })
    .map((args) => ({ name: 'ticket.removeLine', args })),
  fc
    .record({ ticketId: pick(TICKETS), lineId: pick(LINES), discount })
    .map((args) => ({ name: 'ticket.setLineDiscount', args })),
  fc
    .record({ ticketId: pick(TICKETS), lineId: pick(LINES), comp: fc.boolean() })
    .map((args) => ({ name: 'ticket.compLine', args })),
  fc
    .record({ ticketId: pick(TICKETS), discount })
    .map((args) => ({ name: 'ticket.setDiscount', args })),
  fc
    .record({
      ticketId: pick(TICKETS),
      paymentId: pick(PAYMENTS),
      method: pick(['cash', 'card', 'gift_card', 'other']),
      amountCents: fc.oneof(amount, fc.integer({ min: 5000, max: 20_000 })),
      tipCents: fc.integer({ min: 0, max: 1000 }),
      giftCardId: pick(CARDS),
    })
    .map(({ method, tipCents, giftCardId, ...rest }) => ({
      name: 'ticket.addPayment',
      args: {
        ...rest,
        method,
        // Any tender may carry a tip (a gift card's comes off its balance too).
        tipCents,
        ...(method === 'gift_card' ? { giftCardId } : {}),
      },
    })),
  fc
    .record({ ticketId: pick(TICKETS), paymentId: pick(PAYMENTS) })
    .map((args) => ({ name: 'ticket.removePayment', args })),
  fc
    .record({
      ticketId: pick(TICKETS),
      split: fc.oneof(
        pick([{ mode: 'even' }, { mode: 'proportional' }]),
        // Manual shares: a few add up to the ticket's tip (all zero, with no tip), most are
        // refused; either way the closed ticket's shares must add up to its tip.
        fc.dictionary(pick(STAFF), fc.integer({ min: 0, max: 10 })).map((shares) => ({
          mode: 'manual',
          shares: Object.fromEntries(Object.entries(shares).map(([k, v]) => [k, v * 100])),
        })),
      ),
    })
    .map((args) => ({ name: 'ticket.setTipSplit', args })),
  pick(TICKETS).map((ticketId) => ({ name: 'ticket.close', args: { ticketId } })),
  pick(TICKETS).map((ticketId) => ({ name: 'ticket.void', args: { ticketId, reason: 'test' } })),
  fc
    .record({
      ticketId: pick(TICKETS),
      refundId: pick(REFUNDS),
      amountCents: fc.integer({ min: 1, max: 4000 }),
      method: pick(['cash', 'gift_card', 'card']),
      giftCardId: pick(CARDS),
    })
    .map(({ method, giftCardId, ...rest }) => ({
      name: 'ticket.refund',
      args: { ...rest, method, ...(method === 'gift_card' ? { giftCardId } : {}) },
    })),
  fc
    .record({
      giftCardId: pick(CARDS),
      movementId: pick(EVENTS),
      amountCents: fc.integer({ min: -3000, max: 3000 }),
    })
    .map((args) => ({ name: 'giftCard.adjust', args })),
);

const otherCommand: fc.Arbitrary<Omit<Command, 'acting'>> = fc.oneof(
  fc
    .record({
      id: pick(APPTS),
      staffId: pick(STAFF),
      hour: fc.integer({ min: 14, max: 17 }),
      minute: pick([0, 15, 30, 45]),
    })
    .map(({ hour, minute, ...a }) => ({
      name: 'appointment.book',
      args: {
        ...a,
        serviceId: ids.manicure,
        start: `2026-11-25T${hour}:${String(minute).padStart(2, '0')}:00Z`,
      },
    })),
  fc
    .record({ id: pick(APPTS), staffId: pick(STAFF), hour: fc.integer({ min: 14, max: 17 }) })
    .map(({ hour, ...a }) => ({
      name: 'appointment.reschedule',
      args: { ...a, start: `2026-11-25T${hour}:10:00Z` },
    })),
  fc
    .record({
      id: pick(APPTS),
      name: pick([
        'appointment.cancel',
        'appointment.checkIn',
        'appointment.start',
        'appointment.noShow',
      ]),
    })
    .map(({ id, name }) => ({ name, args: { id } })),
  fc
    .record({ turnId: pick(EVENTS), staffId: pick(STAFF), eventId: pick(EVENTS) })
    .map((args) => ({ name: 'turn.clockIn', args })),
  fc
    .record({ id: pick(EVENTS), name: fc.constant('Walk-in') })
    .map((args) => ({ name: 'walkIn.add', args })),
  fc
    .record({ walkInId: pick(EVENTS), eventId: pick(EVENTS) })
    .map((args) => ({ name: 'turn.assignNext', args })),
  fc
    .record({ staffId: pick(STAFF), eventId: pick(EVENTS) })
    .map((args) => ({ name: 'turn.complete', args })),
  fc
    .record({ id: pick(EVENTS), floatCents: amount })
    .map((args) => ({ name: 'cashDrawer.open', args })),
  fc
    .record({ id: pick(EVENTS), countedCents: amount })
    .map((args) => ({ name: 'cashDrawer.close', args })),
  fc.constant({ name: 'ticket.fly', args: {} }),
  fc.constant({ name: 'ticket.open', args: { id: 'not-a-uuid' } }),
);

const command = (inner: fc.Arbitrary<Omit<Command, 'acting'>>): fc.Arbitrary<Command> =>
  fc
    .record({
      inner,
      role: fc.option(pick(ROLES), { freq: 3, nil: undefined }),
      minute: fc.integer({ min: 0, max: 59 }),
    })
    .map(({ inner, role, minute }) => ({
      ...inner,
      acting: {
        role: role ?? 'manager',
        now: `2026-11-24T15:${String(minute).padStart(2, '0')}:00.000Z`,
      },
    }));

async function ticketProblems(store: MemoryStore): Promise<string[]> {
  const problems: string[] = [];
  for (const ticket of store.rows('ticket')) {
    const lines = await store.list('ticketLine', { where: { ticketId: ticket.id } });
    const payments = await store.list('payment', { where: { ticketId: ticket.id } });
    const refunds = await store.list('refund', { where: { ticketId: ticket.id } });
    problems.push(
      ...checkTicketInvariants({ ticket, lines, payments, refunds }, baseStore.taxRatePpm).map(
        (p) => `${ticket.id}: ${p}`,
      ),
    );
  }
  return problems;
}

async function giftCardProblems(store: MemoryStore): Promise<string[]> {
  const problems: string[] = [];
  for (const card of store.rows('giftCard')) {
    const movements = await store.list('giftCardMovement', { where: { giftCardId: card.id } });
    if (card.balanceCents < 0) problems.push(`${card.code} is below zero`);
    if (balanceFromMovements(movements) !== card.balanceCents)
      problems.push(`${card.code} balance ≠ Σ movements`);
  }
  return problems;
}

describe('invariants under random mutation sequences', () => {
  let closedTickets = 0;
  afterAll(() => {
    // Guards the generator: random sequences must actually reach closed tickets.
    expect(closedTickets).toBeGreaterThan(0);
  });

  it('keeps every ticket consistent; a closed ticket is paid in full with no negative change', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command(ticketCommand), { maxLength: 60 }), async (commands) => {
        const store = await seededStore();
        for (const id of TICKETS) await apply(store, 'ticket.open', { id });
        for (const c of commands) {
          await apply(store, c.name, c.args, c.acting);
          expect(await ticketProblems(store)).toEqual([]);
        }
        for (const ticket of store.rows('ticket')) {
          if (ticket.status !== 'closed') continue;
          closedTickets += 1;
          const payments = await store.list('payment', { where: { ticketId: ticket.id } });
          expect(payments.reduce((s, p) => s + p.amountCents, 0)).toBeGreaterThanOrEqual(
            ticket.totalCents,
          );
          expect(netPaid(ticket)).toBeGreaterThanOrEqual(ticket.totalCents);
          expect(payments.every((p) => p.changeCents >= 0)).toBe(true);
          const shares = Object.values(ticket.tipShares ?? {}).reduce((s, c) => s + c, 0);
          const hasStaff = Object.keys(ticket.tipShares ?? {}).length > 0;
          if (hasStaff) expect(shares).toBe(ticket.tipCents);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never lets a gift card balance go below zero, and keeps it equal to its movements', async () => {
    const giftCardCommand = command(
      fc.oneof(
        {
          weight: 3,
          arbitrary: ticketCommand.filter((c) =>
            [
              'ticket.addPayment',
              'ticket.refund',
              'giftCard.adjust',
              'ticket.removePayment',
            ].includes(c.name),
          ),
        },
        { weight: 1, arbitrary: ticketCommand },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(giftCardCommand, { maxLength: 40 }), async (commands) => {
        const store = await seededStore();
        await store.put('giftCard', {
          id: CARDS[0] as string,
          code: 'SEED-1',
          balanceCents: 3000,
          initialCents: 3000,
          status: 'active',
          issuedAt: '2026-11-01T00:00:00.000Z',
        });
        await store.put('giftCardMovement', {
          id: uid(999),
          giftCardId: CARDS[0] as string,
          kind: 'issue',
          amountCents: 3000,
          createdAt: '2026-11-01T00:00:00.000Z',
        });
        await apply(store, 'ticket.open', { id: TICKETS[0] });
        await apply(store, 'ticket.addLine', {
          ticketId: TICKETS[0],
          lineId: LINES[0],
          kind: 'service',
          itemId: ids.pedicure,
          staffId: ids.ana,
        });
        for (const c of commands) {
          await apply(store, c.name, c.args, c.acting);
          expect(await giftCardProblems(store)).toEqual([]);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('device and server compute the same thing', () => {
  it('replaying one random sequence on two independent stores gives identical results and state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command(fc.oneof(ticketCommand, otherCommand)), { minLength: 1, maxLength: 50 }),
        async (commands) => {
          // Different list orders stand in for different storage engines (SQL vs IndexedDB).
          const device = await seededStore({ listOrder: 'insertion' });
          const server = await seededStore({ listOrder: 'reverse' });
          for (const c of commands) {
            const onDevice = await apply(device, c.name, c.args, c.acting);
            const onServer = await apply(server, c.name, c.args, c.acting);
            expect(onServer).toEqual(onDevice);
          }
          expect(server.snapshot()).toEqual(device.snapshot());
        },
      ),
      { numRuns: 150 },
    );
  });
});
