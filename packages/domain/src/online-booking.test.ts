import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APPOINTMENT_STATUSES, type AppointmentRow, type StaffRow } from './entities';
import {
  availabilityWindow,
  availableTimes,
  bookingDayProblem,
  bookingNoticeOf,
  canChangeOnline,
  onlineBookingSettingsSchema,
  offeredStaff,
  pickStaff,
  SLOT_STEP_MIN,
} from './online-booking';
import { apply, ids, manicure, must, seededStore, uid } from './test-support/fixtures';
import { addMinutes, businessDate, zonedWallTimeMs } from './time';

const TZ = 'America/New_York';
const NOW = '2026-11-24T12:00:00.000Z'; // 07:00 in New York, Tuesday 24 Nov
const DAY = '2026-11-25'; // a Wednesday
const settings = { horizonDays: 30, minNoticeMin: 60, bufferMin: 0 };
const nineToFive = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, startMin: 540, endMin: 1020 }));
const ana: StaffRow = {
  id: ids.ana,
  displayName: 'Ana',
  role: 'technician',
  active: true,
  workingHours: nineToFive,
};
const ben: StaffRow = { ...ana, id: ids.ben, displayName: 'Ben' };

function appt(staffId: string, start: string, durationMin: number, n = 1): AppointmentRow {
  return {
    id: uid(500 + n),
    staffId,
    serviceId: ids.manicure,
    start,
    end: addMinutes(start, durationMin),
    durationMin,
    status: 'booked',
    conflict: false,
  };
}

const local = (hhmm: string, date = DAY) =>
  new Date(
    zonedWallTimeMs(date, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)), TZ),
  ).toISOString();

describe('availableTimes', () => {
  it('offers the grid of the working hours, the whole service inside a shift', () => {
    const times = availableTimes({
      date: DAY,
      timeZone: TZ,
      now: NOW,
      settings,
      service: manicure,
      staff: [ana],
      appointments: [],
    });
    expect(times[0]).toEqual({ start: local('09:00'), staffIds: [ids.ana] });
    // 30 minutes must end by 17:00: the last start is 16:30.
    expect(times.at(-1)?.start).toBe(local('16:30'));
    expect(times).toHaveLength((17 * 60 - 30 - 9 * 60) / SLOT_STEP_MIN + 1);
  });

  it('leaves out booked times with the buffer around them, and the staff override duration', () => {
    const booked = appt(ids.ana, local('10:00'), 60);
    const times = availableTimes({
      date: DAY,
      timeZone: TZ,
      now: NOW,
      settings: { ...settings, bufferMin: 15 },
      service: manicure,
      staff: [ana],
      appointments: [booked, { ...appt(ids.ana, local('13:00'), 60, 2), status: 'cancelled' }],
    }).map((t) => t.start);
    expect(times).toContain(local('09:15')); // 9:15–9:45, 15 min before 10:00
    expect(times).not.toContain(local('09:30'));
    expect(times).not.toContain(local('10:45'));
    expect(times).toContain(local('11:15')); // 15 min after 11:00
    expect(times).toContain(local('13:00')); // the cancelled one frees its time
    const forBen = availableTimes({
      date: DAY,
      timeZone: TZ,
      now: NOW,
      settings,
      service: manicure,
      staff: [ben],
      appointments: [],
    });
    expect(forBen.at(-1)?.start).toBe(local('16:15')); // Ben's manicure takes 45 minutes
  });

  it('keeps the minimum notice and the horizon, and nothing on a day off', () => {
    const today = availableTimes({
      date: '2026-11-24',
      timeZone: TZ,
      now: local('12:10', '2026-11-24'),
      settings: { ...settings, minNoticeMin: 120 },
      service: manicure,
      staff: [ana],
      appointments: [],
    });
    expect(today[0]?.start).toBe(local('14:15', '2026-11-24'));
    expect(bookingDayProblem('2026-11-23', settings, NOW, TZ)).toBe('PAST');
    expect(bookingDayProblem('2026-12-24', settings, NOW, TZ)).toBeNull();
    expect(bookingDayProblem('2026-12-25', settings, NOW, TZ)).toBe('TOO_FAR_AHEAD');
    const sunday = { date: '2026-11-29', timeZone: TZ, now: NOW, settings, service: manicure };
    expect(availableTimes({ ...sunday, staff: [ana], appointments: [] })).toEqual([]);
  });

  it('for anyone, is the union with who could take each time', () => {
    const times = availableTimes({
      date: DAY,
      timeZone: TZ,
      now: NOW,
      settings,
      service: manicure,
      staff: [ana, ben],
      appointments: [appt(ids.ana, local('09:00'), 30)],
    });
    expect(times[0]).toEqual({ start: local('09:00'), staffIds: [ids.ben] });
    expect(times[2]).toEqual({ start: local('09:30'), staffIds: [ids.ana, ids.ben].sort() });
  });

  it('counts a daylight-saving day in real minutes (no 1:30 twice, no lost hour)', () => {
    const night = { ...ana, workingHours: [{ weekday: 0, startMin: 0, endMin: 240 }] };
    const times = availableTimes({
      date: '2026-11-01', // a Sunday: 2:00 → 1:00 in New York
      timeZone: TZ,
      now: '2026-10-30T00:00:00Z',
      settings,
      service: manicure,
      staff: [night],
      appointments: [],
    }).map((t) => t.start);
    expect(new Set(times).size).toBe(times.length);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
  });

  it('property: an offered time never overlaps a booking (with the buffer) and is in hours', () => {
    const booking = fc.record({
      staff: fc.constantFrom(ids.ana, ids.ben),
      startMin: fc.integer({ min: 6 * 60, max: 20 * 60 }),
      durationMin: fc.integer({ min: 1, max: 24 }).map((n) => n * 5),
    });
    fc.assert(
      fc.property(
        fc.array(booking, { maxLength: 12 }),
        fc.integer({ min: 0, max: 120 }),
        (rows, bufferMin) => {
          const appointments = rows.map((r, i) =>
            appt(
              r.staff,
              new Date(zonedWallTimeMs(DAY, r.startMin, TZ)).toISOString(),
              r.durationMin,
              i,
            ),
          );
          const times = availableTimes({
            date: DAY,
            timeZone: TZ,
            now: NOW,
            settings: { ...settings, bufferMin },
            service: manicure,
            staff: [ana, ben],
            appointments,
          });
          for (const t of times) {
            for (const staffId of t.staffIds) {
              const dur = staffId === ids.ben ? 45 : 30;
              const s = Date.parse(t.start);
              const e = s + dur * 60_000;
              expect(s).toBeGreaterThanOrEqual(zonedWallTimeMs(DAY, 540, TZ));
              expect(e).toBeLessThanOrEqual(zonedWallTimeMs(DAY, 1020, TZ));
              for (const a of appointments.filter((x) => x.staffId === staffId)) {
                const clear =
                  e + bufferMin * 60_000 <= Date.parse(a.start) ||
                  Date.parse(a.end) + bufferMin * 60_000 <= s;
                expect(clear).toBe(true);
              }
            }
          }
        },
      ),
    );
  });
});

describe('pickStaff', () => {
  it('gives the time to the least busy, then the lowest id, whatever the order', () => {
    const booked = [appt(ids.ana, local('09:00'), 60), appt(ids.ben, local('09:00'), 30, 2)];
    expect(pickStaff([ids.ana, ids.ben], booked)).toBe(ids.ben);
    expect(pickStaff([ids.ben, ids.ana], [])).toBe(ids.ana);
    fc.assert(
      fc.property(fc.shuffledSubarray([ids.ana, ids.ben, ids.cleo], { minLength: 1 }), (c) => {
        expect(pickStaff(c, booked)).toBe(pickStaff([...c].reverse(), booked));
      }),
    );
  });
});

describe('settings and rules', () => {
  const valid = {
    enabled: true,
    slug: 'nails-by-lee',
    horizonDays: 60,
    minNoticeMin: 120,
    bufferMin: 10,
    serviceIds: [],
    staffIds: [],
  };
  it('checks the slug, the horizon and the buffer', () => {
    expect(onlineBookingSettingsSchema.safeParse(valid).success).toBe(true);
    for (const slug of ['ab', 'Nails', '-nails', 'nails-', 'na--ils', 'n'.repeat(41), 'náils']) {
      expect(onlineBookingSettingsSchema.safeParse({ ...valid, slug }).success).toBe(false);
    }
    expect(onlineBookingSettingsSchema.safeParse({ ...valid, horizonDays: 0 }).success).toBe(false);
    expect(onlineBookingSettingsSchema.safeParse({ ...valid, horizonDays: 366 }).success).toBe(
      false,
    );
    expect(onlineBookingSettingsSchema.safeParse({ ...valid, bufferMin: 121 }).success).toBe(false);
  });

  it('offers only active listed staff who do the service', () => {
    const cleo: StaffRow = { ...ana, id: ids.cleo, serviceIds: [ids.pedicure] };
    const gone: StaffRow = { ...ana, id: uid(77), active: false };
    const desk: StaffRow = { ...ana, id: uid(78), role: 'front_desk' };
    const all = [ben, cleo, ana, gone, desk];
    // None ticked: everyone who takes clients (not the front desk, as on the desk's book).
    expect(offeredStaff(valid, all, ids.manicure).map((s) => s.id)).toEqual([ids.ana, ids.ben]);
    expect(offeredStaff({ ...valid, staffIds: [ids.cleo] }, all).map((s) => s.id)).toEqual([
      ids.cleo,
    ]);
    // Ticked by the owner: offered, whatever the role.
    expect(offeredStaff({ ...valid, staffIds: [desk.id] }, all).map((s) => s.id)).toEqual([
      desk.id,
    ]);
  });

  it('lets a client change a booking only while booked and before the notice', () => {
    const a = appt(ids.ana, local('10:00'), 30);
    expect(canChangeOnline(a, { minNoticeMin: 60 }, addMinutes(a.start, -60))).toBe(true);
    expect(canChangeOnline(a, { minNoticeMin: 60 }, addMinutes(a.start, -59))).toBe(false);
    expect(canChangeOnline({ ...a, status: 'checked_in' }, { minNoticeMin: 0 }, NOW)).toBe(false);
  });

  it('reads the day with the buffer and a service running in from the day before', () => {
    const w = availabilityWindow(DAY, TZ, 15);
    expect(businessDate(addMinutes(w.from, 24 * 60 + 15), TZ)).toBe(DAY);
    expect(w.to).toBe(addMinutes(local('00:00', '2026-11-26'), 15));
  });
});

describe('the mutator for an online actor', () => {
  const at = '2026-11-25T15:00:00.000Z';
  const book = (id: string, start: string, extra: object = {}) => ({
    id,
    staffId: ids.ana,
    serviceId: ids.manicure,
    start,
    ...extra,
  });

  it('marks the row online and refuses any overlap with SLOT_TAKEN, buffer included', async () => {
    const store = await seededStore();
    const s = (await store.get('store', (await store.list('store'))[0]!.id))!;
    await store.put('store', {
      ...s,
      onlineBooking: { ...onlineBookingSettingsSchema.parse({ ...baseSettings }), bufferMin: 10 },
    });
    await must(store, 'appointment.book', book(uid(601), at), { online: true });
    expect((await store.get('appointment', uid(601)))?.source).toBe('online');
    expect(
      await apply(store, 'appointment.book', book(uid(602), at), { online: true }),
    ).toMatchObject({ ok: false, code: 'SLOT_TAKEN' });
    // 15:30 is the end: within the 10-minute buffer.
    expect(
      await apply(store, 'appointment.book', book(uid(603), addMinutes(at, 35)), { online: true }),
    ).toMatchObject({ code: 'SLOT_TAKEN' });
    await must(store, 'appointment.book', book(uid(604), addMinutes(at, 40)), { online: true });
    // A retry of the same booking is a no-op, not a refusal.
    await must(store, 'appointment.book', book(uid(601), at), { online: true });
  });

  it('a desk booking over an online one is accepted and flags both, even in strict mode', async () => {
    const store = await seededStore();
    const s = (await store.list('store'))[0]!;
    await store.put('store', { ...s, strictBooking: true });
    await must(store, 'appointment.book', book(uid(611), at), { online: true });
    await must(store, 'appointment.book', book(uid(612), addMinutes(at, 15)));
    expect((await store.get('appointment', uid(611)))?.conflict).toBe(true);
    expect((await store.get('appointment', uid(612)))?.conflict).toBe(true);
    // Over a desk booking, strict mode still refuses the desk.
    expect(
      await apply(store, 'appointment.book', book(uid(613), addMinutes(at, 20), {})),
    ).toMatchObject({ code: 'STAFF_DOUBLE_BOOKED' });
  });

  it('may run only the booking mutators', async () => {
    const store = await seededStore();
    expect(
      await apply(store, 'ticket.open', { id: uid(620), openedAt: NOW }, { online: true }),
    ).toMatchObject({ ok: false });
    expect(await apply(store, 'client.delete', { id: ids.client }, { online: true })).toMatchObject(
      { code: 'FORBIDDEN_ROLE' },
    );
    expect(await store.get('client', ids.client)).toBeDefined();
  });
});

const baseSettings = {
  enabled: true,
  slug: 'mango-nails',
  horizonDays: 60,
  minNoticeMin: 0,
  bufferMin: 0,
  serviceIds: [],
  staffIds: [],
};

describe('bookingNoticeOf (what a client who booked online hears of a desk change)', () => {
  const now = '2026-12-07T12:00:00.000Z';
  const ahead = '2026-12-09T15:00:00.000Z';
  const online = {
    start: ahead,
    staffId: 'ana',
    serviceId: 'gel',
    status: 'booked' as const,
    source: 'online' as const,
  };

  it('tells of a new time, person or service, and of a cancellation or deletion', () => {
    expect(bookingNoticeOf(online, { ...online, start: '2026-12-09T16:00:00.000Z' }, now)).toBe(
      'booking_changed',
    );
    expect(bookingNoticeOf(online, { ...online, staffId: 'bea' }, now)).toBe('booking_changed');
    expect(bookingNoticeOf(online, { ...online, serviceId: 'pedi' }, now)).toBe('booking_changed');
    expect(bookingNoticeOf(online, { ...online, status: 'cancelled' }, now)).toBe(
      'booking_cancelled',
    );
    expect(bookingNoticeOf(online, null, now)).toBe('booking_cancelled');
    expect(bookingNoticeOf({ ...online, status: 'cancelled' }, online, now)).toBe(
      'booking_changed',
    );
  });

  it('tells nothing of a check-in, a no-show, a note, a new booking, a past visit or a desk booking', () => {
    expect(bookingNoticeOf(online, { ...online, status: 'checked_in' }, now)).toBeNull();
    expect(bookingNoticeOf(online, { ...online, status: 'no_show' }, now)).toBeNull();
    expect(bookingNoticeOf(online, { ...online }, now)).toBeNull();
    expect(bookingNoticeOf(null, online, now)).toBeNull();
    const past = { ...online, start: '2026-12-07T11:00:00.000Z' };
    expect(bookingNoticeOf(past, { ...past, status: 'cancelled' }, now)).toBeNull();
    expect(bookingNoticeOf(past, { ...past, staffId: 'bea' }, now)).toBeNull();
    // Moved into the past (a correction after the visit): no news to the client either.
    expect(bookingNoticeOf(online, past, now)).toBeNull();
    const { source: _, ...desk } = online;
    expect(bookingNoticeOf(desk, { ...desk, status: 'cancelled' }, now)).toBeNull();
    expect(
      bookingNoticeOf({ ...online, status: 'checked_in' }, { ...online, status: 'cancelled' }, now),
    ).toBeNull();
  });

  it('never tells of a booking the client did not make, nor of one that is unchanged', () => {
    const status = fc.constantFrom(...APPOINTMENT_STATUSES);
    const row = fc.record({
      start: fc.constantFrom(ahead, '2026-12-01T10:00:00.000Z', '2026-12-10T09:30:00.000Z'),
      staffId: fc.constantFrom('ana', 'bea'),
      serviceId: fc.constantFrom('gel', 'pedi'),
      status,
      source: fc.constantFrom('online' as const, undefined),
    });
    fc.assert(
      fc.property(row, fc.option(row, { nil: null }), (before, after) => {
        const notice = bookingNoticeOf(before, after, now);
        if (before.source !== 'online') expect(notice).toBeNull();
        if (after && JSON.stringify(after) === JSON.stringify(before)) expect(notice).toBeNull();
        if (notice === 'booking_changed') {
          expect(after?.status).toBe('booked');
          expect(Date.parse(after!.start)).toBeGreaterThan(Date.parse(now));
        }
        if (notice === 'booking_cancelled') {
          expect(before.status).toBe('booked');
          expect(Date.parse(before.start)).toBeGreaterThan(Date.parse(now));
        }
      }),
    );
  });
});
