import { describe, expect, it } from 'vitest';
import { addMinutes, businessDate, isValidTimeZone, toUtcIso } from './time';

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
