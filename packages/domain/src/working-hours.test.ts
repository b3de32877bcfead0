import { describe, expect, it } from 'vitest';
import { offHours, outsideShifts, overlappingShifts, weekdayOf } from './working-hours';

const h = (hours: number) => hours * 60;

describe('offHours', () => {
  const shifts = [
    { weekday: 1, startMin: h(14), endMin: h(18) },
    { weekday: 1, startMin: h(9), endMin: h(13) },
    { weekday: 3, startMin: h(6), endMin: h(22) },
  ];

  it('shades before, between and after the day’s shifts, within the shown hours', () => {
    expect(offHours(shifts, 1, h(8), h(20))).toEqual([
      { startMin: h(8), endMin: h(9) },
      { startMin: h(13), endMin: h(14) },
      { startMin: h(18), endMin: h(20) },
    ]);
  });

  it('shades nothing when a shift covers the shown hours, and all of a day off', () => {
    expect(offHours(shifts, 3, h(8), h(20))).toEqual([]);
    expect(offHours(shifts, 0, h(8), h(20))).toEqual([{ startMin: h(8), endMin: h(20) }]);
  });

  it('clips shifts that start or end outside the shown hours', () => {
    expect(offHours(shifts, 1, h(10), h(16))).toEqual([{ startMin: h(13), endMin: h(14) }]);
  });

  it('shades nothing without a schedule', () => {
    expect(offHours(undefined, 1, h(8), h(20))).toEqual([]);
    expect(offHours(null, 1, h(8), h(20))).toEqual([]);
    expect(offHours([], 1, h(8), h(20))).toEqual([]);
  });
});

describe('overlappingShifts and weekdayOf', () => {
  it('finds shifts of one weekday that overlap, not ones that touch or are on other days', () => {
    expect(
      overlappingShifts([
        { weekday: 1, startMin: h(9), endMin: h(13) },
        { weekday: 1, startMin: h(13), endMin: h(18) },
        { weekday: 2, startMin: h(10), endMin: h(12) },
        { weekday: 1, startMin: h(12), endMin: h(14) },
      ]),
    ).toEqual([
      [0, 3],
      [1, 3],
    ]);
  });

  it('reads the weekday of a business date', () => {
    expect(weekdayOf('2026-11-24')).toBe(2); // a Tuesday
    expect(weekdayOf('2026-11-29')).toBe(0);
  });
});

describe('outsideShifts', () => {
  const shifts = [
    { weekday: 1, startMin: h(9), endMin: h(13) },
    { weekday: 1, startMin: h(14), endMin: h(18) },
  ];

  it('is false for a booking inside one shift, up to its very end', () => {
    expect(outsideShifts(shifts, 1, h(9), h(10))).toBe(false);
    expect(outsideShifts(shifts, 1, h(17), h(18))).toBe(false);
  });

  it('is true for a booking that starts early, runs late, spans the break or is on a day off', () => {
    expect(outsideShifts(shifts, 1, h(8) + 45, h(9) + 30)).toBe(true);
    expect(outsideShifts(shifts, 1, h(17) + 30, h(18) + 15)).toBe(true);
    expect(outsideShifts(shifts, 1, h(12) + 30, h(14) + 30)).toBe(true);
    expect(outsideShifts(shifts, 2, h(10), h(11))).toBe(true);
  });

  it('is false when no schedule is kept', () => {
    expect(outsideShifts(null, 1, h(6), h(7))).toBe(false);
    expect(outsideShifts([], 1, h(6), h(7))).toBe(false);
  });
});
