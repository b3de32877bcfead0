import type { StaffRow, TurnRow } from './entities';

/** A full turn counts 2 half turns, so turn counts stay integers. */
export const FULL_TURN = 2;
export const HALF_TURN = 1;

/** A service at or above the store's threshold is a full turn; a cheaper one is a half turn. */
export function turnWeight(serviceCents: number, fullTurnThresholdCents: number): number {
  return serviceCents >= fullTurnThresholdCents ? FULL_TURN : HALF_TURN;
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
