import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StaffRow, TurnRow } from './entities';
import { FULL_TURN, HALF_TURN, nextTechnician, turnOrder, turnWeight } from './turns';

const staff = (id: string, extra: Partial<StaffRow> = {}): StaffRow => ({
  id,
  displayName: id,
  role: 'technician',
  active: true,
  ...extra,
});
const turn = (
  staffId: string,
  halfTurns: number,
  clockInAt: string,
  status: TurnRow['status'] = 'available',
): TurnRow => ({
  id: `turn-${staffId}`,
  staffId,
  businessDate: '2026-11-24',
  clockInAt,
  status,
  halfTurns,
});

describe('turnWeight', () => {
  it('counts a full turn at or above the threshold and a half turn below', () => {
    expect(turnWeight(2500, 2500)).toBe(FULL_TURN);
    expect(turnWeight(2499, 2500)).toBe(HALF_TURN);
  });
});

describe('nextTechnician', () => {
  const people = [
    staff('ana'),
    staff('ben'),
    staff('cleo', { serviceIds: ['pedi'] }),
    staff('dee', { active: false }),
  ];

  it('picks the fewest turns, then the earliest clock-in', () => {
    const turns = [turn('ana', 2, '09:00'), turn('ben', 1, '09:05'), turn('cleo', 1, '08:55')];
    expect(nextTechnician(turns, people, 'pedi')?.staffId).toBe('cleo');
    expect(nextTechnician(turns, people, 'mani')?.staffId).toBe('ben');
    expect(turnOrder(turns, people, null).map((t) => t.staffId)).toEqual(['cleo', 'ben', 'ana']);
  });

  it('skips busy, clocked-out, inactive, unknown and unqualified technicians', () => {
    const turns = [
      turn('ana', 0, '09:00', 'busy'),
      turn('ben', 0, '09:00', 'out'),
      turn('cleo', 0, '09:00'),
      turn('dee', 0, '09:00'),
      turn('ghost', 0, '09:00'),
    ];
    expect(nextTechnician(turns, people, 'mani')).toBeUndefined();
    expect(nextTechnician(turns, people, 'pedi')?.staffId).toBe('cleo');
  });

  it('gives the same answer for the same history, whatever the order of the rows', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            staffId: fc.constantFrom(...ids),
            halfTurns: fc.integer({ min: 0, max: 6 }),
            clockInAt: fc.constantFrom('08:00', '08:30', '09:00'),
            status: fc.constantFrom('available' as const, 'busy' as const, 'out' as const),
          }),
          { selector: (t) => t.staffId },
        ),
        fc.option(fc.constantFrom('s1', 's2'), { nil: null }),
        fc.infiniteStream(fc.nat()),
        (rows, serviceId, noise) => {
          const turns = rows.map((r) => turn(r.staffId, r.halfTurns, r.clockInAt, r.status));
          const team = ids.map((id, i) => staff(id, { serviceIds: i % 2 === 0 ? ['s1'] : [] }));
          const shuffled = [...turns].sort(() => ((noise.next().value as number) % 3) - 1);
          const shuffledTeam = [...team].reverse();
          expect(nextTechnician(shuffled, shuffledTeam, serviceId)).toEqual(
            nextTechnician(turns, team, serviceId),
          );
          expect(turnOrder(shuffled, team, serviceId)).toEqual(turnOrder(turns, team, serviceId));
        },
      ),
    );
  });
});
