import { describe, expect, it } from 'vitest';
import { overlapWindows } from './prefetch';

const STAFF = '00000000-0000-4000-8000-00000000000a';
const OTHER = '00000000-0000-4000-8000-00000000000b';
const book = (staffId: unknown, start: unknown) => ({
  name: 'appointment.book',
  args: { id: '00000000-0000-4000-8000-000000000001', staffId, serviceId: STAFF, start },
});

describe('overlapWindows', () => {
  it('reads 24 hours either side of each booking, merged per staff member where they meet', () => {
    expect(
      overlapWindows([
        book(STAFF.toUpperCase(), '2027-03-10T15:00:00Z'),
        book(STAFF, '2027-03-11T10:00:00.000Z'), // meets the first
        book(STAFF, '2027-03-20T09:30:00.000Z'), // a window of its own
        book(OTHER, '2027-03-10T15:00:00.000Z'),
        { name: 'appointment.checkIn', args: { id: STAFF } },
      ]),
    ).toEqual([
      { staffId: STAFF, gte: '2027-03-09T15:00:00.000Z', lt: '2027-03-12T10:00:00.000Z' },
      { staffId: STAFF, gte: '2027-03-19T09:30:00.000Z', lt: '2027-03-21T09:30:00.000Z' },
      { staffId: OTHER, gte: '2027-03-09T15:00:00.000Z', lt: '2027-03-11T15:00:00.000Z' },
    ]);
  });

  it('starts a new window where merging would read more than a week at once', () => {
    const daily = Array.from({ length: 10 }, (_, day) =>
      book(STAFF, new Date(Date.UTC(2027, 2, 1 + day, 10)).toISOString()),
    );
    const windows = overlapWindows(daily);
    expect(windows.length).toBeGreaterThan(1);
    for (const w of windows) {
      expect(Date.parse(w.lt) - Date.parse(w.gte)).toBeLessThanOrEqual(7 * 24 * 3_600_000);
    }
    // Together they still cover every booking's own window.
    for (const day of daily) {
      const at = Date.parse((day.args as { start: string }).start);
      expect(
        windows.some(
          (w) => Date.parse(w.gte) <= at - 86_400_000 && at + 86_400_000 <= Date.parse(w.lt),
        ),
      ).toBe(true);
    }
  });

  it('reads nothing for a booking it cannot place: left to the mutator, which refuses it', () => {
    expect(
      overlapWindows([
        book('not-a-uuid', '2027-03-10T15:00:00Z'),
        book(STAFF, 'tomorrow-ish'),
        book(STAFF, 1_700_000_000_000),
        book(STAFF, '+275760-09-13T00:00:00.000Z'), // a time JavaScript has, ± 24 h it has not
        book(STAFF, '0999-12-31T23:00:00.000Z'), // written differently by PostgreSQL
        { name: 'appointment.book', args: null },
      ]),
    ).toEqual([]);
  });
});
