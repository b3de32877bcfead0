import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StaffRow, TurnRow } from './entities';
import {
  creditTurn,
  type FinishedClient,
  FULL_TURN,
  HALF_TURN,
  nextTechnician,
  ticketServiceCents,
  turnCredit,
  turnOrder,
  turnWeight,
  type TurnSettings,
} from './turns';

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

describe('turnCredit', () => {
  const settings: TurnSettings = { fullTurnThresholdCents: 2500 };
  const walkIn = (serviceCents: number | undefined, request = false): FinishedClient => ({
    source: 'walk_in',
    request,
    serviceCents,
  });

  it('counts a full turn, a half turn below the threshold, a full turn when nothing says', () => {
    expect(turnCredit(settings, walkIn(2500))).toEqual({ halfTurns: FULL_TURN, requestTurns: 0 });
    expect(turnCredit(settings, walkIn(2499))).toEqual({ halfTurns: HALF_TURN, requestTurns: 0 });
    expect(turnCredit(settings, walkIn(undefined))).toEqual({
      halfTurns: FULL_TURN,
      requestTurns: 0,
    });
    // A threshold of 0 turns half turns off: every client is a full turn.
    expect(turnCredit({ fullTurnThresholdCents: 0 }, walkIn(0))?.halfTurns).toBe(FULL_TURN);
  });

  it('counts a request apart, whatever it cost', () => {
    expect(turnCredit(settings, walkIn(9000, true))).toEqual({ halfTurns: 0, requestTurns: 1 });
    expect(turnCredit(settings, walkIn(100, true))).toEqual({ halfTurns: 0, requestTurns: 1 });
  });

  it('counts appointments only when the store says so', () => {
    const appointment: FinishedClient = {
      source: 'appointment',
      request: false,
      serviceCents: 4000,
    };
    expect(turnCredit(settings, appointment)).toBeNull();
    expect(turnCredit({ ...settings, appointmentsCountAsTurns: false }, appointment)).toBeNull();
    expect(turnCredit({ ...settings, appointmentsCountAsTurns: true }, appointment)).toEqual({
      halfTurns: FULL_TURN,
      requestTurns: 0,
    });
  });

  it('judges a ticket by the technician’s own service lines after discounts', () => {
    const line = (staffId: string | null, kind: 'service' | 'product', cents: number) => ({
      id: `${staffId}-${kind}-${cents}`,
      ticketId: 't',
      kind,
      itemId: 'x',
      name: 'x',
      staffId,
      quantity: 1,
      unitPriceCents: cents,
      taxable: true,
      comp: false,
      discountCents: 0,
      lineTotalCents: cents,
    });
    expect(
      ticketServiceCents(
        [line('ana', 'service', 1500), line('ana', 'product', 900), line('ben', 'service', 4000)],
        'ana',
      ),
    ).toBe(1500);
  });
});

describe('turn order properties', () => {
  const team = ['a', 'b', 'c', 'd'].map((id) => staff(id));
  const startRows = fc.uniqueArray(
    fc.record({
      staffId: fc.constantFrom('a', 'b', 'c', 'd'),
      halfTurns: fc.integer({ min: 0, max: 8 }),
      clockInAt: fc.constantFrom('08:00', '08:30', '09:00'),
    }),
    { selector: (t) => t.staffId, minLength: 1 },
  );
  const finished = fc.record({
    staffId: fc.constantFrom('a', 'b', 'c', 'd'),
    source: fc.constantFrom('walk_in' as const, 'appointment' as const),
    request: fc.boolean(),
    serviceCents: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
  });
  const settingsArb = fc.record({
    fullTurnThresholdCents: fc.integer({ min: 0, max: 6000 }),
    appointmentsCountAsTurns: fc.boolean(),
  });
  const order = (turns: TurnRow[]) => turnOrder(turns, team).map((t) => t.staffId);

  /** Plays finished clients onto the board as the mutators do. */
  function play(
    turns: TurnRow[],
    settings: TurnSettings,
    clients: readonly (FinishedClient & { staffId: string })[],
  ): TurnRow[] {
    let board = turns;
    for (const client of clients) {
      const credit = turnCredit(settings, client);
      if (!credit) continue;
      board = board.map((t) => (t.staffId === client.staffId ? creditTurn(t, credit) : t));
    }
    return board;
  }

  it('requests never change the order; they are counted apart', () => {
    fc.assert(
      fc.property(startRows, settingsArb, fc.array(finished), (rows, settings, clients) => {
        const turns = rows.map((r) => turn(r.staffId, r.halfTurns, r.clockInAt));
        const requests = clients.map((c) => ({ ...c, source: 'walk_in' as const, request: true }));
        const after = play(turns, settings, requests);
        expect(order(after)).toEqual(order(turns));
        for (const t of after) {
          const asked = requests.filter((c) => c.staffId === t.staffId).length;
          expect(t.requestTurns ?? 0).toBe(asked);
          expect(t.halfTurns).toBe(turns.find((x) => x.staffId === t.staffId)?.halfTurns);
        }
      }),
    );
  });

  it('requests mixed into any history leave the order the turns alone give', () => {
    fc.assert(
      fc.property(startRows, settingsArb, fc.array(finished), (rows, settings, clients) => {
        const turns = rows.map((r) => turn(r.staffId, r.halfTurns, r.clockInAt));
        expect(order(play(turns, settings, clients))).toEqual(
          order(
            play(
              turns,
              settings,
              clients.filter((c) => !c.request),
            ),
          ),
        );
      }),
    );
  });

  it('two half turns weigh exactly one full turn', () => {
    fc.assert(
      fc.property(
        startRows,
        fc.integer({ min: 1, max: 6000 }),
        fc.constantFrom('a', 'b', 'c', 'd'),
        (rows, threshold, who) => {
          const turns = rows.map((r) => turn(r.staffId, r.halfTurns, r.clockInAt));
          const settings = { fullTurnThresholdCents: threshold };
          const cheap = { staffId: who, source: 'walk_in' as const, request: false };
          const twoHalves = play(turns, settings, [
            { ...cheap, serviceCents: threshold - 1 },
            { ...cheap, serviceCents: 0 },
          ]);
          const oneFull = play(turns, settings, [{ ...cheap, serviceCents: threshold }]);
          expect(twoHalves).toEqual(oneFull);
        },
      ),
    );
  });

  it('appointments move the order only when the store counts them', () => {
    fc.assert(
      fc.property(startRows, settingsArb, fc.array(finished), (rows, settings, clients) => {
        const turns = rows.map((r) => turn(r.staffId, r.halfTurns, r.clockInAt));
        const appointments = clients.map((c) => ({
          ...c,
          source: 'appointment' as const,
          request: false,
        }));
        const off = play(turns, { ...settings, appointmentsCountAsTurns: false }, appointments);
        expect(off).toEqual(turns);
        const on = play(turns, { ...settings, appointmentsCountAsTurns: true }, appointments);
        const asWalkIns = play(
          turns,
          settings,
          appointments.map((c) => ({ ...c, source: 'walk_in' as const })),
        );
        expect(on).toEqual(asWalkIns);
      }),
    );
  });
});
