import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDaysToYmd,
  addMinutes,
  businessDate,
  isValidTimeZone,
  toUtcIso,
  zonedWallTimeMs,
} from './time';

describe('time', () => {
  it('normalizes timestamps with offsets to UTC', () => {
    expect(toUtcIso('2026-11-24T10:00:00-05:00')).toBe('2026-11-24T15:00:00.000Z');
    expect(() => toUtcIso('yesterday')).toThrow(RangeError);
    expect(addMinutes('2026-11-24T23:30:00.000Z', 45)).toBe('2026-11-25T00:15:00.000Z');
  });

  it('gives the store-local business date', () => {
    expect(businessDate('2026-11-24T03:00:00.000Z', 'America/New_York')).toBe('2026-11-23');
    expect(businessDate('2026-11-24T03:00:00.000Z', 'Asia/Tokyo')).toBe('2026-11-24');
    expect(businessDate('2026-11-24T23:30:00.000Z', 'Asia/Tokyo')).toBe('2026-11-25');
  });

  it('knows valid time zones', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    // PostgreSQL takes these POSIX forms, JavaScript does not: refused on both sides.
    for (const zone of ['UTC+3', 'EST5EDT,M3.2.0', '+03:00', 'Bad\u0000Zone', 'Europe/Paris '])
      expect(isValidTimeZone(zone), zone).toBe(false);
    for (const zone of [
      'UTC',
      'Etc/GMT+3',
      'America/Port-au-Prince',
      'America/Argentina/Buenos_Aires',
    ])
      expect(isValidTimeZone(zone), zone).toBe(true);
  });
});

describe('store-local wall times', () => {
  it('turns a local wall time into its instant on both sides of a DST change', () => {
    const ny = 'America/New_York';
    // 2026-03-08: clocks go from 2:00 to 3:00 in New York.
    expect(new Date(zonedWallTimeMs('2026-03-07', 9 * 60, ny)).toISOString()).toBe(
      '2026-03-07T14:00:00.000Z',
    );
    expect(new Date(zonedWallTimeMs('2026-03-09', 9 * 60, ny)).toISOString()).toBe(
      '2026-03-09T13:00:00.000Z',
    );
    expect(new Date(zonedWallTimeMs('2026-11-02', 0, 'Asia/Kolkata')).toISOString()).toBe(
      '2026-11-01T18:30:00.000Z',
    );
    for (const day of ['2026-03-07', '2026-03-08', '2026-03-09', '2026-11-01'])
      for (const minutes of [0, 9 * 60 + 30, 23 * 60])
        expect(businessDate(new Date(zonedWallTimeMs(day, minutes, ny)).toISOString(), ny)).toBe(
          day,
        );
  });

  it('a wall time maps to an instant showing that wall time, in zones of odd offsets and DST steps (offsets are remembered by quarter hour)', () => {
    const zones = [
      'America/New_York',
      'Europe/London',
      'Australia/Lord_Howe', // a 30-minute DST step
      'Asia/Kathmandu', // +5:45
      'America/St_Johns', // −3:30 with DST
      'Pacific/Chatham', // +12:45 with DST
      'UTC',
    ];
    const wallClock = (ms: number, timeZone: string) => {
      const parts = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      }).formatToParts(new Date(ms));
      const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
      return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
    };
    fc.assert(
      fc.property(
        // An instant on a 5-minute grid from 1980 to 2100 (the wall time asked for is its own).
        fc.integer({ min: 3_650 * 288, max: 47_480 * 288 }),
        fc.constantFrom(...zones),
        (fiveMinutes, zone) => {
          const instant = fiveMinutes * 300_000;
          const [ymd, hm] = wallClock(instant, zone).split(' ') as [string, string];
          const [h, m] = hm.split(':').map(Number) as [number, number];
          const found = zonedWallTimeMs(ymd, h * 60 + m, zone);
          // In a fall-back hour the wall time is shown twice: either instant is right.
          expect(wallClock(found, zone)).toBe(`${ymd} ${hm}`);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('adds days across months and years', () => {
    expect(addDaysToYmd('2026-02-27', 2)).toBe('2026-03-01');
    expect(addDaysToYmd('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDaysToYmd('2026-03-01', -1)).toBe('2026-02-28');
  });
});
