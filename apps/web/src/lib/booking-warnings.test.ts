import { describe, expect, it } from 'vitest';
import { bookingWarnings } from './booking-warnings';

// Monday 2 March 2026, 10:00 in New York is 15:00 UTC.
const base = {
  start: '2026-03-02T15:00:00.000Z',
  ymd: '2026-03-02',
  startMin: 10 * 60,
  durationMin: 45,
  staff: {
    displayName: 'Linh',
    workingHours: [{ weekday: 1, startMin: 9 * 60, endMin: 17 * 60 }],
  },
};
const codes = (p: Parameters<typeof bookingWarnings>[0]) => bookingWarnings(p).map((w) => w.code);

describe('bookingWarnings', () => {
  it('says nothing for a future time inside the working hours', () => {
    expect(codes({ ...base, now: new Date('2026-03-02T14:59:00.000Z') })).toEqual([]);
  });

  it('warns of a time already gone', () => {
    expect(codes({ ...base, now: new Date('2026-03-02T15:01:00.000Z') })).toEqual(['past']);
  });

  it('warns of a booking that runs past the end of the shift, naming the staff member', () => {
    const late = bookingWarnings({
      ...base,
      start: '2026-03-02T21:30:00.000Z',
      startMin: 16 * 60 + 30,
      now: new Date('2026-03-01T00:00:00.000Z'),
    });
    expect(late).toEqual([
      { code: 'outsideHours', message: 'This is outside Linh’s working hours.' },
    ]);
  });

  it('warns of a day off, and of nothing when no schedule is kept', () => {
    const sunday = { ...base, ymd: '2026-03-01', now: new Date('2026-02-01T00:00:00.000Z') };
    expect(codes(sunday)).toEqual(['outsideHours']);
    expect(codes({ ...sunday, staff: { displayName: 'Mai', workingHours: null } })).toEqual([]);
  });
});
