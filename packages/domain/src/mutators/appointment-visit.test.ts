import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intervalsOverlap, MAX_VISIT_ITEMS } from '../appointments';
import type { AppointmentRow } from '../entities';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const GROUP = uid(300);
const V1 = uid(301);
const V2 = uid(302);
const V3 = uid(303);
const OTHER = uid(309);
const AT = '2026-11-25T15:00:00.000Z';

const visitRows = (rows: AppointmentRow[]) =>
  rows.filter((r) => r.groupId === GROUP).sort((a, b) => (a.start < b.start ? -1 : 1));

describe('appointment.bookVisit', () => {
  it('books the services back to back, sharing the group id', async () => {
    const store = await seededStore();
    await must(store, 'appointment.bookVisit', {
      groupId: GROUP,
      start: AT,
      clientId: ids.client,
      items: [
        { id: V1, serviceId: ids.manicure, staffId: ids.ana },
        { id: V2, serviceId: ids.pedicure, staffId: ids.cleo },
      ],
    });
    const rows = visitRows(store.rows('appointment'));
    expect(rows.map((r) => [r.id, r.staffId, r.start, r.end, r.groupId, r.clientId])).toEqual([
      [V1, ids.ana, AT, '2026-11-25T15:30:00.000Z', GROUP, ids.client],
      [V2, ids.cleo, '2026-11-25T15:30:00.000Z', '2026-11-25T16:30:00.000Z', GROUP, ids.client],
    ]);
  });

  it('runs items with the same start and different technicians together; a later item waits for both', async () => {
    const store = await seededStore();
    await must(store, 'appointment.bookVisit', {
      groupId: GROUP,
      start: AT,
      items: [
        { id: V1, serviceId: ids.manicure, staffId: ids.ana },
        { id: V2, serviceId: ids.pedicure, staffId: ids.cleo, start: AT },
        { id: V3, serviceId: ids.polishChange, staffId: ids.ana },
      ],
    });
    const byId = Object.fromEntries(store.rows('appointment').map((r) => [r.id, r]));
    expect(byId[V1]?.start).toBe(AT);
    expect(byId[V2]?.start).toBe(AT);
    // After the longer pedicure, not after the manicure: the visit ends its services in order.
    expect(byId[V3]?.start).toBe('2026-11-25T16:00:00.000Z');
    expect(Object.values(byId).every((r) => !r.conflict)).toBe(true);
  });

  it('refuses a visit that books one technician twice at once, writing nothing', async () => {
    const store = await seededStore();
    const outcome = await apply(store, 'appointment.bookVisit', {
      groupId: GROUP,
      start: AT,
      items: [
        { id: V1, serviceId: ids.manicure, staffId: ids.ana },
        { id: V2, serviceId: ids.pedicure, staffId: ids.ana, start: AT },
      ],
    });
    expect(outcome).toMatchObject({ code: 'VISIT_ITEMS_OVERLAP' });
    expect(store.rows('appointment')).toEqual([]);
  });

  it('is all or nothing: one refused item refuses the visit', async () => {
    const store = await seededStore();
    await must(
      store,
      'staff.upsert',
      { id: ids.ben, displayName: 'Ben', role: 'technician', active: false },
      { role: 'manager' },
    );
    expect(
      await apply(store, 'appointment.bookVisit', {
        groupId: GROUP,
        start: AT,
        items: [
          { id: V1, serviceId: ids.manicure, staffId: ids.ana },
          { id: V2, serviceId: ids.pedicure, staffId: ids.ben },
        ],
      }),
    ).toMatchObject({ code: 'STAFF_INACTIVE' });
    expect(store.rows('appointment')).toEqual([]);
  });

  it('flags overlaps with other bookings, and in strict mode refuses the whole visit unless a manager books it', async () => {
    const store = await seededStore();
    await must(store, 'appointment.book', {
      id: OTHER,
      staffId: ids.cleo,
      serviceId: ids.pedicure,
      start: '2026-11-25T15:45:00Z',
    });
    const visit = {
      groupId: GROUP,
      start: AT,
      items: [
        { id: V1, serviceId: ids.manicure, staffId: ids.ana },
        { id: V2, serviceId: ids.pedicure, staffId: ids.cleo },
      ],
    };
    await must(store, 'store.updateSettings', { strictBooking: true }, { role: 'owner' });
    expect(await apply(store, 'appointment.bookVisit', visit)).toMatchObject({
      code: 'STAFF_DOUBLE_BOOKED',
    });
    expect(store.rows('appointment').map((r) => r.id)).toEqual([OTHER]);
    await must(store, 'appointment.bookVisit', visit, { role: 'manager' });
    const rows = Object.fromEntries(store.rows('appointment').map((r) => [r.id, r.conflict]));
    expect(rows).toEqual({ [OTHER]: true, [V1]: false, [V2]: true });
  });

  it('is idempotent on retry and refuses a different visit under the same ids', async () => {
    const store = await seededStore();
    const visit = {
      groupId: GROUP,
      start: AT,
      items: [{ id: V1, serviceId: ids.manicure, staffId: ids.ana }],
    };
    await must(store, 'appointment.bookVisit', visit);
    const version = store.version;
    await must(store, 'appointment.bookVisit', visit);
    expect(store.version).toBe(version);
    expect(
      await apply(store, 'appointment.bookVisit', { ...visit, groupId: uid(399) }),
    ).toMatchObject({ code: 'ID_CONFLICT' });
  });

  it('bounds the visit: no items, too many, or a repeated id are invalid arguments', async () => {
    const store = await seededStore();
    const item = (n: number) => ({
      id: uid(400 + n),
      serviceId: ids.polishChange,
      staffId: ids.ana,
    });
    for (const items of [
      [],
      Array.from({ length: MAX_VISIT_ITEMS + 1 }, (_, n) => item(n)),
      Array.from({ length: 101 }, (_, n) => item(n)),
      [item(1), item(1)],
    ]) {
      expect(
        await apply(store, 'appointment.bookVisit', { groupId: GROUP, start: AT, items }),
      ).toMatchObject({ code: 'INVALID_ARGS' });
    }
    expect(
      await apply(store, 'appointment.bookVisit', {
        groupId: GROUP,
        start: AT,
        items: Array.from({ length: MAX_VISIT_ITEMS }, (_, n) => item(n)),
      }),
    ).toEqual({ ok: true });
  });

  it('for any services and technicians: no technician overlaps itself, ends follow durations, and a refusal writes nothing', async () => {
    const SERVICES = { [ids.manicure]: 30, [ids.pedicure]: 60, [ids.polishChange]: 15 };
    const itemArb = fc.record({
      serviceId: fc.constantFrom(...Object.keys(SERVICES)),
      staffId: fc.constantFrom(ids.ana, ids.cleo, ids.manager, uid(999)),
      offset: fc.option(fc.integer({ min: -4, max: 12 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(itemArb, { minLength: 1, maxLength: MAX_VISIT_ITEMS }),
        async (drawn) => {
          const store = await seededStore();
          const items = drawn.map((d, n) => ({
            id: uid(500 + n),
            serviceId: d.serviceId,
            staffId: d.staffId,
            ...(d.offset === undefined
              ? {}
              : { start: new Date(Date.parse(AT) + d.offset * 15 * 60_000).toISOString() }),
          }));
          const outcome = await apply(store, 'appointment.bookVisit', {
            groupId: GROUP,
            start: AT,
            items,
          });
          const rows = visitRows(store.rows('appointment'));
          if (!outcome.ok) {
            expect(rows).toEqual([]);
            return;
          }
          expect(rows).toHaveLength(items.length);
          for (const row of rows) {
            const service = store.rows('service').find((s) => s.id === row.serviceId);
            const minutes =
              service?.staffOverrides?.[row.staffId]?.durationMin ?? service?.durationMin;
            expect(row.durationMin).toBe(minutes);
            expect(Date.parse(row.end) - Date.parse(row.start)).toBe(row.durationMin * 60_000);
            for (const other of rows) {
              if (other.id !== row.id && other.staffId === row.staffId) {
                expect(intervalsOverlap(row, other)).toBe(false);
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
