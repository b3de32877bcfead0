import { describe, expect, it } from 'vitest';
import { seriesStarts } from '../appointments';
import type { MemoryStore } from '../memory-store';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const S = [uid(601), uid(602), uid(603), uid(604)];
const OTHER = uid(609);

const series = (extra: object = {}) => ({
  ids: S,
  staffId: ids.ana,
  serviceId: ids.manicure,
  start: '2026-11-25T10:00:00-05:00',
  repeat: { everyWeeks: 1, count: 4 },
  ...extra,
});

/** Another booking of Ana's, outside the series. */
const bookOther = (store: MemoryStore, serviceId: string, start: string) =>
  must(store, 'appointment.book', { id: OTHER, staffId: ids.ana, serviceId, start });

const statuses = (store: MemoryStore) =>
  S.map((id) => store.rows('appointment').find((r) => r.id === id)?.status);

describe('seriesStarts', () => {
  it('keeps the store-local time across a daylight-saving change', () => {
    // New York leaves daylight time on 1 November 2026: 10:00 is 14:00Z before, 15:00Z after.
    expect(
      seriesStarts('2026-10-21T14:00:00Z', { everyWeeks: 1, count: 3 }, 'America/New_York'),
    ).toEqual(['2026-10-21T14:00:00.000Z', '2026-10-28T14:00:00.000Z', '2026-11-04T15:00:00.000Z']);
    // Booked on the change days themselves: 10:00 is still 10:00 a week later.
    expect(
      seriesStarts('2026-11-01T15:00:00Z', { everyWeeks: 1, count: 2 }, 'America/New_York'),
    ).toEqual(['2026-11-01T15:00:00.000Z', '2026-11-08T15:00:00.000Z']);
    expect(
      seriesStarts('2026-03-08T14:00:00Z', { everyWeeks: 1, count: 2 }, 'America/New_York'),
    ).toEqual(['2026-03-08T14:00:00.000Z', '2026-03-15T14:00:00.000Z']);
    expect(seriesStarts('2026-01-05T09:30:00Z', { everyWeeks: 3, count: 2 }, 'UTC')).toEqual([
      '2026-01-05T09:30:00.000Z',
      '2026-01-26T09:30:00.000Z',
    ]);
  });
});

describe('appointment.bookSeries', () => {
  it('books every occurrence; the first holds the rule and the ids', async () => {
    const store = await seededStore();
    await must(store, 'appointment.bookSeries', series({ repeat: { everyWeeks: 2, count: 4 } }));
    const rows = S.map((id) => store.rows('appointment').find((r) => r.id === id));
    expect(rows.map((r) => r?.start)).toEqual([
      '2026-11-25T15:00:00.000Z',
      '2026-12-09T15:00:00.000Z',
      '2026-12-23T15:00:00.000Z',
      '2027-01-06T15:00:00.000Z',
    ]);
    expect(rows.every((r) => r?.seriesId === S[0] && r?.status === 'booked')).toBe(true);
    expect(rows[0]?.series).toEqual({ everyWeeks: 2, count: 4, ids: S });
    expect(rows.slice(1).every((r) => r?.series === undefined)).toBe(true);
  });

  it('is idempotent on retry: the same ids write nothing new', async () => {
    const store = await seededStore();
    await must(store, 'appointment.bookSeries', series());
    const version = store.version;
    await must(store, 'appointment.bookSeries', series());
    expect(store.version).toBe(version);
    expect(store.rows('appointment')).toHaveLength(4);
  });

  it('flags colliding occurrences; in strict mode refuses the whole series naming the dates', async () => {
    const store = await seededStore();
    await bookOther(store, ids.pedicure, '2026-12-09T15:15:00Z');
    await must(store, 'store.updateSettings', { strictBooking: true }, { role: 'owner' });
    const refused = await apply(store, 'appointment.bookSeries', series());
    expect(refused).toMatchObject({ code: 'STAFF_DOUBLE_BOOKED' });
    expect(!refused.ok && refused.message).toContain('2026-12-09');
    expect(store.rows('appointment')).toHaveLength(1);
    await must(store, 'store.updateSettings', { strictBooking: false }, { role: 'owner' });
    await must(store, 'appointment.bookSeries', series());
    const conflicts = Object.fromEntries(store.rows('appointment').map((r) => [r.id, r.conflict]));
    expect(conflicts).toEqual({
      [OTHER]: true,
      [S[0] as string]: false,
      [S[1] as string]: false,
      [S[2] as string]: true,
      [S[3] as string]: false,
    });
  });

  it('refuses hostile or inconsistent rules as invalid arguments', async () => {
    const store = await seededStore();
    for (const extra of [
      { repeat: { everyWeeks: 0, count: 4 } },
      { repeat: { everyWeeks: 13, count: 4 } },
      { repeat: { everyWeeks: 1, count: 27 } },
      { repeat: { everyWeeks: 1, count: 3 } },
      { ids: [S[0], S[0], S[1], S[2]] },
      {
        ids: Array.from({ length: 101 }, (_, n) => uid(700 + n)),
        repeat: { everyWeeks: 1, count: 26 },
      },
    ]) {
      expect(await apply(store, 'appointment.bookSeries', series(extra))).toMatchObject({
        code: 'INVALID_ARGS',
      });
    }
    expect(store.rows('appointment')).toEqual([]);
  });

  it('is refused to a technician, as appointment.book is', async () => {
    const store = await seededStore();
    expect(
      await apply(store, 'appointment.bookSeries', series(), { role: 'technician' }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });
});

describe('appointment.cancelFollowing', () => {
  it('cancels this occurrence and the later ones, leaving the earlier and finished ones', async () => {
    const store = await seededStore();
    await must(store, 'appointment.bookSeries', series());
    await must(store, 'appointment.noShow', { id: S[3] });
    await must(store, 'appointment.cancelFollowing', { id: S[1], reason: 'moving away' });
    expect(statuses(store)).toEqual(['booked', 'cancelled', 'cancelled', 'no_show']);
    expect(store.rows('appointment').find((r) => r.id === S[2])?.cancelReason).toBe('moving away');
  });

  it('from the third of four leaves two', async () => {
    const store = await seededStore();
    await must(store, 'appointment.bookSeries', series());
    await must(store, 'appointment.cancelFollowing', { id: S[2] });
    expect(statuses(store)).toEqual(['booked', 'booked', 'cancelled', 'cancelled']);
  });

  it('clears the conflicts the cancelled occurrences caused', async () => {
    const store = await seededStore();
    await must(store, 'appointment.bookSeries', series());
    await bookOther(store, ids.manicure, '2026-12-16T15:00:00Z');
    expect(store.rows('appointment').find((r) => r.id === OTHER)?.conflict).toBe(true);
    await must(store, 'appointment.cancelFollowing', { id: S[2] });
    expect(store.rows('appointment').find((r) => r.id === OTHER)?.conflict).toBe(false);
  });

  it('refuses an appointment outside any series, and one that cannot be cancelled', async () => {
    const store = await seededStore();
    await bookOther(store, ids.manicure, '2026-12-16T15:00:00Z');
    expect(await apply(store, 'appointment.cancelFollowing', { id: OTHER })).toMatchObject({
      code: 'NOT_IN_SERIES',
    });
    await must(store, 'appointment.bookSeries', series());
    await must(store, 'appointment.cancel', { id: S[1] });
    expect(await apply(store, 'appointment.cancelFollowing', { id: S[1] })).toMatchObject({
      code: 'INVALID_STATUS_TRANSITION',
    });
    expect(statuses(store)).toEqual(['booked', 'cancelled', 'booked', 'booked']);
    expect(
      await apply(store, 'appointment.cancelFollowing', { id: S[0] }, { role: 'technician' }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });
});
