import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockBox,
  bookHours,
  firstDayOfWeek,
  firstFree,
  inLanes,
  slotMinutes,
  weekDays,
  type Placed,
} from './book-layout';

const scale = { bookStartMin: 8 * 60, pxPerMin: 1.2, minHeightPx: 22 };

describe('bookHours', () => {
  it('shows 8:00 to 20:00 when every booking fits in it', () => {
    const h = bookHours([9 * 60, 10 * 60]);
    expect([h.startMin, h.endMin]).toEqual([480, 1200]);
    expect(h.hours).toHaveLength(12);
    expect(h.hours[0]).toBe(480);
  });

  it('widens to whole hours around an early or late booking', () => {
    const h = bookHours([7 * 60 + 30, 20 * 60 + 15]);
    expect([h.startMin, h.endMin]).toEqual([420, 1260]);
    expect(h.hours.at(-1)).toBe(1200);
  });
});

describe('inLanes', () => {
  const at = (p: Placed) => p;

  it('puts overlapping bookings of one column side by side', () => {
    const out = inLanes(
      [
        { id: 'a', startMin: 600, durationMin: 60 },
        { id: 'b', startMin: 630, durationMin: 45 },
        { id: 'c', startMin: 720, durationMin: 30 },
      ],
      at,
    );
    const lane = (id: string) => out.find((x) => x.item.id === id)?.lane;
    expect(lane('a')).toEqual({ lane: 0, lanes: 2 });
    expect(lane('b')).toEqual({ lane: 1, lanes: 2 });
    expect(lane('c')).toEqual({ lane: 0, lanes: 1 });
  });

  it('never draws two overlapping bookings over each other', () => {
    const booking = fc.record({
      startMin: fc.integer({ min: 0, max: 23 * 60 }),
      durationMin: fc.integer({ min: 5, max: 240 }),
    });
    fc.assert(
      fc.property(fc.array(booking, { maxLength: 12 }), (raw) => {
        const items = raw.map((b, i) => ({ id: `b${i}`, ...b }));
        const out = inLanes(items, at);
        const boxes = out.map((x) => {
          const left = x.lane.lane / x.lane.lanes;
          return { ...x.at, left, right: left + 1 / x.lane.lanes };
        });
        for (const p of boxes) {
          for (const q of boxes) {
            if (p === q) continue;
            const inTime =
              p.startMin < q.startMin + q.durationMin && q.startMin < p.startMin + p.durationMin;
            const sideBySide = p.right <= q.left + 1e-9 || q.right <= p.left + 1e-9;
            expect(!inTime || sideBySide).toBe(true);
          }
        }
      }),
    );
  });
});

describe('blockBox', () => {
  it('places a booking by its time and its lane', () => {
    expect(blockBox({ startMin: 600, durationMin: 60 }, { lane: 1, lanes: 2 }, scale)).toEqual({
      top: 144,
      height: 70,
      left: 'calc(50% + 3px)',
      width: 'calc(50% - 6px)',
    });
  });

  it('keeps a short booking tall enough to read', () => {
    expect(blockBox({ startMin: 600, durationMin: 5 }, { lane: 0, lanes: 1 }, scale).height).toBe(
      22,
    );
  });
});

describe('slotMinutes', () => {
  it('rounds a tap down to the quarter hour it falls in', () => {
    // 10:20 is 140 minutes below 8:00.
    expect(slotMinutes(140 * 1.2, scale)).toBe(10 * 60 + 15);
    expect(slotMinutes(0, scale)).toBe(8 * 60);
  });

  it('never starts a slot outside the day', () => {
    expect(slotMinutes(10_000, scale)).toBe(24 * 60 - 15);
    expect(slotMinutes(-5, { ...scale, bookStartMin: 0 })).toBe(0);
  });
});

describe('firstFree', () => {
  const bookings = [
    { staffId: 'anna', startMin: 600, durationMin: 60 },
    { staffId: 'linh', startMin: 600, durationMin: 45 },
  ];

  it('skips whoever is busy at that minute, in the given order', () => {
    expect(firstFree(['anna', 'linh', 'mai'], bookings, 630)).toBe('mai');
    expect(firstFree(['linh', 'anna'], bookings, 540)).toBe('linh');
  });

  it('counts a booking ending at that minute as over', () => {
    expect(firstFree(['anna', 'linh'], bookings, 645)).toBe('linh');
  });

  it('finds nobody when everyone is busy', () => {
    expect(firstFree(['anna', 'linh'], bookings, 610)).toBeUndefined();
  });
});

describe('weeks', () => {
  it('starts the week on Sunday in the US and on Monday in Britain', () => {
    expect(firstDayOfWeek('en-US')).toBe(0);
    expect(firstDayOfWeek('en-GB')).toBe(1);
  });

  it('lists the seven days of the week holding a day, across a month end', () => {
    // Wednesday 2026-12-30.
    expect(weekDays('2026-12-30', 0)).toEqual([
      '2026-12-27',
      '2026-12-28',
      '2026-12-29',
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
    expect(weekDays('2026-12-30', 1)[0]).toBe('2026-12-28');
  });

  it('starts the week on the day itself when it is the first day', () => {
    expect(weekDays('2026-12-06', 0)[0]).toBe('2026-12-06');
    expect(weekDays('2026-12-06', 1)[0]).toBe('2026-11-30');
  });
});
