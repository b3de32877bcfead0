import { z } from 'zod';
import type { TurnRow } from '../entities';
import { reject } from '../error-codes';
import { requireSelfIfTechnician } from '../permissions';
import { FULL_TURN, ticketServiceCents } from '../turns';
import { defineMutator } from './define';
import { insertNew, loadStore, now, requireRow } from './rows';
import { id, shortText } from './schemas';
import {
  assignWalkIn,
  finishClient,
  pickNextTechnician,
  recordTurnEvent,
  requireClockedIn,
  requireFreeTechnician,
  todaysTurn,
  today,
  walkInServiceCents,
} from './turn-board';

const note = shortText.optional();

export const turnClockIn = defineMutator({
  name: 'turn.clockIn',
  description:
    'Puts a technician on today’s turn list (the order of clock-in breaks ties). Clocking in again after clocking out keeps the turns already taken. Technicians clock in themselves.',
  permission: 'turns.clock',
  args: z.strictObject({ turnId: id, staffId: id, eventId: id }),
  authorize(ctx, args) {
    requireSelfIfTechnician(ctx, args.staffId, 'clock in');
  },
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const staff = await requireRow(
      ctx,
      'staff',
      args.staffId,
      'STAFF_NOT_FOUND',
      'The staff member',
    );
    if (!staff.active) reject('STAFF_INACTIVE', `${staff.displayName} is no longer active.`);
    const at = now(ctx);
    const existing = await todaysTurn(ctx, store, args.staffId);
    if (existing && existing.status !== 'out') {
      reject('ALREADY_CLOCKED_IN', `${staff.displayName} is already clocked in today.`);
    }
    const turn: TurnRow = existing
      ? { ...existing, status: 'available', clockOutAt: null }
      : {
          id: args.turnId,
          staffId: args.staffId,
          businessDate: today(ctx, store),
          clockInAt: at,
          clockOutAt: null,
          status: 'available',
          halfTurns: 0,
          currentWalkInId: null,
        };
    if (existing) await ctx.tx.put('turn', turn);
    else await insertNew(ctx, 'turn', turn);
    await recordTurnEvent(ctx, turn, { id: args.eventId, kind: 'clock_in', halfTurns: 0 });
  },
});

export const turnClockOut = defineMutator({
  name: 'turn.clockOut',
  description:
    'Takes a technician off today’s turn list (finish the current client first). Technicians clock out themselves.',
  permission: 'turns.clock',
  args: z.strictObject({ staffId: id, eventId: id }),
  authorize(ctx, args) {
    requireSelfIfTechnician(ctx, args.staffId, 'clock out');
  },
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const turn = await requireClockedIn(ctx, store, args.staffId);
    if (turn.status === 'busy') {
      reject('TECHNICIAN_BUSY', 'Complete the current client before clocking out.');
    }
    const out: TurnRow = { ...turn, status: 'out', clockOutAt: now(ctx) };
    await ctx.tx.put('turn', out);
    await recordTurnEvent(ctx, out, { id: args.eventId, kind: 'clock_out', halfTurns: 0 });
  },
});

export const turnAssignNext = defineMutator({
  name: 'turn.assignNext',
  description:
    'Gives a waiting walk-in to the next technician: the available one with the fewest turns today (ties: earliest clock-in) who does the requested service. A walk-in who asked for a technician goes to them (a request turn).',
  permission: 'turns.assign',
  args: z.strictObject({ walkInId: id, eventId: id }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const walkIn = await requireRow(
      ctx,
      'walkIn',
      args.walkInId,
      'WALK_IN_NOT_FOUND',
      'The walk-in',
    );
    if (walkIn.status !== 'waiting') {
      reject('INVALID_STATUS_TRANSITION', `This walk-in is already ${walkIn.status}.`);
    }
    // A client who asked for someone waits for them: the turn order does not apply to them.
    const turn = walkIn.requestedStaffId
      ? await requireFreeTechnician(ctx, store, walkIn.requestedStaffId, walkIn.serviceId)
      : await pickNextTechnician(ctx, store, walkIn.serviceId);
    await assignWalkIn(ctx, walkIn, turn, args.eventId);
  },
});

export const turnComplete = defineMutator({
  name: 'turn.complete',
  description:
    'The technician finished their client and is available again. The turn counts now: a full turn when the service (the ticket’s service lines for this technician, or the walk-in’s service) reaches the store threshold, otherwise a half turn; a client who asked for them counts as a request turn, apart. A walk-in whose ticket is open finishes when that ticket closes.',
  permission: 'turns.assign',
  args: z.strictObject({ staffId: id, eventId: id, ticketId: id.optional() }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const turn = await requireClockedIn(ctx, store, args.staffId);
    if (turn.status !== 'busy') {
      reject('INVALID_STATUS_TRANSITION', 'That technician has no client in progress.');
    }
    const walkIn = turn.currentWalkInId
      ? await ctx.tx.get('walkIn', turn.currentWalkInId)
      : undefined;
    const walkInTicket = walkIn?.ticketId ? await ctx.tx.get('ticket', walkIn.ticketId) : undefined;
    if (walkInTicket?.status === 'open') {
      // Counting now and again at close would count the client twice.
      reject(
        'WALK_IN_TICKET_OPEN',
        `${walkIn?.name ?? 'This client'}’s ticket is still open: check out, and the turn counts when it closes.`,
        { ticketId: walkInTicket.id },
      );
    }
    let serviceCents: number | undefined;
    if (args.ticketId) {
      await requireRow(ctx, 'ticket', args.ticketId, 'TICKET_NOT_FOUND', 'The ticket');
      const lines = await ctx.tx.list('ticketLine', { where: { ticketId: args.ticketId } });
      serviceCents = ticketServiceCents(lines, args.staffId);
    } else {
      serviceCents = await walkInServiceCents(ctx, turn.currentWalkInId, turn.staffId);
    }
    if (walkIn) await ctx.tx.put('walkIn', { ...walkIn, status: 'done' });
    await finishClient(
      ctx,
      store,
      { ...turn, status: 'available', currentWalkInId: null },
      { source: 'walk_in', request: walkIn?.request === true, serviceCents },
      { id: args.eventId, walkInId: turn.currentWalkInId ?? null, ticketId: args.ticketId ?? null },
    );
  },
});

export const turnSkip = defineMutator({
  name: 'turn.skip',
  description:
    'A manager passes a technician over: they are charged a full turn, which moves them down the order.',
  permission: 'turns.adjust',
  args: z.strictObject({ staffId: id, eventId: id, note }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const turn = await requireClockedIn(ctx, store, args.staffId);
    const skipped = { ...turn, halfTurns: turn.halfTurns + FULL_TURN };
    await ctx.tx.put('turn', skipped);
    await recordTurnEvent(ctx, skipped, {
      id: args.eventId,
      kind: 'skip',
      halfTurns: FULL_TURN,
      note: args.note ?? null,
    });
  },
});

export const turnAdjust = defineMutator({
  name: 'turn.adjust',
  description:
    'A manager corrects a technician’s turn count by a number of half turns (negative to take turns away; never below zero).',
  permission: 'turns.adjust',
  args: z.strictObject({
    staffId: id,
    eventId: id,
    halfTurns: z
      .int()
      .min(-100)
      .max(100)
      .refine((v) => v !== 0, 'An adjustment must change the count'),
    note,
  }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const turn = await requireClockedIn(ctx, store, args.staffId);
    const halfTurns = turn.halfTurns + args.halfTurns;
    if (halfTurns < 0) {
      reject('INVALID_TURN_ADJUSTMENT', 'A technician’s turn count cannot go below zero.', {
        halfTurns: turn.halfTurns,
      });
    }
    const adjusted = { ...turn, halfTurns };
    await ctx.tx.put('turn', adjusted);
    await recordTurnEvent(ctx, adjusted, {
      id: args.eventId,
      kind: 'adjust',
      halfTurns: args.halfTurns,
      note: args.note ?? null,
    });
  },
});
