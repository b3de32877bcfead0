import { serviceTermsFor } from '../appointments';
import type {
  StoreRow,
  TicketLineRow,
  TicketRow,
  TurnEventRow,
  TurnRow,
  WalkInRow,
} from '../entities';
import { reject } from '../error-codes';
import {
  creditTurn,
  type FinishedClient,
  isQualified,
  nextTechnician,
  ticketServiceCents,
  turnCredit,
} from '../turns';
import { businessDate } from '../time';
import type { MutatorContext } from '../tx';
import { byId, insertNew, now } from './rows';

export function today(ctx: MutatorContext, store: StoreRow): string {
  return businessDate(now(ctx), store.timeZone);
}

export async function todaysTurn(
  ctx: MutatorContext,
  store: StoreRow,
  staffId: string,
): Promise<TurnRow | undefined> {
  const rows = await ctx.tx.list('turn', { where: { businessDate: today(ctx, store), staffId } });
  return rows.sort(byId)[0];
}

/** The technician's turn today, if they are clocked in (available or busy). */
export async function requireClockedIn(
  ctx: MutatorContext,
  store: StoreRow,
  staffId: string,
): Promise<TurnRow> {
  const turn = await todaysTurn(ctx, store, staffId);
  if (!turn || turn.status === 'out') {
    return reject('NOT_CLOCKED_IN', 'That technician is not clocked in today.', { staffId });
  }
  return turn;
}

export async function recordTurnEvent(
  ctx: MutatorContext,
  turn: TurnRow,
  event: Pick<TurnEventRow, 'id' | 'kind' | 'halfTurns'> & Partial<TurnEventRow>,
): Promise<void> {
  await insertNew(ctx, 'turnEvent', {
    walkInId: null,
    ticketId: null,
    note: null,
    ...event,
    turnId: turn.id,
    staffId: turn.staffId,
    businessDate: turn.businessDate,
    at: now(ctx),
  });
}

/** Gives a waiting walk-in to a technician: the walk-in is assigned, the technician busy. */
export async function assignWalkIn(
  ctx: MutatorContext,
  walkIn: WalkInRow,
  turn: TurnRow,
  eventId: string,
): Promise<void> {
  if (walkIn.status !== 'waiting') {
    reject('INVALID_STATUS_TRANSITION', `This walk-in is already ${walkIn.status}.`, {
      status: walkIn.status,
    });
  }
  await ctx.tx.put('walkIn', {
    ...walkIn,
    status: 'assigned',
    staffId: turn.staffId,
    request: !!walkIn.requestedStaffId && walkIn.requestedStaffId === turn.staffId,
  });
  await ctx.tx.put('turn', { ...turn, status: 'busy', currentWalkInId: walkIn.id });
  await recordTurnEvent(ctx, turn, {
    id: eventId,
    kind: 'assign',
    halfTurns: 0,
    walkInId: walkIn.id,
  });
}

export async function pickNextTechnician(
  ctx: MutatorContext,
  store: StoreRow,
  serviceId: string | null | undefined,
): Promise<TurnRow> {
  const turns = await ctx.tx.list('turn', { where: { businessDate: today(ctx, store) } });
  const staff = await ctx.tx.list('staff', { where: { active: true } });
  return (
    nextTechnician(turns, staff, serviceId) ??
    reject(
      'NO_TECHNICIAN_AVAILABLE',
      'No clocked-in technician who does this service is free right now; the client stays in the queue.',
      { serviceId: serviceId ?? null },
    )
  );
}

export async function requireQualified(
  ctx: MutatorContext,
  staffId: string,
  serviceId: string | null | undefined,
): Promise<void> {
  const staff = await ctx.tx.get('staff', staffId);
  if (!staff || !staff.active || !isQualified(staff, serviceId)) {
    reject('TECHNICIAN_NOT_QUALIFIED', 'That technician does not do this service.', {
      staffId,
      serviceId: serviceId ?? null,
    });
  }
}

/** The price a turn is judged by when no ticket says otherwise: the walk-in's service. */
export async function walkInServiceCents(
  ctx: MutatorContext,
  walkInId: string | null | undefined,
  staffId: string,
): Promise<number | undefined> {
  const walkIn = walkInId ? await ctx.tx.get('walkIn', walkInId) : undefined;
  const service = walkIn?.serviceId ? await ctx.tx.get('service', walkIn.serviceId) : undefined;
  return service ? serviceTermsFor(service, staffId).priceCents : undefined;
}

/** A free, clocked-in technician able to do the service, or a coded rejection saying why not. */
export async function requireFreeTechnician(
  ctx: MutatorContext,
  store: StoreRow,
  staffId: string,
  serviceId: string | null | undefined,
): Promise<TurnRow> {
  const turn = await requireClockedIn(ctx, store, staffId);
  if (turn.status === 'busy') {
    reject('TECHNICIAN_BUSY', 'That technician is with another client.', { staffId });
  }
  await requireQualified(ctx, staffId, serviceId);
  return turn;
}

/** The technician's turn row on a given business day (the walk-in's day, not today's). */
async function turnOn(
  ctx: MutatorContext,
  businessDate: string,
  staffId: string,
): Promise<TurnRow | undefined> {
  const rows = await ctx.tx.list('turn', { where: { businessDate, staffId } });
  return rows.sort(byId)[0];
}

/**
 * Counts a finished client on the technician's turn and frees them if that client was the one
 * they were busy with. The event records what was added, so the board's counts can be audited.
 */
export async function finishClient(
  ctx: MutatorContext,
  store: StoreRow,
  turn: TurnRow,
  client: FinishedClient,
  event: { id: string; walkInId: string | null; ticketId: string | null },
): Promise<void> {
  const credit = turnCredit(store, client) ?? { halfTurns: 0, requestTurns: 0 };
  const servedNow = !!event.walkInId && turn.currentWalkInId === event.walkInId;
  const finished: TurnRow = {
    ...creditTurn(turn, credit),
    ...(servedNow ? { status: 'available' as const, currentWalkInId: null } : {}),
  };
  await ctx.tx.put('turn', finished);
  await recordTurnEvent(ctx, finished, {
    id: event.id,
    kind: 'complete',
    halfTurns: credit.halfTurns,
    ...(credit.requestTurns > 0 ? { request: true } : {}),
    walkInId: event.walkInId,
    ticketId: event.ticketId,
  });
}

/**
 * A closed ticket finishes the client it was started for: the walk-in is done and its turn
 * counts with the ticket's service value for that technician (a request apart); an
 * appointment's ticket counts when the store counts appointments as turns. The completion event
 * reuses the walk-in's (or appointment's) id: each finishes once, and ticket.close carries no
 * id of its own for it.
 */
export async function finishTicketClient(
  ctx: MutatorContext,
  store: StoreRow,
  ticket: TicketRow,
  lines: readonly TicketLineRow[],
): Promise<void> {
  const walkIn = ticket.walkInId ? await ctx.tx.get('walkIn', ticket.walkInId) : undefined;
  if (walkIn) {
    if (walkIn.status !== 'assigned' || !walkIn.staffId) return;
    await ctx.tx.put('walkIn', { ...walkIn, status: 'done' });
    const turn = await turnOn(ctx, walkIn.businessDate, walkIn.staffId);
    if (!turn) return;
    await finishClient(
      ctx,
      store,
      turn,
      {
        source: 'walk_in',
        request: walkIn.request === true,
        serviceCents: ticketServiceCents(lines, walkIn.staffId),
      },
      { id: walkIn.id, walkInId: walkIn.id, ticketId: ticket.id },
    );
    return;
  }
  if (!ticket.appointmentId || store.appointmentsCountAsTurns !== true) return;
  const appointment = await ctx.tx.get('appointment', ticket.appointmentId);
  if (!appointment) return;
  const turn = await turnOn(
    ctx,
    businessDate(appointment.start, store.timeZone),
    appointment.staffId,
  );
  // Not on the turn list that day (never clocked in): there is no place to count it in.
  if (!turn || (await ctx.tx.get('turnEvent', appointment.id))) return;
  await finishClient(
    ctx,
    store,
    turn,
    {
      source: 'appointment',
      request: false,
      serviceCents: ticketServiceCents(lines, appointment.staffId),
    },
    { id: appointment.id, walkInId: null, ticketId: ticket.id },
  );
}
