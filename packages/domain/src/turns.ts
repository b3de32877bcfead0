import type { StaffRow, StoreRow, TicketLineRow, TurnRow } from './entities';
import { sumCents } from './money';

/** A full turn counts 2 half turns, so turn counts stay integers. */
export const FULL_TURN = 2;
export const HALF_TURN = 1;

/** A service at or above the store's threshold is a full turn; a cheaper one is a half turn. */
export function turnWeight(serviceCents: number, fullTurnThresholdCents: number): number {
  return serviceCents >= fullTurnThresholdCents ? FULL_TURN : HALF_TURN;
}

/** The store settings that decide what a finished client adds to a technician's turns. */
export type TurnSettings = Pick<StoreRow, 'fullTurnThresholdCents' | 'appointmentsCountAsTurns'>;

export interface FinishedClient {
  source: 'walk_in' | 'appointment';
  /** The client asked for this technician. */
  request: boolean;
  /** What the technician's services came to; undefined when nothing says (a full turn). */
  serviceCents: number | undefined;
}

export interface TurnCredit {
  halfTurns: number;
  requestTurns: number;
}

/**
 * What one finished client adds to the technician's place: a request is counted apart (it
 * must not move them down the list), a service below the threshold is a half turn, and an
 * appointment counts only when the store says so. Null: nothing counts.
 */
export function turnCredit(settings: TurnSettings, client: FinishedClient): TurnCredit | null {
  if (client.source === 'appointment' && settings.appointmentsCountAsTurns !== true) return null;
  if (client.request) return { halfTurns: 0, requestTurns: 1 };
  const halfTurns =
    client.serviceCents === undefined
      ? FULL_TURN
      : turnWeight(client.serviceCents, settings.fullTurnThresholdCents);
  return { halfTurns, requestTurns: 0 };
}

export function creditTurn(turn: TurnRow, credit: TurnCredit): TurnRow {
  return {
    ...turn,
    halfTurns: turn.halfTurns + credit.halfTurns,
    requestTurns: (turn.requestTurns ?? 0) + credit.requestTurns,
  };
}

/** A technician's service lines on a ticket, after discounts: the value a turn is judged by. */
export function ticketServiceCents(lines: readonly TicketLineRow[], staffId: string): number {
  return sumCents(
    lines.filter((l) => l.kind === 'service' && l.staffId === staffId).map((l) => l.lineTotalCents),
  );
}

export function isQualified(staff: StaffRow, serviceId: string | null | undefined): boolean {
  if (!serviceId || !staff.serviceIds || staff.serviceIds.length === 0) return true;
  return staff.serviceIds.includes(serviceId);
}

function compareTurns(a: TurnRow, b: TurnRow): number {
  if (a.halfTurns !== b.halfTurns) return a.halfTurns - b.halfTurns;
  if (a.clockInAt !== b.clockInAt) return a.clockInAt < b.clockInAt ? -1 : 1;
  return a.staffId < b.staffId ? -1 : a.staffId > b.staffId ? 1 : 0;
}

/**
 * The technicians who could take the next client, best first: available (not busy, not clocked
 * out), active and qualified for the service; fewest turns first, then the earliest clock-in,
 * then the staff id — a total order, so the answer is the same whatever order the rows arrive in.
 */
export function turnOrder(
  turns: readonly TurnRow[],
  staff: readonly StaffRow[],
  serviceId?: string | null,
): TurnRow[] {
  const staffById = new Map(staff.map((s) => [s.id, s]));
  return turns
    .filter((turn) => {
      const person = staffById.get(turn.staffId);
      return (
        turn.status === 'available' && !!person && person.active && isQualified(person, serviceId)
      );
    })
    .sort(compareTurns);
}

/** The next technician's turn row, or undefined when nobody can take the client. */
export function nextTechnician(
  turns: readonly TurnRow[],
  staff: readonly StaffRow[],
  serviceId?: string | null,
): TurnRow | undefined {
  return turnOrder(turns, staff, serviceId)[0];
}
