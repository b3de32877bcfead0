import { serviceTermsFor } from '../appointments';
import type { StoreRow, TurnEventRow, TurnRow, WalkInRow } from '../entities';
import { reject } from '../error-codes';
import { isQualified, nextTechnician } from '../turns';
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
  await ctx.tx.put('walkIn', { ...walkIn, status: 'assigned', staffId: turn.staffId });
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
