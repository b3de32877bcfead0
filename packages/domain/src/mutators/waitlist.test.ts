import { describe, expect, it } from 'vitest';
import type { Role } from '../entities';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const E1 = uid(1801);
const A1 = uid(1811);
const A2 = uid(1812);
const A3 = uid(1813);

const wants = {
  id: E1,
  clientId: ids.client,
  serviceIds: [ids.manicure, ids.polishChange],
  fromDate: '2026-11-24',
  toDate: '2026-11-27',
  windowStart: '13:00',
  windowEnd: '17:00',
  notes: 'Prefers the window seat',
};

describe('waitlist.add / update / remove', () => {
  it('adds a waiting entry once; the same add again is a no-op, another with that id a conflict', async () => {
    const store = await seededStore();
    await must(store, 'waitlist.add', wants);
    expect(await store.get('waitlistEntry', E1)).toEqual({
      ...wants,
      staffId: null,
      status: 'waiting',
      appointmentId: null,
      createdAt: '2026-11-24T15:00:00.000Z',
    });
    await must(store, 'waitlist.add', wants);
    expect(
      await apply(store, 'waitlist.add', { ...wants, serviceIds: [ids.pedicure] }),
    ).toMatchObject({ code: 'ID_CONFLICT' });
  });

  it('refuses hostile or inconsistent input with a code', async () => {
    const store = await seededStore();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...wants, toDate: '2026-11-23' }, 'INVALID_ARGS'],
      [{ ...wants, fromDate: '2026-02-30' }, 'INVALID_ARGS'],
      [{ ...wants, toDate: '2027-11-23' }, 'INVALID_ARGS'],
      [{ ...wants, windowEnd: '12:00' }, 'INVALID_ARGS'],
      [{ ...wants, windowEnd: '25:00' }, 'INVALID_ARGS'],
      [{ ...wants, windowEnd: undefined }, 'INVALID_ARGS'],
      [{ ...wants, notes: 'x'.repeat(501) }, 'INVALID_ARGS'],
      [{ ...wants, serviceIds: [] }, 'INVALID_ARGS'],
      [
        { ...wants, serviceIds: Array.from({ length: 9 }, (_, i) => uid(7000 + i)) },
        'INVALID_ARGS',
      ],
      [{ ...wants, serviceIds: [ids.manicure, ids.manicure] }, 'INVALID_ARGS'],
      [{ ...wants, extra: 1 }, 'INVALID_ARGS'],
      [{ ...wants, notes: 'a\u0000b' }, 'INVALID_TEXT'],
      [{ ...wants, clientId: uid(7777) }, 'CLIENT_NOT_FOUND'],
      [{ ...wants, serviceIds: [uid(7777)] }, 'SERVICE_NOT_FOUND'],
      [{ ...wants, staffId: uid(7777) }, 'STAFF_NOT_FOUND'],
    ];
    for (const [args, code] of cases) {
      expect(await apply(store, 'waitlist.add', args), JSON.stringify(args)).toMatchObject({
        ok: false,
        code,
      });
    }
    expect(await store.get('waitlistEntry', E1)).toBeUndefined();
  });

  it('updates the fields sent, checked together, and only while waiting', async () => {
    const store = await seededStore();
    await must(store, 'waitlist.add', wants);
    await must(store, 'waitlist.update', {
      id: E1,
      staffId: ids.ana,
      windowStart: null,
      windowEnd: null,
      notes: '',
    });
    expect(await store.get('waitlistEntry', E1)).toMatchObject({
      staffId: ids.ana,
      windowStart: null,
      windowEnd: null,
      notes: null,
      toDate: '2026-11-27',
    });
    expect(await apply(store, 'waitlist.update', { id: E1, fromDate: '2026-11-28' })).toMatchObject(
      { code: 'WAITLIST_INVALID_RANGE' },
    );
    expect(await apply(store, 'waitlist.update', { id: E1, windowStart: '10:00' })).toMatchObject({
      code: 'WAITLIST_INVALID_RANGE',
    });
    expect(await apply(store, 'waitlist.update', { id: uid(7777) })).toMatchObject({
      code: 'WAITLIST_ENTRY_NOT_FOUND',
    });
    await must(store, 'waitlist.remove', { id: E1 });
    expect(await store.get('waitlistEntry', E1)).toMatchObject({ status: 'removed' });
    expect(await apply(store, 'waitlist.update', { id: E1, notes: 'x' })).toMatchObject({
      code: 'WAITLIST_ENTRY_NOT_WAITING',
    });
    expect(await apply(store, 'waitlist.remove', { id: E1 })).toMatchObject({
      code: 'WAITLIST_ENTRY_NOT_WAITING',
    });
  });
});

describe('waitlist.book', () => {
  const book = {
    id: E1,
    staffId: ids.ben,
    start: '2026-11-25T18:00:00.000Z',
    appointmentIds: [A1, A2],
  };

  it('books the services back to back as appointment.book does, and marks the entry booked', async () => {
    const store = await seededStore();
    await must(store, 'waitlist.add', wants);
    await must(store, 'waitlist.book', book);
    // Ben's manicure is 45 minutes (his override), so the polish change starts at 18:45.
    expect(await store.get('appointment', A1)).toMatchObject({
      staffId: ids.ben,
      serviceId: ids.manicure,
      clientId: ids.client,
      start: '2026-11-25T18:00:00.000Z',
      end: '2026-11-25T18:45:00.000Z',
      status: 'booked',
      notes: 'Prefers the window seat',
      conflict: false,
    });
    expect(await store.get('appointment', A2)).toMatchObject({
      serviceId: ids.polishChange,
      start: '2026-11-25T18:45:00.000Z',
      end: '2026-11-25T19:00:00.000Z',
      notes: null,
    });
    expect(await store.get('waitlistEntry', E1)).toMatchObject({
      status: 'booked',
      appointmentId: A1,
    });
    expect(
      await apply(store, 'waitlist.book', { ...book, appointmentIds: [A3, uid(1814)] }),
    ).toMatchObject({ code: 'WAITLIST_ENTRY_NOT_WAITING' });
  });

  /** The entry waiting, and Ben booked 18:30–19:30 (over where it would go). */
  async function benBusy(strictBooking: boolean) {
    const store = await seededStore();
    await must(store, 'store.updateSettings', { strictBooking }, { role: 'owner' });
    await must(store, 'waitlist.add', wants);
    await must(store, 'appointment.book', {
      id: A3,
      staffId: ids.ben,
      serviceId: ids.pedicure,
      start: '2026-11-25T18:30:00.000Z',
    });
    return store;
  }

  it('flags an overlap like appointment.book, and in strict mode refuses it as a whole', async () => {
    const strict = await benBusy(true);
    expect(await apply(strict, 'waitlist.book', book)).toMatchObject({
      code: 'STAFF_DOUBLE_BOOKED',
    });
    expect(await strict.get('appointment', A1)).toBeUndefined();
    expect(await strict.get('waitlistEntry', E1)).toMatchObject({ status: 'waiting' });

    const store = await benBusy(false);
    await must(store, 'waitlist.book', book);
    expect(await store.get('appointment', A1)).toMatchObject({ conflict: true });
    expect(await store.get('appointment', A3)).toMatchObject({ conflict: true });
  });

  it('needs one appointment id per service and an active technician', async () => {
    const store = await seededStore();
    await must(store, 'waitlist.add', wants);
    expect(await apply(store, 'waitlist.book', { ...book, appointmentIds: [A1] })).toMatchObject({
      code: 'INVALID_ARGS',
    });
    expect(
      await apply(store, 'waitlist.book', { ...book, appointmentIds: [A1, A1] }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect(await apply(store, 'waitlist.book', { ...book, staffId: uid(7777) })).toMatchObject({
      code: 'STAFF_NOT_FOUND',
    });
    expect(await apply(store, 'waitlist.book', { ...book, id: uid(7777) })).toMatchObject({
      code: 'WAITLIST_ENTRY_NOT_FOUND',
    });
    expect(await store.get('waitlistEntry', E1)).toMatchObject({ status: 'waiting' });
  });

  it('owner, manager and front desk keep the waitlist; a technician is refused every action', async () => {
    const roles: [Role, boolean][] = [
      ['owner', true],
      ['manager', true],
      ['front_desk', true],
      ['technician', false],
    ];
    for (const [role, allowed] of roles) {
      const store = await seededStore();
      const add = await apply(store, 'waitlist.add', wants, { role });
      expect(add.ok, `${role} adds`).toBe(allowed);
      if (!allowed) {
        expect(add).toMatchObject({ code: 'FORBIDDEN_ROLE' });
        await must(store, 'waitlist.add', wants);
        for (const [name, args] of [
          ['waitlist.update', { id: E1, notes: 'x' }],
          ['waitlist.book', book],
          ['waitlist.remove', { id: E1 }],
        ] as const) {
          expect(await apply(store, name, args, { role }), name).toMatchObject({
            code: 'FORBIDDEN_ROLE',
          });
        }
        continue;
      }
      expect((await apply(store, 'waitlist.update', { id: E1, notes: 'x' }, { role })).ok).toBe(
        true,
      );
      expect((await apply(store, 'waitlist.book', book, { role })).ok).toBe(true);
    }
  });
});
