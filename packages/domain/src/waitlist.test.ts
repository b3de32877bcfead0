import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceRow, WaitlistEntryRow } from './entities';
import { ids, manicure, pedicure, polishChange, uid } from './test-support/fixtures';
import {
  activeWaitlist,
  freeSlots,
  hhmmMinutes,
  type OpenSlot,
  waitlistMatches,
  waitlistOffers,
  waitlistRangeProblem,
  workingSpans,
} from './waitlist';

const services: ServiceRow[] = [manicure, pedicure, polishChange];

function entry(n: number, extra: Partial<WaitlistEntryRow> = {}): WaitlistEntryRow {
  return {
    id: uid(5000 + n),
    clientId: ids.client,
    serviceIds: [ids.manicure],
    staffId: null,
    fromDate: '2026-11-20',
    toDate: '2026-11-30',
    status: 'waiting',
    createdAt: `2026-11-${String(10 + n).padStart(2, '0')}T12:00:00.000Z`,
    ...extra,
  };
}

/** Ana free 13:00–14:00 on the 24th. */
const slot: OpenSlot = { staffId: ids.ana, date: '2026-11-24', startMin: 780, endMin: 840 };

describe('waitlistMatches', () => {
  it('offers the entries that fit, asked-for technician first, then the longest waiting', () => {
    const matches = waitlistMatches(
      [
        entry(3),
        entry(1),
        entry(4, { staffId: ids.ana }),
        entry(2, { staffId: ids.ben }), // wants someone else
        entry(5, { serviceIds: [ids.pedicure, ids.manicure] }), // 90 min: too long
        entry(6, { fromDate: '2026-11-25' }), // not yet
        entry(7, { toDate: '2026-11-23' }), // expired
        entry(8, { status: 'booked' }),
        entry(9, { windowStart: '09:00', windowEnd: '12:00' }), // mornings only
      ],
      slot,
      services,
    );
    expect(matches.map((m) => m.entry.id)).toEqual([uid(5004), uid(5001), uid(5003)]);
    expect(matches[0]).toMatchObject({ startMin: 780, durationMin: 30 });
  });

  it('starts at the window when it opens inside the slot, and uses the technician’s duration', () => {
    const late = entry(1, { windowStart: '13:20', windowEnd: '18:00' });
    expect(waitlistMatches([late], slot, services)).toEqual([
      { entry: late, startMin: 800, durationMin: 30 },
    ]);
    // Ben's manicure takes 45 minutes (his override): it no longer fits after 13:20.
    expect(waitlistMatches([late], { ...slot, staffId: ids.ben }, services)).toEqual([]);
    const tight = entry(2, { windowStart: '13:00', windowEnd: '13:29' });
    expect(waitlistMatches([tight], slot, services)).toEqual([]);
  });

  it('skips an entry whose service was deleted or deactivated', () => {
    const gone = entry(1, { serviceIds: [uid(9999)] });
    const inactive = entry(2);
    expect(waitlistMatches([gone], slot, services)).toEqual([]);
    expect(waitlistMatches([inactive], slot, [{ ...manicure, active: false }])).toEqual([]);
  });

  const day = fc.integer({ min: 18, max: 30 }).map((d) => `2026-11-${d}`);
  const minute = fc.integer({ min: 0, max: 24 * 12 }).map((m) => m * 5);
  const arbEntry = fc
    .record({
      n: fc.integer({ min: 0, max: 80 }),
      staff: fc.constantFrom(null, ids.ana, ids.ben),
      services: fc.subarray([ids.manicure, ids.pedicure, ids.polishChange], { minLength: 1 }),
      days: fc.tuple(day, day),
      window: fc.option(fc.tuple(minute, minute)),
      status: fc.constantFrom('waiting', 'waiting', 'booked', 'removed'),
    })
    .map(({ n, staff, services: s, days, window, status }) => {
      const hhmm = (m: number) =>
        `${String(Math.floor(Math.min(m, 1439) / 60)).padStart(2, '0')}:${String(Math.min(m, 1439) % 60).padStart(2, '0')}`;
      return entry(n, {
        id: uid(6000 + n),
        staffId: staff,
        serviceIds: s,
        fromDate: days[0] < days[1] ? days[0] : days[1],
        toDate: days[0] < days[1] ? days[1] : days[0],
        status: status as WaitlistEntryRow['status'],
        ...(window ? { windowStart: hhmm(window[0]), windowEnd: hhmm(window[1]) } : {}),
      });
    });
  const arbSlot = fc
    .record({ staff: fc.constantFrom(ids.ana, ids.ben), date: day, a: minute, b: minute })
    .map(({ staff, date, a, b }) => ({
      staffId: staff,
      date,
      startMin: Math.min(a, b),
      endMin: Math.max(a, b),
    }));

  it('property: every match fits its entry and the slot, and they come in order', () => {
    fc.assert(
      fc.property(fc.array(arbEntry, { maxLength: 12 }), arbSlot, (entries, s) => {
        const matches = waitlistMatches(entries, s, services);
        for (const { entry: e, startMin, durationMin } of matches) {
          expect(e.status).toBe('waiting');
          expect(e.staffId === null || e.staffId === s.staffId).toBe(true);
          expect(e.fromDate <= s.date && s.date <= e.toDate).toBe(true);
          expect(startMin).toBeGreaterThanOrEqual(s.startMin);
          expect(startMin + durationMin).toBeLessThanOrEqual(s.endMin);
          if (e.windowStart && e.windowEnd) {
            expect(startMin).toBeGreaterThanOrEqual(hhmmMinutes(e.windowStart));
            expect(startMin + durationMin).toBeLessThanOrEqual(hhmmMinutes(e.windowEnd));
          }
        }
        for (let i = 1; i < matches.length; i++) {
          const [a, b] = [matches[i - 1]!.entry, matches[i]!.entry];
          const rank = (e: WaitlistEntryRow) => (e.staffId === s.staffId ? 0 : 1);
          expect(rank(a) < rank(b) || (rank(a) === rank(b) && a.createdAt <= b.createdAt)).toBe(
            true,
          );
        }
      }),
    );
  });

  it('property: a longer slot never loses a match, and a waiting entry free all day always fits', () => {
    fc.assert(
      fc.property(fc.array(arbEntry, { maxLength: 12 }), arbSlot, minute, (entries, s, more) => {
        const wider = { ...s, endMin: Math.min(s.endMin + more, 24 * 60) };
        const narrow = waitlistMatches(entries, s, services).map((m) => m.entry.id);
        const wide = waitlistMatches(entries, wider, services).map((m) => m.entry.id);
        for (const id of narrow) expect(wide).toContain(id);
        const allDay = { ...s, startMin: 0, endMin: 24 * 60 };
        const offered = waitlistMatches(entries, allDay, services).map((m) => m.entry.id);
        for (const e of entries) {
          const fits =
            e.status === 'waiting' &&
            (e.staffId === null || e.staffId === s.staffId) &&
            e.fromDate <= s.date &&
            s.date <= e.toDate &&
            !e.windowStart;
          if (fits) expect(offered).toContain(e.id);
        }
      }),
    );
  });
});

describe('waitlistOffers', () => {
  it('offers each entry the earliest slot it fits, with that slot’s technician', () => {
    const anyone = entry(1);
    const forBen = entry(2, { staffId: ids.ben });
    const never = entry(3, { windowStart: '06:00', windowEnd: '07:00' });
    const offers = waitlistOffers(
      [anyone, forBen, never],
      [
        { staffId: ids.ben, date: '2026-11-24', startMin: 900, endMin: 960 },
        { staffId: ids.ana, date: '2026-11-24', startMin: 600, endMin: 620 }, // too short
        { staffId: ids.ana, date: '2026-11-24', startMin: 840, endMin: 900 },
      ],
      services,
    );
    expect(offers.get(anyone.id)).toMatchObject({ staffId: ids.ana, startMin: 840 });
    expect(offers.get(forBen.id)).toMatchObject({
      staffId: ids.ben,
      startMin: 900,
      durationMin: 45,
    });
    expect(offers.has(never.id)).toBe(false);
  });
});

describe('workingSpans', () => {
  it('is the shifts of that weekday, or the default day for someone without a schedule', () => {
    const hours = [
      { weekday: 2, startMin: 600, endMin: 780 }, // Tuesday
      { weekday: 2, startMin: 840, endMin: 1080 },
      { weekday: 3, startMin: 540, endMin: 1020 },
    ];
    expect(workingSpans({ workingHours: hours }, '2026-11-24')).toEqual(hours.slice(0, 2));
    expect(workingSpans({ workingHours: hours }, '2026-11-29')).toEqual([]); // Sunday: off
    expect(workingSpans({}, '2026-11-29')).toEqual([{ startMin: 480, endMin: 1200 }]);
    expect(workingSpans({ workingHours: [] }, '2026-11-29')).toHaveLength(1);
  });
});

describe('freeSlots', () => {
  it('is the shift minus the bookings, from now on', () => {
    const busy = [
      { startMin: 600, endMin: 660 },
      { startMin: 630, endMin: 700 }, // overlaps the first (a double booking)
      { startMin: 900, endMin: 960 },
    ];
    expect(
      freeSlots(ids.ana, '2026-11-24', [{ startMin: 540, endMin: 1080 }], busy).map((s) => [
        s.startMin,
        s.endMin,
      ]),
    ).toEqual([
      [540, 600],
      [700, 900],
      [960, 1080],
    ]);
    expect(
      freeSlots(ids.ana, '2026-11-24', [{ startMin: 540, endMin: 1080 }], busy, 920).map((s) => [
        s.startMin,
        s.endMin,
      ]),
    ).toEqual([[960, 1080]]);
  });
});

describe('waitlist bounds', () => {
  it('names what is wrong with dates and windows', () => {
    const ok = { fromDate: '2026-11-24', toDate: '2026-11-24' };
    expect(waitlistRangeProblem(ok)).toBeNull();
    expect(waitlistRangeProblem({ ...ok, toDate: '2026-11-23' })).toMatch(/before/);
    expect(waitlistRangeProblem({ ...ok, toDate: '2027-11-23' })).toMatch(/at most/);
    expect(waitlistRangeProblem({ ...ok, windowStart: '10:00' })).toMatch(/both/);
    expect(waitlistRangeProblem({ ...ok, windowStart: '10:00', windowEnd: '10:00' })).toMatch(
      /after/,
    );
  });

  it('lists waiting entries that have not expired, soonest expiry first', () => {
    const list = activeWaitlist(
      [
        entry(1, { toDate: '2026-11-28' }),
        entry(2, { toDate: '2026-11-25' }),
        entry(3, { toDate: '2026-11-23' }),
        entry(4, { status: 'removed' }),
      ],
      '2026-11-24',
    );
    expect(list.map((e) => e.id)).toEqual([uid(5002), uid(5001)]);
  });
});
