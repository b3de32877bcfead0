import { describe, expect, it } from 'vitest';
import type { MemoryStore } from '../memory-store';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const A1 = uid(201);
const A2 = uid(202);
const A3 = uid(203);

async function book(
  store: MemoryStore,
  id: string,
  start: string,
  staffId = ids.ana,
  extra: object = {},
) {
  return apply(store, 'appointment.book', {
    id,
    staffId,
    serviceId: ids.manicure,
    start,
    ...extra,
  });
}
const conflictOf = async (store: MemoryStore, id: string) =>
  (await store.get('appointment', id))?.conflict;

describe('appointment.book', () => {
  it('books with the duration from the catalog or the staff override', async () => {
    const store = await seededStore();
    expect(
      await book(store, A1, '2026-11-25T10:00:00-05:00', ids.ana, {
        clientId: ids.client,
        notes: 'first visit',
      }),
    ).toEqual({ ok: true });
    expect(await store.get('appointment', A1)).toEqual({
      id: A1,
      staffId: ids.ana,
      serviceId: ids.manicure,
      clientId: ids.client,
      start: '2026-11-25T15:00:00.000Z',
      end: '2026-11-25T15:30:00.000Z',
      durationMin: 30,
      status: 'booked',
      notes: 'first visit',
      conflict: false,
    });
    await book(store, A2, '2026-11-25T15:00:00Z', ids.ben);
    expect((await store.get('appointment', A2))?.end).toBe('2026-11-25T15:45:00.000Z');
  });

  it('rejects unknown staff, service or client, and inactive staff', async () => {
    const store = await seededStore();
    expect(await book(store, A1, '2026-11-25T15:00:00Z', uid(999))).toMatchObject({
      code: 'STAFF_NOT_FOUND',
    });
    expect(
      await apply(store, 'appointment.book', {
        id: A1,
        staffId: ids.ana,
        serviceId: uid(999),
        start: '2026-11-25T15:00:00Z',
      }),
    ).toMatchObject({ code: 'SERVICE_NOT_FOUND' });
    expect(
      await book(store, A1, '2026-11-25T15:00:00Z', ids.ana, { clientId: uid(999) }),
    ).toMatchObject({ code: 'CLIENT_NOT_FOUND' });
    await must(
      store,
      'staff.upsert',
      { id: ids.ben, displayName: 'Ben', role: 'technician', active: false },
      { role: 'manager' },
    );
    expect(await book(store, A1, '2026-11-25T15:00:00Z', ids.ben)).toMatchObject({
      code: 'STAFF_INACTIVE',
    });
  });

  it('is idempotent for the same booking and refuses a different one under the same id', async () => {
    const store = await seededStore();
    await book(store, A1, '2026-11-25T15:00:00Z');
    expect(await book(store, A1, '2026-11-25T15:00:00.000Z')).toEqual({ ok: true });
    expect(await book(store, A1, '2026-11-25T16:00:00Z')).toMatchObject({ code: 'ID_CONFLICT' });
  });

  it('flags overlapping bookings of the same staff member on both rows', async () => {
    const store = await seededStore();
    await book(store, A1, '2026-11-25T15:00:00Z');
    await book(store, A2, '2026-11-25T15:30:00Z'); // touches, no overlap
    await book(store, A3, '2026-11-25T15:00:00Z', ids.ben); // other staff
    expect([
      await conflictOf(store, A1),
      await conflictOf(store, A2),
      await conflictOf(store, A3),
    ]).toEqual([false, false, false]);
    const A4 = uid(204);
    await book(store, A4, '2026-11-25T15:15:00Z');
    expect([
      await conflictOf(store, A1),
      await conflictOf(store, A2),
      await conflictOf(store, A4),
    ]).toEqual([true, true, true]);
  });

  it('refuses a double booking in strict mode unless a manager approves', async () => {
    const store = await seededStore();
    await must(store, 'store.updateSettings', { strictBooking: true }, { role: 'owner' });
    await book(store, A1, '2026-11-25T15:00:00Z');
    expect(await book(store, A2, '2026-11-25T15:10:00Z')).toMatchObject({
      code: 'STAFF_DOUBLE_BOOKED',
    });
    expect(
      await apply(
        store,
        'appointment.book',
        { id: A2, staffId: ids.ana, serviceId: ids.manicure, start: '2026-11-25T15:10:00Z' },
        { approvedBy: '00000000-0000-4000-8000-00000000a001' },
      ),
    ).toEqual({ ok: true });
    expect(
      await apply(
        store,
        'appointment.book',
        { id: A3, staffId: ids.ana, serviceId: ids.manicure, start: '2026-11-25T15:20:00Z' },
        { role: 'manager' },
      ),
    ).toEqual({ ok: true });
    expect(await conflictOf(store, A3)).toBe(true);
  });
});

describe('appointment.reschedule', () => {
  it('clears conflicts it leaves behind and flags the new ones', async () => {
    const store = await seededStore();
    await book(store, A1, '2026-11-25T15:00:00Z');
    await book(store, A2, '2026-11-25T15:15:00Z');
    await book(store, A3, '2026-11-25T18:00:00Z');
    await must(store, 'appointment.reschedule', { id: A2, start: '2026-11-25T18:10:00Z' });
    expect([
      await conflictOf(store, A1),
      await conflictOf(store, A2),
      await conflictOf(store, A3),
    ]).toEqual([false, true, true]);
    await must(store, 'appointment.reschedule', {
      id: A2,
      start: '2026-11-25T18:00:00Z',
      staffId: ids.ben,
    });
    expect(await store.get('appointment', A2)).toMatchObject({
      staffId: ids.ben,
      durationMin: 45,
      end: '2026-11-25T18:45:00.000Z',
      conflict: false,
    });
    expect(await conflictOf(store, A3)).toBe(false);
  });

  it('resizes with an explicit length and flags or clears the overlaps it makes', async () => {
    const store = await seededStore();
    await book(store, A1, '2026-11-25T15:00:00Z');
    await book(store, A2, '2026-11-25T16:00:00Z');
    await must(store, 'appointment.reschedule', {
      id: A1,
      start: '2026-11-25T15:00:00Z',
      durationMin: 75,
    });
    expect(await store.get('appointment', A1)).toMatchObject({
      durationMin: 75,
      end: '2026-11-25T16:15:00.000Z',
      conflict: true,
    });
    expect(await conflictOf(store, A2)).toBe(true);
    // A later move keeps the resized length rather than falling back to the service's.
    await must(store, 'appointment.reschedule', { id: A1, start: '2026-11-25T12:00:00Z' });
    expect(await store.get('appointment', A1)).toMatchObject({
      durationMin: 75,
      end: '2026-11-25T13:15:00.000Z',
      conflict: false,
    });
    expect(await conflictOf(store, A2)).toBe(false);
    // The explicit length wins over the new staff member's service duration.
    await must(store, 'appointment.reschedule', {
      id: A1,
      start: '2026-11-25T12:00:00Z',
      staffId: ids.ben,
      durationMin: 20,
    });
    expect(await store.get('appointment', A1)).toMatchObject({
      staffId: ids.ben,
      durationMin: 20,
      end: '2026-11-25T12:20:00.000Z',
    });
  });

  it('refuses a resize into a double booking in strict mode unless a manager approves', async () => {
    const store = await seededStore();
    await must(store, 'store.updateSettings', { strictBooking: true }, { role: 'owner' });
    await book(store, A1, '2026-11-25T15:00:00Z');
    await book(store, A2, '2026-11-25T15:30:00Z');
    const longer = { id: A1, start: '2026-11-25T15:00:00Z', durationMin: 45 };
    expect(await apply(store, 'appointment.reschedule', longer)).toMatchObject({
      code: 'STAFF_DOUBLE_BOOKED',
    });
    expect(await store.get('appointment', A1)).toMatchObject({ durationMin: 30, conflict: false });
    expect(await apply(store, 'appointment.reschedule', longer, { role: 'manager' })).toEqual({
      ok: true,
    });
    expect([await conflictOf(store, A1), await conflictOf(store, A2)]).toEqual([true, true]);
  });

  it.each([0, 3, 7, 725, 30.5, '30'])('refuses the length %s', async (durationMin) => {
    const store = await seededStore();
    await book(store, A1, '2026-11-25T15:00:00Z');
    expect(
      await apply(store, 'appointment.reschedule', {
        id: A1,
        start: '2026-11-25T15:00:00Z',
        durationMin,
      }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect((await store.get('appointment', A1))?.durationMin).toBe(30);
  });

  it('only moves appointments that have not started', async () => {
    const store = await seededStore();
    await book(store, A1, '2026-11-25T15:00:00Z');
    await must(store, 'appointment.start', { id: A1 });
    expect(
      await apply(store, 'appointment.reschedule', { id: A1, start: '2026-11-25T16:00:00Z' }),
    ).toMatchObject({ code: 'INVALID_STATUS_TRANSITION' });
    expect(
      await apply(store, 'appointment.reschedule', { id: uid(999), start: '2026-11-25T16:00:00Z' }),
    ).toMatchObject({ code: 'APPOINTMENT_NOT_FOUND' });
  });
});

describe('appointment status changes', () => {
  it('cancel and no-show free the time of overlapping appointments', async () => {
    const store = await seededStore();
    await book(store, A1, '2026-11-25T15:00:00Z');
    await book(store, A2, '2026-11-25T15:15:00Z');
    await book(store, A3, '2026-11-25T15:20:00Z');
    await must(store, 'appointment.cancel', { id: A2, reason: 'sick' });
    expect(await store.get('appointment', A2)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'sick',
      conflict: false,
    });
    expect([await conflictOf(store, A1), await conflictOf(store, A3)]).toEqual([true, true]);
    await must(store, 'appointment.noShow', { id: A3 });
    expect([await conflictOf(store, A1), await conflictOf(store, A3)]).toEqual([false, false]);
    expect(await apply(store, 'appointment.checkIn', { id: A3 })).toMatchObject({
      code: 'INVALID_STATUS_TRANSITION',
    });
  });

  it('check in, start and complete; completing opens a prefilled ticket', async () => {
    const store = await seededStore();
    await book(store, A1, '2026-11-25T15:00:00Z', ids.ben, { clientId: ids.client });
    await must(store, 'appointment.checkIn', { id: A1 });
    await must(store, 'appointment.start', { id: A1 });
    const ticketId = uid(301);
    const lineId = uid(302);
    await must(store, 'appointment.complete', { id: A1, ticketId, lineId });
    expect(await store.get('appointment', A1)).toMatchObject({ status: 'completed', ticketId });
    expect(await store.get('ticket', ticketId)).toMatchObject({
      status: 'open',
      clientId: ids.client,
      appointmentId: A1,
      subtotalCents: 3000,
      taxCents: 248,
      totalCents: 3248,
    });
    expect(await store.get('ticketLine', lineId)).toMatchObject({
      kind: 'service',
      itemId: ids.manicure,
      staffId: ids.ben,
      unitPriceCents: 3000,
      name: 'Manicure',
    });
    expect(await apply(store, 'appointment.complete', { id: A1, ticketId, lineId })).toMatchObject({
      code: 'INVALID_STATUS_TRANSITION',
    });
  });

  it('complete needs the booked service to still exist', async () => {
    const store = await seededStore();
    await book(store, A1, '2026-11-25T15:00:00Z');
    await must(store, 'appointment.checkIn', { id: A1 });
    await store.delete('service', ids.manicure);
    expect(
      await apply(store, 'appointment.complete', { id: A1, ticketId: uid(301), lineId: uid(302) }),
    ).toMatchObject({ code: 'SERVICE_NOT_FOUND' });
  });

  it('lets technicians move only their own appointments along', async () => {
    const store = await seededStore();
    await book(store, A1, '2026-11-25T15:00:00Z', ids.ana);
    await book(store, A2, '2026-11-25T15:00:00Z', ids.ben);
    expect(
      await apply(
        store,
        'appointment.checkIn',
        { id: A1 },
        { role: 'technician', staffId: ids.ana },
      ),
    ).toEqual({ ok: true });
    expect(
      await apply(
        store,
        'appointment.checkIn',
        { id: A2 },
        { role: 'technician', staffId: ids.ana },
      ),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    expect(
      await apply(
        store,
        'appointment.start',
        { id: uid(999) },
        { role: 'technician', staffId: ids.ana },
      ),
    ).toMatchObject({ code: 'APPOINTMENT_NOT_FOUND' });
    expect(
      await apply(
        store,
        'appointment.cancel',
        { id: A1 },
        { role: 'technician', staffId: ids.ana },
      ),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    expect(
      await apply(
        store,
        'appointment.book',
        { id: A3, staffId: ids.ana, serviceId: ids.manicure, start: '2026-11-25T19:00:00Z' },
        { role: 'technician' },
      ),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });

  it('queries overlaps with a bounded range on the staff member, never a scan', async () => {
    const store = await seededStore();
    const queries: unknown[] = [];
    const spy = {
      ...store,
      list: (async (entity: never, query: never) => {
        if (entity === 'appointment') queries.push(query);
        return store.list(entity, query);
      }) as typeof store.list,
    };
    await store.transaction(async () => {
      const { applyMutation } = await import('./registry');
      const { context } = await import('../test-support/fixtures');
      await applyMutation({ ...context(store), tx: spy }, 'appointment.book', {
        id: A1,
        staffId: ids.ana,
        serviceId: ids.manicure,
        start: '2026-11-25T15:00:00Z',
      });
    });
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      expect(query).toEqual({
        where: { staffId: ids.ana },
        range: { field: 'start', gte: '2026-11-24T15:00:00.000Z', lt: '2026-11-25T15:30:00.000Z' },
      });
    }
  });
});
