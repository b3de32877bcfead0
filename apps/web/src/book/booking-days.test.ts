import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bookableDays, bookingWhen, byDayPart, clockTime, dayLabel } from './booking-days';

describe('bookableDays', () => {
  it("starts on the salon's today, not the phone's", () => {
    // 03:00 UTC on Dec 8 is still Dec 7 in New York.
    const now = new Date('2026-12-08T03:00:00Z');
    expect(bookableDays(now, 'America/New_York', 2)).toEqual([
      '2026-12-07',
      '2026-12-08',
      '2026-12-09',
    ]);
    expect(bookableDays(now, 'Asia/Tokyo', 0)).toEqual(['2026-12-08']);
  });

  it('lists consecutive days, horizon + 1 of them, across DST changes', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2024-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 365 }),
        fc.constantFrom('America/New_York', 'Europe/London', 'Australia/Sydney', 'UTC'),
        (now, horizon, zone) => {
          const days = bookableDays(now, zone, horizon);
          expect(days).toHaveLength(horizon + 1);
          for (let i = 1; i < days.length; i++) {
            const gap = Date.parse(`${days[i]}T00:00:00Z`) - Date.parse(`${days[i - 1]}T00:00:00Z`);
            expect(gap).toBe(86_400_000);
          }
        },
      ),
    );
  });
});

describe('labels in the salon zone', () => {
  it('shows a time as the salon clock reads it', () => {
    expect(clockTime('2026-12-07T19:30:00Z', 'America/New_York', 'en-US')).toBe('2:30 PM');
    expect(bookingWhen('2026-12-08T03:00:00Z', 'America/New_York', 'en-US')).toBe(
      'Monday, December 7 at 10:00 PM',
    );
    expect(dayLabel('2026-12-07', 'en-US')).toEqual({
      weekday: 'Mon',
      day: '7',
      month: 'December',
    });
  });

  it('groups times by morning, afternoon and evening of the salon day, in order', () => {
    const times = ['14:00', '09:30', '18:00', '11:45'].map((hm) => ({
      start: new Date(`2026-12-07T${hm}:00-05:00`).toISOString(),
    }));
    expect(
      byDayPart(times, 'America/New_York').map((p) => [p.part, p.times.length] as const),
    ).toEqual([
      ['Morning', 2],
      ['Afternoon', 1],
      ['Evening', 1],
    ]);
  });
});
